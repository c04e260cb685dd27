using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using FluentValidation;
using FluentValidation.Results;

namespace Auditor.Contracts;

public sealed partial class OutputSampleValidator
{
    // Names and keys may hold neither NUL nor a lone surrogate. Prompt and output may hold NUL: a model can emit it,
    // it is a signal the detectors count (control characters), and the stores keep it as U+FFFD. A lone surrogate is
    // never model output: it is a publisher's broken string, with no UTF-8 encoding.
    private static void CheckText(OutputSample s, ValidationContext<OutputSample> context)
    {
        Name(s.SampleId, "sampleId", context);
        Name(s.Model, "model", context);
        Name(s.Route, "route", context);
        Name(s.Deployment, "deployment", context);
        Name(s.FinishReason, "finishReason", context);
        Surrogate(s.Prompt, "prompt", "prompt", context);
        Surrogate(s.Output, "output", "output", context);
        if (s.Attributes is null)
            return;
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in s.Attributes)
        {
            Name(key, "attributes", context, $"attributes key '{Shown(key)}'", reported);
            Name(value, "attributes", context, $"attributes.{Shown(key)}", reported);
        }
    }

    private static void CheckParams(Dictionary<string, JsonElement>? parameters, ValidationContext<OutputSample> context)
    {
        if (parameters is null)
            return;
        var reported = new HashSet<string>(StringComparer.Ordinal);
        long bytes = 2;
        var depth = 0;
        foreach (var (key, value) in parameters)
        {
            Name(key, "params", context, $"params key '{Shown(key)}'", reported);
            if (key.Length == 0)
                Fail(context, "params", "params.key", "params keys must not be empty.", reported);
            if (value.ValueKind == JsonValueKind.Undefined)
            {
                Fail(context, "params", "params.value", $"params.{Shown(key)} has no JSON value.", reported);
                continue;
            }
            bytes += Encoding.UTF8.GetByteCount(key) + 4 + JsonMarshal.GetRawUtf8Value(value).Length;
            depth = Math.Max(depth, 1 + Depth(value, $"params.{Shown(key)}", context, reported));
        }
        if (bytes > ContractLimits.MaxParamsBytes)
            Fail(context, "params", "params.size",
                $"params is {bytes} bytes of JSON, more than {ContractLimits.MaxParamsBytes}; send decoding parameters, not content.", reported);
        if (depth > ContractLimits.MaxParamsDepth)
            Fail(context, "params", "params.depth", $"params is nested {depth} levels deep, more than {ContractLimits.MaxParamsDepth}.", reported);
    }

    // Nesting depth below a value (0 for a scalar), checking every string and key on the way.
    private static int Depth(JsonElement value, string path, ValidationContext<OutputSample> context, HashSet<string> reported)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                string? text;
                try
                {
                    text = value.GetString();
                }
                catch (InvalidOperationException)
                {
                    Fail(context, "params", "params.surrogate", $"{path} is not valid Unicode text.", reported);
                    return 0;
                }
                Name(text, "params", context, path, reported);
                return 0;
            case JsonValueKind.Object:
                var deepest = 0;
                foreach (var property in value.EnumerateObject())
                {
                    Name(property.Name, "params", context, $"{path} key '{Shown(property.Name)}'", reported);
                    deepest = Math.Max(deepest, Depth(property.Value, $"{path}.{Shown(property.Name)}", context, reported));
                }
                return 1 + deepest;
            case JsonValueKind.Array:
                var most = 0;
                foreach (var item in value.EnumerateArray())
                    most = Math.Max(most, Depth(item, path + "[]", context, reported));
                return 1 + most;
            default:
                return 0;
        }
    }

    private static void Name(string? text, string field, ValidationContext<OutputSample> context, string? what = null, HashSet<string>? reported = null)
    {
        if (text is null)
            return;
        var at = TextDefects.IndexOfNul(text);
        if (at >= 0)
            Fail(context, field, $"{field}.nul", $"{what ?? field} holds a NUL character (\\u0000) at position {at}; no store can hold it as text.", reported);
        Surrogate(text, field, what ?? field, context, reported);
    }

    private static void Surrogate(string? text, string field, string what, ValidationContext<OutputSample> context, HashSet<string>? reported = null)
    {
        if (text is null)
            return;
        var at = TextDefects.IndexOfLoneSurrogate(text);
        if (at >= 0)
            Fail(context, field, $"{field}.surrogate",
                $"{what} holds a lone UTF-16 surrogate (U+{(int)text[at]:X4}) at position {at}: it is not a character and has no UTF-8 form.", reported);
    }

    // One violation per rule and field: a params object with ten thousand NULs is one problem, said once.
    private static void Fail(ValidationContext<OutputSample> context, string field, string rule, string message, HashSet<string>? reported)
    {
        if (reported is not null && !reported.Add(rule))
            return;
        context.AddFailure(new ValidationFailure(field, message) { ErrorCode = rule });
    }

    // A key quoted in a message, shortened and with what no store holds made visible.
    private static string Shown(string key) => TextDefects.Storable(key.Length > 40 ? key[..40] + "…" : key)!;
}
