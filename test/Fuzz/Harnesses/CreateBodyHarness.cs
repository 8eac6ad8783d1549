using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansTasks.Gateway.Apis;
using OrleansTasks.Gateway.Json;
using OrleansTasks.Tasks;

namespace OrleansTasks.Fuzz.Harnesses;

/// <summary>
/// A create endpoint's body, read as the gateway reads it (its JSON options, size and shape checks)
/// and then checked as the grain checks it. Refusals with the documented errors are answers; any
/// other exception is a crash.
/// </summary>
internal sealed class CreateBodyHarness<TBody, TRequest, TCreated>(
    string name, string covers, CreateEndpoint<TBody, TRequest, TCreated> endpoint, Action<TRequest, TasksOptions> validate) : IHarness
    where TBody : class, ICreateBody
    where TCreated : IResult
{
    private static readonly IServiceProvider Services = new ServiceCollection()
        .AddGatewayJson()
        .Configure<TasksOptions>(limits => limits.SourceRoots = [FuzzSite.SourceRoot])
        .BuildServiceProvider();

    public string Name => name;

    public string Covers => covers;

    public string? Dictionary => "json.dict";

    public void Run(byte[] input)
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = input.Length;
        context.Request.Body = new MemoryStream(input);
        var body = JsonBody<TBody>.BindAsync(context, null!).AsTask().GetAwaiter().GetResult()
            ?? throw new InvalidOperationException("The body binder answered nothing.");
        if (body.Value is null)
        {
            if (body.Problem is null && body.Invalid is null)
            {
                throw new InvalidOperationException("A body that was not read came without its problem.");
            }

            return;
        }

        var limits = Services.GetRequiredService<IOptions<TasksOptions>>().Value;
        var (request, refusal) = endpoint.Prepare(body.Value, limits, "fuzz");
        if (refusal is not null)
        {
            return;
        }

        try
        {
            validate(request!, limits);
        }
        catch (InvalidRequestException exception) when (!string.IsNullOrEmpty(exception.Field) && !string.IsNullOrEmpty(exception.Message))
        {
        }
    }
}
