using Auditor.Detection.Features;
using Auditor.Detection.Leakage;
using Auditor.Detection.Truncation;
using static Auditor.Detection.Tests.DetectorTestKit;

namespace Auditor.Detection.Tests;

// Detectors hand out one shared result for the verdict most outputs get; it must say exactly what a new one would.
public class RepeatedResultTests
{
    private static DetectorResult Evaluate(IDetector detector, string output, double threshold)
    {
        var sample = Sample(output);
        return detector.Evaluate(new DetectionContext(sample, FeatureExtractor.Extract(sample)), new DetectorSettings(true, threshold));
    }

    [Fact]
    public void Outputs_with_nothing_found_share_one_result_with_the_threshold_in_force()
    {
        var detector = new TemplateLeakageDetector();
        var first = Evaluate(detector, "A plain answer.", 1);
        var second = Evaluate(detector, "Another plain answer.", 1);
        Assert.Same(first, second);
        Assert.Equal(new DetectorResult("leakage", 0, 1, false, [], "No chat-template token appears in the output."), first);

        var stricter = Evaluate(detector, "A plain answer.", 2);
        Assert.Equal(2, stricter.Threshold);
        Assert.Equal(1, Evaluate(detector, "A plain answer.", 1).Threshold);
    }

    [Fact]
    public void A_threshold_of_negative_zero_is_kept_as_given()
    {
        var detector = new TruncationDetector();
        var zero = Evaluate(detector, "", 0.0);
        var negativeZero = Evaluate(detector, "", -0.0);
        Assert.True(zero.Flagged);
        Assert.True(negativeZero.Flagged);
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(negativeZero.Threshold));
        Assert.Equal(BitConverter.DoubleToInt64Bits(0.0), BitConverter.DoubleToInt64Bits(Evaluate(detector, "", 0.0).Threshold));
    }

    [Fact]
    public void A_flagged_verdict_is_never_the_shared_one()
    {
        var detector = new TruncationDetector();
        var quiet = Evaluate(detector, "A finished answer.", 1);
        var cut = detector.Evaluate(new DetectionContext(Sample("Cut off at", finishReason: "length"),
            FeatureExtractor.Extract(Sample("Cut off at", finishReason: "length"))), new DetectorSettings(true, 1));
        Assert.False(quiet.Flagged);
        Assert.True(cut.Flagged);
        Assert.NotEmpty(cut.Evidence);
        Assert.Same(quiet, Evaluate(detector, "Another finished answer.", 1));
    }

    [Fact]
    public void Threads_sharing_a_detector_get_the_verdict_for_their_own_threshold()
    {
        var detector = new TemplateLeakageDetector();
        var wrong = 0;
        Parallel.For(0, 2000, i =>
        {
            var threshold = i % 3 + 1;
            if (Evaluate(detector, "Plain text " + i, threshold).Threshold != threshold)
                Interlocked.Increment(ref wrong);
        });
        Assert.Equal(0, wrong);
    }
}
