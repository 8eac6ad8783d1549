using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace OrleansTasks.Testing;

/// <summary>Creates schedules as a client would.</summary>
public static class ScheduleRequests
{
    /// <summary>Creates a schedule named <paramref name="name"/> running a 5-document task into <paramref name="name"/> every <paramref name="every"/>; returns its id.</summary>
    public static async Task<Guid> CreateAsync(HttpClient client, string name, string every = "PT1H")
    {
        using var response = await client.PostAsJsonAsync("/api/schedules", new JsonObject
        {
            ["name"] = name,
            ["task"] = TaskRequests.Body(5, collection: name),
            ["every"] = every,
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"create answered {(int)response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("schedule_id").GetGuid();
    }
}
