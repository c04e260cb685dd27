using System.Text;
using FluentValidation;

namespace Auditor.Contracts;

/// <summary>
/// Enforces every rule of contract v1 and reports all broken rules, each with a stable rule code.
/// </summary>
public sealed partial class OutputSampleValidator : AbstractValidator<OutputSample>
{
    /// <summary>Creates a validator for the given limits, reading "now" from <paramref name="clock"/>.</summary>
    public OutputSampleValidator(TimeProvider clock, ContractLimits? limits = null)
    {
        var l = limits ?? new ContractLimits();
        // Every field is checked and every broken field reported, so a publisher sees all that is wrong at once;
        // within one field the chain stops at its first failure (a missing time is not also "in the future").
        RuleLevelCascadeMode = CascadeMode.Stop;

        RuleFor(s => s.SchemaVersion).Must(v => v is null or 1)
            .WithErrorCode("schemaVersion.supported").WithMessage("schemaVersion must be 1 (or absent); got {PropertyValue}.");

        RuleFor(s => s.SampleId).NotEmpty().WithErrorCode("sampleId.required").WithMessage("sampleId is required.")
            .MaximumLength(ContractLimits.MaxSampleIdLength).WithErrorCode("sampleId.length")
            .WithMessage($"sampleId must be at most {ContractLimits.MaxSampleIdLength} characters.");

        RuleFor(s => s.OccurredAt).NotNull().WithErrorCode("occurredAt.required").WithMessage("occurredAt is required (an RFC 3339 time).")
            .Must(t => t <= clock.GetUtcNow() + l.MaxClockSkew).WithErrorCode("occurredAt.future")
            .WithMessage($"occurredAt is more than {l.MaxClockSkew.TotalMinutes:0} minutes in the future.")
            .Must(t => t >= clock.GetUtcNow() - l.MaxAge).WithErrorCode("occurredAt.tooOld")
            .WithMessage($"occurredAt is more than {l.MaxAge.TotalDays:0} days old.");

        RequiredName(s => s.Model, "model");
        RequiredName(s => s.Route, "route");
        RuleFor(s => s.Deployment).MaximumLength(ContractLimits.MaxNameLength).WithErrorCode("deployment.length")
            .WithMessage($"deployment must be at most {ContractLimits.MaxNameLength} characters.");

        // Empty output is allowed (it is a failure signal); only a missing one is bad input, unless the publisher says it
        // did not capture the text (outputCaptured: false), when the output must be absent: absent is not empty.
        RuleFor(s => s.Output).NotNull().When(s => s.HasOutputText, ApplyConditionTo.CurrentValidator).WithErrorCode("output.required")
            .WithMessage("output is required (it may be an empty string), unless outputCaptured is false.")
            .Null().When(s => !s.HasOutputText, ApplyConditionTo.CurrentValidator).WithErrorCode("output.notCaptured")
            .WithMessage("output must be absent when outputCaptured is false (send outputCaptured: true, or leave it out, with the text).")
            .Must(o => o is null || Encoding.UTF8.GetByteCount(o) <= l.MaxOutputBytes).WithErrorCode("output.size")
            .WithMessage($"output is larger than {l.MaxOutputBytes} UTF-8 bytes.");
        RuleFor(s => s.Prompt).Must(p => p is null || Encoding.UTF8.GetByteCount(p) <= l.MaxOutputBytes).WithErrorCode("prompt.size")
            .WithMessage($"prompt is larger than {l.MaxOutputBytes} UTF-8 bytes; truncate it before publishing.");

        RuleFor(s => s.FinishReason).Must(r => r is null || FinishReasons.All.Contains(r)).WithErrorCode("finishReason.value")
            .WithMessage($"finishReason must be one of {string.Join(", ", FinishReasons.All)}; got '{{PropertyValue}}'.");

        NonNegative(s => s.PromptTokens, "promptTokens");
        NonNegative(s => s.CompletionTokens, "completionTokens");
        NonNegative(s => s.MaxTokens, "maxTokens");
        FiniteNonNegative(s => s.LatencyMs, "latencyMs");
        FiniteNonNegative(s => s.TimeToFirstTokenMs, "timeToFirstTokenMs");

        // Volumes are scaled by 1/r: below the minimum one sample would stand for more than a million, and a rate such
        // as 5e-324 makes the volume infinite.
        RuleFor(s => s.SamplingRate).Must(r => r is null || (r >= ContractLimits.MinSamplingRate && r <= 1)).WithErrorCode("samplingRate.range")
            .WithMessage($"samplingRate must be at least {ContractLimits.MinSamplingRate:0.######} (one sample standing for at most a million) and at most 1; got {{PropertyValue}}.");

        RuleFor(s => s.Params).Custom((p, context) => CheckParams(p, context));
        // Hung on one property so it runs once per sample; it adds failures under the fields it checks.
        RuleFor(s => s.SampleId).Custom((_, context) => CheckText(context.InstanceToValidate, context));

        RuleFor(s => s.Attributes).Must(a => a is null || a.Count <= ContractLimits.MaxAttributes).WithErrorCode("attributes.count")
            .WithMessage($"attributes may have at most {ContractLimits.MaxAttributes} entries.");
        RuleForEach(s => s.Attributes).ChildRules(entry =>
        {
            entry.RuleFor(e => e.Key).NotEmpty().WithErrorCode("attributes.key").WithMessage("attribute keys must not be empty.")
                .MaximumLength(ContractLimits.MaxAttributeKeyLength).WithErrorCode("attributes.keyLength")
                .WithMessage($"attribute key '{{PropertyValue}}' is longer than {ContractLimits.MaxAttributeKeyLength} characters.");
            entry.RuleFor(e => e.Value).NotNull().WithErrorCode("attributes.value").WithMessage("attribute values must be strings, not null.")
                .MaximumLength(ContractLimits.MaxAttributeValueLength).WithErrorCode("attributes.valueLength")
                .WithMessage($"an attribute value is longer than {ContractLimits.MaxAttributeValueLength} characters.");
        }).OverridePropertyName("attributes");
    }

