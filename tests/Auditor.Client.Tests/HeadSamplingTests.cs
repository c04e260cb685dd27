using Auditor.Contracts;

namespace Auditor.Client.Tests;

public class HeadSamplingTests
{
    private static HeadSampler Sampler(double rate, int seed = 42)
    {
        var random = new Random(seed);
        return new HeadSampler(new HeadSamplingOptions { Rate = rate, NextDouble = random.NextDouble });
    }

    [Fact]
    public void Keeps_about_the_configured_rate_of_ordinary_outputs()
    {
        var sampler = Sampler(0.1);
        var kept = Enumerable.Range(0, 20_000).Count(_ => sampler.Decide(TestSamples.Sample()).Keep);
        // Binomial(20000, 0.1): sd ~ 42, so +-300 is about 7 sd.
        Assert.InRange(kept, 1_700, 2_300);
    }

    [Fact]
    public void Always_sends_truncated_errored_and_empty_outputs_whatever_the_rate()
    {
        var sampler = Sampler(0.01);
        var always = Enumerable.Range(0, 500).SelectMany(_ => new[]
        {
            TestSamples.Sample(FinishReasons.Length), TestSamples.Sample(FinishReasons.Error),
            TestSamples.Sample("stop", output: "  "), TestSamples.Sample("LENGTH"),
        });
        var decisions = always.Select(sampler.Decide).ToList();
        Assert.All(decisions, d => Assert.Equal(SamplingDecisionKind.Always, d.Kind));
    }

    [Fact]
    public void Always_sends_outputs_a_custom_rule_matches()
    {
        var options = new HeadSamplingOptions { Rate = 0.01, NextDouble = () => 0.99 };
        options.AlwaysSample.Add(s => s.Output!.Contains("<|im_end|>", StringComparison.Ordinal));
        var sampler = new HeadSampler(options);
        Assert.True(sampler.Decide(TestSamples.Sample(output: "hello<|im_end|>")).Keep);
        Assert.False(sampler.Decide(TestSamples.Sample(output: "hello")).Keep);
    }

    [Fact]
    public void Sets_samplingRate_to_the_rate_applied_and_1_for_always_sampled_outputs()
    {
        var sampler = Sampler(0.25);
        var ordinary = Enumerable.Range(0, 200).Select(_ => sampler.Decide(TestSamples.Sample())).Where(d => d.Keep).ToList();
        Assert.NotEmpty(ordinary);
        Assert.All(ordinary, d => Assert.Equal(0.25, d.Sample!.SamplingRate));

        // Even in a draw the rate alone would keep, a rule match carries 1: its inclusion probability is 1.
        var keepAll = new HeadSampler(new HeadSamplingOptions { Rate = 0.25, NextDouble = () => 0.0 });
        Assert.Equal(1.0, keepAll.Decide(TestSamples.Sample(FinishReasons.Length)).Sample!.SamplingRate);
        Assert.Equal(1.0, new HeadSampler(new HeadSamplingOptions()).Decide(TestSamples.Sample()).Sample!.SamplingRate);
    }

    [Fact]
    public void Multiplies_a_rate_the_sample_already_carries_from_upstream_sampling()
    {
        var sampler = new HeadSampler(new HeadSamplingOptions { Rate = 0.5, NextDouble = () => 0.0 });
        var upstream = TestSamples.Sample() with { SamplingRate = 0.2 };
        Assert.Equal(0.1, sampler.Decide(upstream).Sample!.SamplingRate!.Value, 12);
        Assert.Equal(0.2, sampler.Decide(upstream with { FinishReason = FinishReasons.Length }).Sample!.SamplingRate!.Value, 12);
    }

    [Fact]
    public void Volume_scaled_by_one_over_samplingRate_estimates_every_output_offered()
    {
        var sampler = Sampler(0.05, seed: 7);
        var random = new Random(11);
        const int offered = 40_000;
        double estimate = 0;
        for (var i = 0; i < offered; i++)
        {
            // 3% truncated outputs, always sent; the rest sampled at 5%.
            var sample = TestSamples.Sample(random.NextDouble() < 0.03 ? FinishReasons.Length : FinishReasons.Stop);
            var decision = sampler.Decide(sample);
            if (decision.Keep) estimate += 1 / decision.Sample!.SamplingRate!.Value;
        }
        // Estimate of 38,800 ordinary outputs from ~1,940 kept: relative sd ~ 2.2%; allow 4 sd.
        Assert.InRange(estimate, offered * 0.91, offered * 1.09);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Refuses_a_rate_outside_0_to_1(double rate) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new HeadSampler(new HeadSamplingOptions { Rate = rate }));
}
