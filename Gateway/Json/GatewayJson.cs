using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansTasks.Gateway.Json;

/// <summary>
/// The gateway's one set of JSON options, for everything minimal APIs read and write and for the create bodies:
/// snake_case names matched exactly, nulls left out. Request types that refuse unknown fields say so themselves
/// with <see cref="JsonUnmappedMemberHandlingAttribute"/>.
/// </summary>
public static class GatewayJson
{
    public static IServiceCollection AddGatewayJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.PropertyNameCaseInsensitive = false;
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
}
