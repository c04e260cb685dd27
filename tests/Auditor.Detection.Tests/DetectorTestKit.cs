using Auditor.Contracts;
using Auditor.Detection.Features;
using Auditor.Detection.Length;
using Auditor.Detection.Rules;

namespace Auditor.Detection.Tests;

internal static class DetectorTestKit
{
    public static OutputSample Sample(string output, string model = "m", string route = "r", string? finishReason = null) =>
        new() { SampleId = Guid.NewGuid().ToString(), Model = model, Route = route, Output = output, FinishReason = finishReason };

    public static DetectorResult Run(IDetector detector, string output, IStreamBaselines? baselines = null, RuleSet? rules = null)
    {
        var sample = Sample(output);
        var context = new DetectionContext(sample, FeatureExtractor.Extract(sample)) { Baselines = baselines ?? LengthBaselineTable.Empty, Rules = rules };
        return detector.Evaluate(context, new DetectorSettings(true, detector.DefaultThreshold));
    }

    /// <summary>
    /// A random text of up to <paramref name="maxLength"/> characters (exclusive): lower-case ASCII letters, and one
    /// character in <paramref name="alphabetOneIn"/> drawn from <paramref name="alphabet"/> (the hostile characters a test
    /// wants mixed in). The random texts of the fast paths' differential tests.
    /// </summary>
    public static string RandomMixedText(Random random, char[] alphabet, int maxLength, int alphabetOneIn)
    {
        var sb = new System.Text.StringBuilder();
        var length = random.Next(0, maxLength);
        for (var k = 0; k < length; k++)
            sb.Append(random.Next(alphabetOneIn) == 0 ? alphabet[random.Next(alphabet.Length)] : (char)('a' + random.Next(26)));
        return sb.ToString();
    }
}
