using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Auditor.Contracts;
using Auditor.Testing;

namespace Auditor.Server.Tests;

/// <summary>
/// The two runaway-list signs of issue #14's third round through the real interface: POST /api/v1/samples on the embedded
/// default with default settings, then the stored sample's detector results. A list that restates its own items is the
/// degeneration detector's; a poem three times the form its prompt names is the length detector's (it reads the prompt).
/// </summary>
public sealed class RunawayListIntakeTests : IAsyncLifetime
{
    private readonly AuditorApp _app = new();
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _app.CreateIngestClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, OutputSampleJson.Options), Encoding.UTF8, "application/json");

    private async Task<JsonElement> ResultAsync(string sampleId, string detector)
    {
        var stored = await Eventually.Get(async () =>
        {
            var response = await _client.GetAsync($"/api/v1/samples/{sampleId}");
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
        }, e => e.ValueKind == JsonValueKind.Object, what: $"sample {sampleId} to be stored");
        return stored.GetProperty("detectorResults").EnumerateArray().Single(r => r.GetProperty("detector").GetString() == detector);
    }

    [Fact]
    public async Task Flags_a_list_that_restates_its_items_and_a_sonnet_that_runs_on_with_evidence()
    {
        string[] tools = ["curl -I", "dig +short", "ping -c 4", "traceroute", "ss -tlnp", "ip addr", "nmap -sT", "tcpdump -i any",
            "curl -I", "mtr", "dig +short", "nc -zv", "ping -c 4", "arp -a", "ss -tlnp", "ip route", "traceroute", "ip addr", "nslookup", "nmap -sT"];
        var list = TestSamples.Valid(output: "Network commands to try:\n" + string.Join("\n", tools.Select(t => "- " + t)));
        var verse = string.Join("\n", Enumerable.Range(1, 45).Select(i => $"Line {i} names another river flowing east"));
        var sonnet = TestSamples.Valid(output: "Here is your sonnet:\n\n" + verse) with { Prompt = "Write a sonnet about rivers." };
        var plain = TestSamples.Valid(output: "Here is your poem:\n\n" + verse) with { Prompt = "Write a long poem about rivers." };

        var response = await _client.PostAsync("/api/v1/samples", Json(new[] { list, sonnet, plain }));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var degeneration = await ResultAsync(list.SampleId!, "degeneration");
        Assert.True(degeneration.GetProperty("flagged").GetBoolean(), degeneration.GetProperty("explanation").GetString());
        Assert.Contains(degeneration.GetProperty("evidence").EnumerateArray(),
            e => e.GetProperty("note").GetString()!.Contains("restates 7 of its own items", StringComparison.Ordinal));

        var length = await ResultAsync(sonnet.SampleId!, "length");
        Assert.True(length.GetProperty("flagged").GetBoolean(), length.GetProperty("explanation").GetString());
        Assert.Contains("asks for a sonnet (14 lines)", length.GetProperty("explanation").GetString(), StringComparison.Ordinal);
        Assert.Equal(sonnet.Output!.IndexOf("Line 1 ", StringComparison.Ordinal), length.GetProperty("evidence")[0].GetProperty("start").GetInt32());

        // The same poem where the prompt fixes no length: nothing to judge it against.
        var unfixed = await ResultAsync(plain.SampleId!, "length");
        Assert.False(unfixed.GetProperty("flagged").GetBoolean(), unfixed.GetProperty("explanation").GetString());
    }
}
