using Auditor.Contracts;
using Auditor.Detection;
using Auditor.Review.Routing;
using Auditor.Storage.Review;
using Auditor.Storage.Samples;
using Auditor.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Auditor.Browser.Tests;

/// <summary>The real server on Kestrel (a free loopback port) with a fresh SQLite file, for a real browser to use.</summary>
public sealed class KestrelApp : WebApplicationFactory<Program>
{
    public const string AdminPassword = "admin-browser-password";
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"auditor-ui-{Guid.NewGuid():N}.db");

    public KestrelApp()
    {
        UseKestrel();
        StartServer();
    }

    public string BaseUrl => Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.UseSetting("ConnectionStrings:Sqlite", $"Data Source={_file}");
        builder.UseSetting("Auditor:Ingest:ApiKeys:0", "browser-test-key");
        builder.UseSetting("AUDITOR_ADMIN_PASSWORD", AdminPassword);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
    }

    /// <summary>Puts samples straight into review, in the given stratum, as the consumer would.</summary>
    public Task<IReadOnlyList<OutputSample>> SeedAsync(ReviewStratum stratum, params OutputSample[] samples) => SeedAsync(stratum, 1, samples);

    /// <summary>Puts samples straight into review, each needing <paramref name="reviewsRequired"/> verdicts.</summary>
    public async Task<IReadOnlyList<OutputSample>> SeedAsync(ReviewStratum stratum, int reviewsRequired, params OutputSample[] samples)
    {
        var detectors = Services.GetRequiredService<DetectorRegistry>();
        var audited = samples.Select(s =>
        {
            var inspection = detectors.Inspect(s);
            return new AuditedSample(s, inspection, new RoutingDecision(stratum, stratum == ReviewStratum.Uniform ? 0.02 : 1.0, reviewsRequired));
        }).ToList();
        await Services.GetRequiredService<SampleBatchWriter>().CommitAsync(audited, [], default);
        return samples;
    }

    public Task<long> VerdictsByAsync(string reviewer) =>
        Services.GetRequiredService<ReviewQueue>().VerdictCountAsync(reviewer, DateTimeOffset.UtcNow.AddHours(-1), default);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        TestDatabase.DeleteSqliteFiles(_file);
    }
}