    /// <summary>Validates a sample and returns every broken rule (empty when valid).</summary>
    public IReadOnlyList<ContractViolation> Check(OutputSample sample)
    {
        var result = Validate(sample);
        if (result.IsValid)
            return [];
        return result.Errors
            .Select(e => new ContractViolation(FieldOf(e.PropertyName), e.ErrorCode, e.ErrorMessage))
            .ToList();
    }

    private void RequiredName(System.Linq.Expressions.Expression<Func<OutputSample, string?>> field, string name) =>
        RuleFor(field).NotEmpty().WithErrorCode($"{name}.required").WithMessage($"{name} is required.")
            .MaximumLength(ContractLimits.MaxNameLength).WithErrorCode($"{name}.length")
            .WithMessage($"{name} must be at most {ContractLimits.MaxNameLength} characters.");

    private void FiniteNonNegative(System.Linq.Expressions.Expression<Func<OutputSample, double?>> field, string name) =>
        RuleFor(field).Must(v => v is null || double.IsFinite(v.Value)).WithErrorCode($"{name}.finite")
            .WithMessage($"{name} must be a finite number; got {{PropertyValue}} (a JSON number such as 1e400 is beyond the range of a double).")
            .Must(v => v is null || v >= 0).WithErrorCode($"{name}.negative")
            .WithMessage($"{name} must be at least 0; got {{PropertyValue}}.");

    private void NonNegative<T>(System.Linq.Expressions.Expression<Func<OutputSample, T?>> field, string name) where T : struct, IComparable<T>
    {
        var zero = default(T);
        RuleFor(field).Must(v => v is null || v.Value.CompareTo(zero) >= 0).WithErrorCode($"{name}.negative")
            .WithMessage($"{name} must be at least 0; got {{PropertyValue}}.");
    }

    // FluentValidation names properties in PascalCase ("Attributes[0].Key"); the wire uses camelCase.
    private static string FieldOf(string propertyName) =>
        propertyName.Length == 0 ? propertyName : char.ToLowerInvariant(propertyName[0]) + propertyName[1..];
}
