using System.Globalization;
using Auditor.Detection.Truncation;

namespace Auditor.Detection.Length;

/// <summary>
/// Flags an output much shorter or much longer than its stream usually produces. Score: the absolute robust z-score
/// of ln(1 + characters) against the stream's baseline (median, 1.4826 MAD). Default threshold 6 (scale at least ln 2, see
/// <see cref="LengthBaseline.MinimumScale"/>): under a normal model 2 in a billion ordinary outputs lie that far out, but log lengths have heavy tails (early stops), and in a stream of near-constant length a flagged output is 64 times off its median.
/// A short output is flagged only with evidence that it stopped early (a length stop, the token budget used, a text that
/// ends cut: <see cref="CutEnd"/>): a stream's prompts may call for one-word answers ("Yes.", "c.", "NO RULE BROKEN"),
/// and its length alone cannot tell those from early stops. Abstains until the stream has
/// <see cref="LengthBaseline.DefaultMinimumCount"/> baseline samples, and where the stream is mixed (scale above
/// <see cref="MixedStreamScale"/>): a stream without a typical length has no unusual one.
/// </summary>
public sealed class LengthAnomalyDetector(int minimumCount = LengthBaseline.DefaultMinimumCount) : IDetector
{
    /// <summary>ln 4: one robust standard deviation spans a factor of 4 in length; lengths that vary that much have no typical value.</summary>
    public const double MixedStreamScale = 1.3862943611198906;

    public string Name => "length";

    /// <summary>The sign rules/ switches off per stream: <c>length: { signs: { requestedForm: off } }</c>.</summary>
    public const string RequestedFormSign = "requestedForm";

    public static IReadOnlyList<string> SignNames { get; } = [RequestedFormSign];

    public double DefaultThreshold => 6.0;

    public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        // Length against a length the prompt fixes comes first: it needs no baseline and holds in a mixed stream.
        if (!settings.SignsOff.Contains(RequestedFormSign) && RequestedFormResult(context, settings) is { } overForm)
            return overForm;
        var baseline = context.Baselines.For(context.Model, context.Route);
        if (baseline is null || !baseline.IsReady(minimumCount))
        {
            return DetectorResult.Abstain(Name, settings.Threshold, string.Create(CultureInfo.InvariantCulture,
                $"No length baseline yet for this stream: {baseline?.Count ?? 0} of the {minimumCount} uniform samples it needs."));
        }
        if (baseline.ScaleLog > MixedStreamScale)
        {
            return DetectorResult.Abstain(Name, settings.Threshold, string.Create(CultureInfo.InvariantCulture,
                $"This stream's lengths vary too much to call one unusual (one robust deviation is a factor of {Math.Exp(baseline.ScaleLog):0.#}; the limit is 4): its prompts ask for different things."));
        }

        var f = context.Features;
        var z = baseline.ZScore(f.LogLength);
        var score = Math.Abs(z);
        var flagged = score >= settings.Threshold;
        var cut = CutEndKind.None;
        if (flagged && z < 0)
        {
            // Short: only with evidence that the model stopped early, not that the prompt asked for little.
            cut = CutEnd.Find(context.Sample.Output ?? "", f.LastNonWhitespace);
            if (!(f.FinishedByLength || f.TokenBudgetUsed >= 1 || cut != CutEndKind.None))
            {
                return new DetectorResult(Name, score, settings.Threshold, false, [], string.Create(CultureInfo.InvariantCulture,
                    $"Short for this stream ({score:0.0} robust deviations), but nothing shows an early stop (no length stop, the text ends normally): a short answer may be what was asked."));
            }
        }
        // The typical length is only needed to explain a flag (most samples are not flagged).
        var explanation = flagged
            ? string.Create(CultureInfo.InvariantCulture,
                $"{f.CharLength} characters where this stream's median is {Math.Exp(baseline.MedianLog) - 1:0}: unusually {(z < 0 ? "shorter" : "longer")} ({score:0.0} robust deviations, threshold {settings.Threshold:0.0}){(z < 0 ? ", and " + (cut != CutEndKind.None ? CutEnd.Describe(cut) : "generation stopped at the token limit") : "")}.")
            : "The length is within this stream's usual range.";
        IReadOnlyList<EvidenceSpan> evidence = flagged && f.CharLength > 0
            ? [new EvidenceSpan(0, f.CharLength, z < 0 ? "the whole (short) output" : "the whole (long) output")]
            : [];
        return new DetectorResult(Name, score, settings.Threshold, flagged, evidence, explanation);
    }

    // The requestedForm sign (RequestedForm): the poem is OverLimit times the form the prompt asks for. Scored as
    // threshold x ratio, so it flags at its limit whatever the stream's threshold, and only then (null below it).
    private DetectorResult? RequestedFormResult(DetectionContext context, DetectorSettings settings)
    {
        if (context.Features.LineCount < RequestedForm.MinimumLines)
            return null;
        var measure = RequestedForm.Of(context.Sample.Prompt, context.Sample.Output);
        if (measure.Ratio < 1)
            return null;
        return new DetectorResult(Name, settings.Threshold * measure.Ratio, settings.Threshold, true,
            [new EvidenceSpan(measure.Start, measure.Length, string.Create(CultureInfo.InvariantCulture, $"a poem of {measure.Units} lines or stanzas"))],
            string.Create(CultureInfo.InvariantCulture,
                $"The prompt asks for a {measure.Form} ({measure.Asked} lines) and the answer's poem runs to {measure.Units} lines or stanzas, {RequestedForm.OverLimit} times that or more: it did not stop where the request did."));
    }
}
