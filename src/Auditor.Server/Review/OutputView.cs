using Auditor.Detection;

namespace Auditor.Server.Review;

/// <summary>A flagging detector's colour in the evidence highlight (a CSS class index) and its notes, for the legend.</summary>
public sealed record LegendEntry(string Detector, int Colour, IReadOnlyList<string> Notes);

/// <summary>
/// An output with the evidence to highlight (none in blind mode), one colour per flagging detector with a legend, and
/// long loops folded to their unit; <paramref name="Captured"/> false when the publisher sent no text.
/// </summary>
public sealed record OutputView(string Text, IReadOnlyList<OutputSegment> Segments, bool Captured = true)
{
    /// <summary>How many highlight colours the stylesheet defines (ev-0 to ev-5); more detectors reuse them in turn.</summary>
    public const int Colours = 6;

    public IReadOnlyList<LegendEntry> Legend { get; init; } = [];

    public IReadOnlyList<LoopFold> Folds { get; init; } = [];

    /// <summary>The colour class index of a detector's marks.</summary>
    public int ColourOf(string detector) => Legend.FirstOrDefault(l => l.Detector == detector)?.Colour ?? 0;

    /// <summary>
    /// The view of an output. Without <paramref name="highlight"/> (blind review) nothing of what the detectors said shows:
    /// no marks, no legend, and no folded loop either (a fold would say a loop was found).
    /// </summary>
    public static OutputView Of(string text, IEnumerable<DetectorResult> results, bool highlight, bool captured = true)
    {
        var flagged = highlight ? results.Where(r => r.Flagged).ToList() : [];
        var legend = flagged.Select((r, i) => new LegendEntry(r.Detector, i % Colours, r.Evidence.Select(e => e.Note).Distinct().ToList())).ToList();
        var folds = new List<LoopFold>();
        foreach (var span in flagged.Where(r => r.Detector == "degeneration").SelectMany(r => r.Evidence).Where(e => e.Length >= LoopFold.MinFoldedChars))
        {
            if (LoopFold.Find(text, span.Start, span.Length) is { } fold && !folds.Any(f => f.Start < fold.End && fold.Start < f.End))
                folds.Add(fold);
        }
        var segments = OutputSegments.Split(text, flagged.SelectMany(r => r.Evidence.Select(e => (r.Detector, e))), folds);
        return new OutputView(text, segments, captured) { Legend = legend, Folds = folds };
    }
}
