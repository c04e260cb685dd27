using System.Diagnostics.Metrics;
using Auditor.Review.Reports;
using Auditor.Server.Configuration;
using Auditor.Server.Hosting;
using Auditor.Server.Pipeline;
using Auditor.Storage.Reports;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Reports;

/// <summary>
/// The newest stored weekly report's failure-rate estimates as gauges on /metrics, so alerting that already reads
/// Prometheus can use them: <c>auditor_weekly_failure_rate{model, route, bound}</c> with bound <c>point</c>, <c>lower</c>
/// and <c>upper</c> (the 95% interval), all streams as model="_all", route="_all". A rate with no point (no decisive
/// review, or recall-style lower bounds) exports only its bounds. Read from the store every few minutes, so every
/// process exports the same figures; at most MaxStreams streams (largest first), since a rate cannot be summed into
/// an "_other" series.
/// </summary>
public sealed partial class WeeklyEstimateMetrics : PeriodicJob
{
    public const string All = "_all";
    private readonly WeeklyReportStore _reports;
    private readonly IOptionsMonitor<AuditorOptions> _options;
    private readonly ILogger<WeeklyEstimateMetrics> _logger;
    private volatile IReadOnlyList<Measurement<double>> _points = [];

    public WeeklyEstimateMetrics(WeeklyReportStore reports, IOptionsMonitor<AuditorOptions> options, IMeterFactory meters, TimeProvider clock,
        ILogger<WeeklyEstimateMetrics> logger) : base(clock)
    {
        _reports = reports;
        _options = options;
        _logger = logger;
        meters.Create(PipelineMetrics.MeterName).CreateObservableGauge("auditor.weekly.failure_rate", () => _points, unit: null,
            "Silent-failure rate of the newest stored weekly report per stream (model, route; _all for all streams), bound point, lower or upper (95% interval).");
    }

    /// <summary>The week whose estimates are exported now (null before a report was stored).</summary>
    public string? Week { get; private set; }

    protected override TimeSpan Period => TimeSpan.FromSeconds(Math.Max(30, _options.CurrentValue.Metrics.StreamRefreshSeconds * 10));

    protected override FirstStep FirstStep => FirstStep.Immediately;

    protected override async Task StepAsync(CancellationToken ct)
    {
        var weeks = await _reports.ListAsync(ct);
        if (weeks.Count == 0)
            return;
        var newest = weeks.OrderByDescending(w => w.Week, StringComparer.Ordinal).First().Week;
        if (await _reports.FindAsync(newest, ct) is not { } stored || JsonReportRenderer.Parse(stored.Json) is not { } report)
            return;
        _points = Points(report, _options.CurrentValue.Metrics.MaxStreams);
        Week = newest;
    }

    /// <summary>The gauge's points for a report: all streams first, then the largest streams up to <paramref name="maxStreams"/>.</summary>
    public static IReadOnlyList<Measurement<double>> Points(WeeklyReport report, int maxStreams)
    {
        var points = new List<Measurement<double>>();
        Add(points, All, All, report.Summary.FailureRate);
        foreach (var stream in report.Streams.OrderByDescending(s => s.Samples).Take(maxStreams))
            Add(points, stream.Model, stream.Route, stream.FailureRate);
        return points;
    }

    private static void Add(List<Measurement<double>> points, string model, string route, RateInterval rate)
    {
        if (rate.Value is { } value && !rate.AtLeast)
            points.Add(Point(value, model, route, "point"));
        points.Add(Point(rate.Lower, model, route, "lower"));
        points.Add(Point(rate.Upper, model, route, "upper"));
    }

    private static Measurement<double> Point(double value, string model, string route, string bound) =>
        new(value, new("model", model), new("route", route), new("bound", bound));

    protected override void LogStepFailed(Exception exception) => LogReadFailed(exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the newest weekly report for /metrics; keeping the previous figures")]
    private partial void LogReadFailed(Exception exception);
}
