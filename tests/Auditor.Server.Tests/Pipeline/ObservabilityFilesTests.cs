using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Auditor.Contracts;
using Auditor.Review.Reports;
using Auditor.Server.Reports;
using Auditor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Auditor.Server.Tests.Pipeline;

/// <summary>
/// The Grafana dashboard and the Prometheus alert rules under docs/observability name only metrics the server exports,
/// and the newest weekly report's failure-rate estimates reach /metrics.
/// </summary>
[Collection("metrics")]
public sealed partial class ObservabilityFilesTests : IAsyncLifetime
{
    private readonly AuditorApp _app = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_dashboard_and_the_alert_rules_name_only_exported_metrics()
    {
        var exported = ExportedNames(_app);
        var named = new[] { "grafana-dashboard.json", "prometheus-alerts.yaml" }
            .SelectMany(f => MetricName().Matches(File.ReadAllText(Path.Combine(ObservabilityFolder(), f))).Select(m => (File: f, Name: m.Value)))
            .ToList();

        Assert.NotEmpty(named);
        foreach (var (file, name) in named)
            Assert.True(exported.Contains(Series(name)), $"{file} names {name}, which /metrics does not export (exported: {string.Join(", ", exported.Order())})");

        // The naming rule above is the exporter's: every series a live scrape shows for the Auditor meters is one of them.
        var client = _app.CreateIngestClient();
        Assert.Equal(System.Net.HttpStatusCode.Accepted,
            (await client.PostAsJsonAsync("/api/v1/samples", new[] { TestSamples.Valid() }, OutputSampleJson.Options)).StatusCode);
        var scrape = await _app.CreateClient().GetStringAsync("/metrics");
        var scraped = scrape.Split('\n').Where(l => l.StartsWith("auditor_", StringComparison.Ordinal)).Select(l => Series(MetricName().Match(l).Value)).ToHashSet();
        Assert.Contains("auditor_samples_counted_total", scraped);
        Assert.Contains("auditor_commit_duration_seconds", scraped);
        Assert.Subset(exported, scraped);
    }

    [Fact]
    public async Task The_newest_weekly_estimates_are_gauges_on_metrics()
    {
        var week = IsoWeek.Of(DateTimeOffset.UtcNow);
        await _app.Services.GetRequiredService<WeeklyReportRun>().RunAsync(week, default);
        // A second process on the same database reads the stored report at its start.
        var file = _app.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["ConnectionStrings:Sqlite"];
        await using var other = new AuditorApp(new() { ["ConnectionStrings:Sqlite"] = file });

        var text = await Eventually.Get(() => other.CreateClient().GetStringAsync("/metrics"),
            t => t.Contains("auditor_weekly_failure_rate{", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the weekly estimate gauges");

        var all = text.Split('\n').Where(l => l.StartsWith("auditor_weekly_failure_rate{", StringComparison.Ordinal) && l.Contains("model=\"_all\"", StringComparison.Ordinal)).ToList();
        Assert.Contains(all, l => l.Contains("bound=\"lower\"", StringComparison.Ordinal));
        Assert.Contains(all, l => l.Contains("bound=\"upper\"", StringComparison.Ordinal));
        Assert.Equal(week.ToString(), other.Services.GetRequiredService<WeeklyEstimateMetrics>().Week);
    }

    /// <summary>The Prometheus names of every instrument on Auditor's meters, as OpenTelemetry's exporter writes them.</summary>
    private static HashSet<string> ExportedNames(AuditorApp app)
    {
        _ = app.Services; // start the host: every instrument is created
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == "Auditor" || instrument.Meter.Name.StartsWith("Auditor.", StringComparison.Ordinal))
                    lock (names)
                        names.Add(PrometheusName(instrument));
            },
        };
        listener.Start();
        return names;
    }

    private static string PrometheusName(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_');
        var unit = instrument.Unit switch
        {
            null or "" => "",
            { } u when u.StartsWith('{') => "",
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            "1" => "ratio",
            { } u => u,
        };
        if (unit.Length > 0 && !name.EndsWith("_" + unit, StringComparison.Ordinal))
            name += "_" + unit;
        var counter = instrument.GetType().Name.StartsWith("Counter", StringComparison.Ordinal)
            || instrument.GetType().Name.StartsWith("ObservableCounter", StringComparison.Ordinal);
        return counter ? name + "_total" : name;
    }

    /// <summary>A histogram's series (_bucket, _sum, _count) belong to its name.</summary>
    private static string Series(string name) => HistogramPart().Replace(name, "");

    private static string ObservabilityFolder()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Auditor.sln")))
            dir = Path.GetDirectoryName(dir);
        return Path.Combine(dir ?? throw new DirectoryNotFoundException("Auditor.sln not found above the test binaries"), "docs", "observability");
    }

    [GeneratedRegex("auditor_[a-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex("_(bucket|sum|count)$")]
    private static partial Regex HistogramPart();
}
