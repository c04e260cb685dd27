using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Auditor.Contracts;
using Auditor.Testing;

namespace Auditor.Server.Tests;

/// <summary>The shipped server process, started with no configuration at all, as a newcomer would start it.</summary>
public sealed partial class EmbeddedDefaultTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("auditor-embedded-").FullName;

    [Fact]
    public async Task Starts_with_no_configuration_and_accepts_samples_over_HTTP()
    {
        var port = FreePort();
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Auditor.Server.dll"), "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = _workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Nothing of the test run's own settings may leak in: this is the zero-configuration start.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Auditor", StringComparison.OrdinalIgnoreCase) || k.StartsWith("ConnectionStrings", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        using var server = Process.Start(start)!;
        server.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        server.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            var key = await Eventually.Get(() => Task.FromResult(output.Select(l => ApiKeyPattern().Match(l)).FirstOrDefault(m => m.Success)?.Value),
                k => k is not null, TimeSpan.FromSeconds(60), "the generated API key to be printed");
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await Eventually.Get(async () => { try { return (await client.GetAsync("/health/ready")).StatusCode; } catch (HttpRequestException) { return HttpStatusCode.ServiceUnavailable; } },
                s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "readiness");
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
            var password = await Eventually.Get(() => Task.FromResult(output.Select(l => AdminPasswordPattern().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value),
                p => p is not null, TimeSpan.FromSeconds(30), "the generated admin password to be printed");
            client.DefaultRequestHeaders.Authorization = AuditorApp.Basic("admin", password!);
            var sample = TestSamples.Valid(output: "   ");

            var response = await client.PostAsJsonAsync("/api/v1/samples", sample, OutputSampleJson.Options);

            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var stored = await Eventually.Get(async () =>
            {
                var r = await client.GetAsync($"/api/v1/samples/{sample.SampleId}");
                return r.IsSuccessStatusCode ? await r.Content.ReadFromJsonAsync<JsonElement>() : default;
            }, e => e.ValueKind == JsonValueKind.Object, what: "the sample to be stored");
            Assert.True(stored.GetProperty("flagged").GetBoolean());
            Assert.True(File.Exists(Path.Combine(_workDir, "data", "auditor.db")), "the embedded database lives under ./data");

            // The generated secrets are kept beside the database, for its owner only, and stay out of the log lines.
            var secrets = Path.Combine(_workDir, "data", "first-start-secrets.txt");
            var kept = await File.ReadAllTextAsync(secrets);
            Assert.Contains(key!, kept, StringComparison.Ordinal);
            Assert.Contains($"password {password} ", kept, StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secrets));
            Assert.All(output.Where(l => l.Contains(key!, StringComparison.Ordinal) || l.Contains(password!, StringComparison.Ordinal)),
                l => Assert.StartsWith("  Auditor, first start: ", l, StringComparison.Ordinal));
            // Request lines are off by default: a busy server's log says what matters.
            Assert.DoesNotContain(output, l => l.Contains("Request starting", StringComparison.Ordinal) || l.Contains("Request finished", StringComparison.Ordinal));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("aud_[0-9a-f]{48}")]
    private static partial Regex ApiKeyPattern();

    [GeneratedRegex(@"user admin, password (\S+) \(shown only now\)")]
    private static partial Regex AdminPasswordPattern();

    public void Dispose() => Directory.Delete(_workDir, recursive: true);
}
