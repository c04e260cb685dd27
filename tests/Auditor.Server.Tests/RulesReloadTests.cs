using System.Net.Http.Json;
using System.Text.Json;
using Auditor.Testing;

namespace Auditor.Server.Tests;

/// <summary>rules/ is watched by the running server: a bad edit is refused and reported, a good one is picked up.</summary>
public sealed class RulesReloadTests : IAsyncLifetime
{
    private readonly string _rules = Directory.CreateTempSubdirectory("auditor-rules-").FullName;
    private AuditorApp _app = null!;

    public Task InitializeAsync()
    {
        File.Copy(Path.Combine(RepositoryRoot(), "rules", "default.yaml"), Path.Combine(_rules, "default.yaml"));
        _app = new AuditorApp(new() { ["Auditor:Rules:Path"] = _rules });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_rules, recursive: true);
    }

    private async Task<JsonElement> RulesCheckAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/health/ready")).GetProperty("checks").GetProperty("rules");

    [Fact]
    public async Task A_bad_edit_keeps_the_last_good_rules_and_says_so_in_readiness_until_it_is_fixed()
    {
        var client = _app.CreateIngestClient();
        Assert.Equal("Healthy", (await RulesCheckAsync(client)).GetProperty("status").GetString());

        await File.WriteAllTextAsync(Path.Combine(_rules, "zz-broken.yaml"), "detectors:\n  degeneration: { threshold: lots }\n");
        var check = await Eventually.Get(() => RulesCheckAsync(client), c => c.GetProperty("status").GetString() == "Degraded",
            TimeSpan.FromSeconds(20), "readiness to report the bad edit");

        Assert.Contains("zz-broken.yaml:2", check.GetProperty("description").GetString(), StringComparison.Ordinal);
        // Detection keeps running on the last good rules: a looping answer is still flagged.
        var looping = TestSamples.Valid(output: string.Concat(Enumerable.Repeat("I will check the logs and get back to you. ", 30)));
        await client.PostAsJsonAsync("/api/v1/samples", looping, Auditor.Contracts.OutputSampleJson.Options);
        var stored = await Eventually.Get(async () =>
        {
            var r = await client.GetAsync($"/api/v1/samples/{looping.SampleId}");
            return r.IsSuccessStatusCode ? await r.Content.ReadFromJsonAsync<JsonElement>() : default;
        }, e => e.ValueKind == JsonValueKind.Object, what: "the looping sample to be stored");
        Assert.Contains(stored.GetProperty("detectorResults").EnumerateArray(),
            r => r.GetProperty("detector").GetString() == "degeneration" && r.GetProperty("flagged").GetBoolean());

        File.Delete(Path.Combine(_rules, "zz-broken.yaml"));
        await Eventually.Get(() => RulesCheckAsync(client), c => c.GetProperty("status").GetString() == "Healthy",
            TimeSpan.FromSeconds(20), "readiness to recover once the edit is fixed");
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Auditor.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Auditor.sln not found above the test binaries.");
    }
}
