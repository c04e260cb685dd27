using System.Diagnostics.Metrics;
using Auditor.Server.Configuration;
using Auditor.Server.Hosting;
using Auditor.Server.Web;
using Auditor.Storage.Streams;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Pipeline;

/// <summary>
/// Per-stream counted and flagged totals for /metrics, read from the store's stream-hour counters every
/// StreamRefreshSeconds: the same figures as GET /api/v1/streams, exact and shared by every process. Cardinality is
/// bounded: the first MaxStreams streams seen (largest first at the first read) keep their own series for the life of
/// the process, every later one is added to model="_other", route="_other", so each series only grows.
/// </summary>
public sealed partial class StreamTotalsMetrics : PeriodicJob
{
    private const string Other = "_other";
    private readonly StreamSummaryReader _reader;
    private readonly IOptionsMonitor<AuditorOptions> _options;
    private readonly ILogger<StreamTotalsMetrics> _logger;
    private readonly HashSet<(string Model, string Route)> _admitted = [];
    private volatile IReadOnlyList<(string Model, string Route, long Counted, long Flagged)> _totals = [];

    public StreamTotalsMetrics(StreamSummaryReader reader, IOptionsMonitor<AuditorOptions> options, IMeterFactory meters, TimeProvider clock,
        ILogger<StreamTotalsMetrics> logger) : base(clock)
    {
        _reader = reader;
        _options = options;
        _logger = logger;
        var meter = meters.Create(PipelineMetrics.MeterName);
        meter.CreateObservableCounter("auditor.stream.counted", () => _totals.Select(t => Point(t.Counted, t)), "{sample}",
            "Samples counted per stream (model, route), from the store.");
        meter.CreateObservableCounter("auditor.stream.flagged", () => _totals.Select(t => Point(t.Flagged, t)), "{sample}",
            "Samples flagged by any detector per stream (model, route), from the store.");
    }

    protected override TimeSpan Period => TimeSpan.FromSeconds(_options.CurrentValue.Metrics.StreamRefreshSeconds);

    protected override FirstStep FirstStep => FirstStep.Immediately;

    protected override async Task StepAsync(CancellationToken ct)
    {
        var streams = await _reader.ListAsync(TimeRange.Earliest, TimeRange.Latest, ct);
        var max = _options.CurrentValue.Metrics.MaxStreams;
        foreach (var s in streams.OrderByDescending(s => s.Total))
            if (_admitted.Count < max)
                _admitted.Add((s.Model, s.Route));
        _totals = streams
            .GroupBy(s => _admitted.Contains((s.Model, s.Route)) ? (s.Model, s.Route) : (Other, Other))
            .Select(g => (g.Key.Item1, g.Key.Item2, g.Sum(s => s.Total), g.Sum(s => s.Flagged)))
            .ToList();
    }

    private static Measurement<long> Point(long value, (string Model, string Route, long, long) t) =>
        new(value, new KeyValuePair<string, object?>("model", t.Model), new KeyValuePair<string, object?>("route", t.Route));

    protected override void LogStepFailed(Exception exception) => LogRefreshFailed(exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read per-stream totals for /metrics; keeping the previous ones")]
    private partial void LogRefreshFailed(Exception exception);
}
