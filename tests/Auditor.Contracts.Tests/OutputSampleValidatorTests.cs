using System.Text.Json;

namespace Auditor.Contracts.Tests;

public class OutputSampleValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private readonly OutputSampleValidator _validator = new(new FixedClock(Now));

    private static OutputSample Valid() => new()
    {
        SampleId = "01JDQ2ZK8Q7YV9N7W1S0C8C1ZK",
        OccurredAt = Now.AddMinutes(-3),
        Model = "qwen2.5-7b-instruct",
        Route = "support/answer",
        Output = "You can reset your password from the account page.",
    };

    [Fact]
    public void Accepts_a_minimal_valid_sample()
    {
        Assert.Empty(_validator.Check(Valid()));
    }

    [Fact]
    public void Accepts_an_empty_output_because_empty_is_a_failure_signal_not_bad_input()
    {
        Assert.Empty(_validator.Check(Valid() with { Output = "" }));
    }

    [Fact]
    public void Accepts_a_sample_whose_text_was_not_captured_without_an_output()
    {
        Assert.Empty(_validator.Check(Valid() with { Output = null, OutputCaptured = false }));
    }

    [Fact]
    public void Rejects_an_output_sent_with_outputCaptured_false_and_a_missing_output_otherwise()
    {
        Assert.Equal(["output.notCaptured"], _validator.Check(Valid() with { OutputCaptured = false }).Select(v => v.Rule));
        Assert.Equal(["output.required"], _validator.Check(Valid() with { Output = null, OutputCaptured = true }).Select(v => v.Rule));
        Assert.Equal(["output.required"], _validator.Check(Valid() with { Output = null }).Select(v => v.Rule));
    }

    [Fact]
    public void Accepts_every_optional_field_at_its_limits()
    {
        var sample = Valid() with
        {
            SchemaVersion = 1, Deployment = new string('d', 200), Prompt = "p", FinishReason = "content_filter",
            PromptTokens = 0, CompletionTokens = 0, MaxTokens = 0, LatencyMs = 0, TimeToFirstTokenMs = 0, SamplingRate = 1,
            OccurredAt = Now.AddMinutes(5), SampleId = new string('i', 128),
            Attributes = Enumerable.Range(0, 64).ToDictionary(i => new string('k', 98) + i.ToString("00"), _ => new string('v', 1000)),
            Params = new() { ["temperature"] = JsonSerializer.SerializeToElement(0.7) },
        };
        Assert.Empty(_validator.Check(sample));
    }

    public static TheoryData<string, Func<OutputSample, OutputSample>> BrokenRules => new()
    {
        { "schemaVersion.supported", s => s with { SchemaVersion = 2 } },
        { "sampleId.required", s => s with { SampleId = null } },
        { "sampleId.required", s => s with { SampleId = "" } },
        { "sampleId.length", s => s with { SampleId = new string('x', 129) } },
        { "occurredAt.required", s => s with { OccurredAt = null } },
        { "occurredAt.future", s => s with { OccurredAt = Now.AddMinutes(6) } },
        { "occurredAt.tooOld", s => s with { OccurredAt = Now.AddDays(-30).AddSeconds(-1) } },
        { "model.required", s => s with { Model = null } },
        { "model.required", s => s with { Model = "  " } },
        { "model.length", s => s with { Model = new string('m', 201) } },
        { "route.required", s => s with { Route = "" } },
        { "route.length", s => s with { Route = new string('r', 201) } },
        { "deployment.length", s => s with { Deployment = new string('d', 201) } },
        { "output.required", s => s with { Output = null } },
        { "output.size", s => s with { Output = new string('é', 512 * 1024 + 1) } },
        { "prompt.size", s => s with { Prompt = new string('p', 1024 * 1024 + 1) } },
        { "finishReason.value", s => s with { FinishReason = "end_turn" } },
        { "promptTokens.negative", s => s with { PromptTokens = -1 } },
        { "completionTokens.negative", s => s with { CompletionTokens = -1 } },
        { "maxTokens.negative", s => s with { MaxTokens = -5 } },
        { "latencyMs.negative", s => s with { LatencyMs = -0.5 } },
        { "latencyMs.finite", s => s with { LatencyMs = double.NaN } },
        { "latencyMs.finite", s => s with { LatencyMs = double.PositiveInfinity } },
        { "timeToFirstTokenMs.finite", s => s with { TimeToFirstTokenMs = double.NegativeInfinity } },
        { "timeToFirstTokenMs.negative", s => s with { TimeToFirstTokenMs = -1 } },
        { "samplingRate.range", s => s with { SamplingRate = 0 } },
        { "samplingRate.range", s => s with { SamplingRate = 1.01 } },
        { "samplingRate.range", s => s with { SamplingRate = 5e-324 } },
        { "samplingRate.range", s => s with { SamplingRate = 9.99e-7 } },
        { "sampleId.nul", s => s with { SampleId = "a\0b" } },
        { "sampleId.surrogate", s => s with { SampleId = "x\udc00" } },
        { "model.nul", s => s with { Model = "m\0" } },
        { "model.surrogate", s => s with { Model = "\ud800m" } },
        { "route.nul", s => s with { Route = "\0" } },
        { "route.surrogate", s => s with { Route = "r\ud83d" } },
        { "deployment.nul", s => s with { Deployment = "d\0" } },
        { "deployment.surrogate", s => s with { Deployment = "\udfff" } },
        { "prompt.surrogate", s => s with { Prompt = "p\udc00q" } },
        { "output.surrogate", s => s with { Output = "o\ud800" } },
        { "attributes.nul", s => s with { Attributes = new() { ["k\0"] = "v" } } },
        { "attributes.nul", s => s with { Attributes = new() { ["k"] = "v\0" } } },
        { "attributes.surrogate", s => s with { Attributes = new() { ["k"] = "\udc00" } } },
        { "params.nul", s => s with { Params = new() { ["stop"] = JsonSerializer.SerializeToElement(new[] { "a\0" }) } } },
        { "params.nul", s => s with { Params = new() { ["x\0"] = JsonSerializer.SerializeToElement(1) } } },
        { "params.surrogate", s => s with { Params = new() { ["p"] = JsonDocument.Parse("{\"a\":\"\\udc00\"}").RootElement.Clone() } } },
        { "params.size", s => s with { Params = new() { ["big"] = JsonSerializer.SerializeToElement(new string('x', 64 * 1024)) } } },
        { "params.depth", s => s with { Params = new() { ["deep"] = JsonDocument.Parse(new string('[', 32) + new string(']', 32)).RootElement.Clone() } } },
        { "params.value", s => s with { Params = new() { ["unset"] = default } } },
        { "params.key", s => s with { Params = new() { [""] = JsonSerializer.SerializeToElement(1) } } },
        { "attributes.count", s => s with { Attributes = Enumerable.Range(0, 65).ToDictionary(i => "k" + i, _ => "v") } },
        { "attributes.key", s => s with { Attributes = new() { [""] = "v" } } },
        { "attributes.keyLength", s => s with { Attributes = new() { [new string('k', 101)] = "v" } } },
        { "attributes.value", s => s with { Attributes = new() { ["k"] = null! } } },
        { "attributes.valueLength", s => s with { Attributes = new() { ["k"] = new string('v', 1001) } } },
    };

    [Theory]
    [MemberData(nameof(BrokenRules))]
    public void Rejects_a_sample_that_breaks_a_rule_and_names_the_rule(string rule, Func<OutputSample, OutputSample> breakIt)
    {
        var violations = _validator.Check(breakIt(Valid()));

        var violation = Assert.Single(violations);
        Assert.Equal(rule, violation.Rule);
        Assert.StartsWith(rule.Split('.')[0], violation.Field, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(violation.Message));
    }

    [Fact]
    public void Reports_every_broken_rule_not_just_the_first()
    {
        var sample = Valid() with { SampleId = "", Model = null, SamplingRate = 3, FinishReason = "eos", CompletionTokens = -2 };

        var rules = _validator.Check(sample).Select(v => v.Rule).ToHashSet();

        string[] expected = ["sampleId.required", "model.required", "samplingRate.range", "finishReason.value", "completionTokens.negative"];
        Assert.Equal(expected.Order(), rules.Order());
    }

    [Fact]
    public void Accepts_a_NUL_in_output_and_prompt_because_a_model_can_emit_it()
    {
        Assert.Empty(_validator.Check(Valid() with { Output = "cut off mid\0sentence", Prompt = "\0" }));
    }

    [Fact]
    public void Accepts_surrogate_pairs_minus_zero_and_the_smallest_sampling_rate()
    {
        Assert.Empty(_validator.Check(Valid() with
        {
            Output = "emoji \ud83d\ude00", Model = "\ud83d\ude00", LatencyMs = -0.0, SamplingRate = ContractLimits.MinSamplingRate,
            Params = new() { ["deep"] = JsonDocument.Parse(new string('[', 31) + new string(']', 31)).RootElement.Clone() },
        }));
    }

    [Fact]
    public void Says_a_NUL_once_however_often_params_hold_it()
    {
        var stops = Enumerable.Range(0, 1000).Select(i => $"s{i}\0").ToArray();
        var violation = Assert.Single(_validator.Check(Valid() with { Params = new() { ["stop"] = JsonSerializer.SerializeToElement(stops) } }));
        Assert.Equal("params.nul", violation.Rule);
    }

    [Fact]
    public void Honours_a_lower_configured_output_limit()
    {
        var strict = new OutputSampleValidator(new FixedClock(Now), new ContractLimits { MaxOutputBytes = 10 });

        Assert.Equal("output.size", Assert.Single(strict.Check(Valid() with { Output = "eleven byte" })).Rule);
        Assert.Empty(strict.Check(Valid() with { Output = "ten bytes!" }));
    }
}

/// <summary>A clock that always says the same time.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
