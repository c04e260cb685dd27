using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Json.Schema;

namespace Auditor.Detection.Format;

/// <summary>
/// Flags output that breaks the format its stream declares in rules/. The declaration is a sign of this detector, off
/// by default: <c>format: { signs: { json: on } }</c> says the output is one JSON value and nothing else;
/// <c>fencedJson: on</c> also accepts that value inside one markdown code fence (<c>```json ... ```</c>), as chat models
/// often write it. Invalid JSON, text after the value, or a fence the stream does not accept is flagged (score 1) with the
/// parser's message and the position of the error as evidence. A stream may also name a JSON Schema file of
/// rules/schemas/ (<c>format: { signs: { json: on }, schema: schemas/invoice.json }</c>): valid JSON that breaks it is
/// flagged with the JSON Pointer of the failing value and the keyword that failed (JsonSchema.Net, draft 2020-12 unless
/// the schema says otherwise; remote references are not fetched). A stream that declares no format is not judged (abstains).
/// </summary>
public sealed class JsonFormatDetector : IDetector
{
    public const string JsonSign = "json", FencedJsonSign = "fencedJson";

    /// <summary>The rules/ parameter naming a JSON Schema file of rules/schemas/ the value must satisfy.</summary>
    public const string SchemaParameter = "schema";

    public static IReadOnlyList<string> SignNames { get; } = [JsonSign, FencedJsonSign];

    private static readonly FrozenSet<string> Undeclared = FrozenSet.ToFrozenSet([JsonSign, FencedJsonSign], StringComparer.Ordinal);

    // Nesting as deep as any real answer; deeper input is rejected by the parser, not a stack overflow.
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 256 };

    public string Name => "format";

    public double DefaultThreshold => 1;

    public IReadOnlySet<string> SignsOffByDefault => Undeclared;

    public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var json = !settings.SignsOff.Contains(JsonSign);
        var fenced = !settings.SignsOff.Contains(FencedJsonSign);
        if (!json && !fenced)
            return DetectorResult.Abstain(Name, settings.Threshold, "This stream declares no output format in rules/.");

        var output = context.Sample.Output ?? "";
        var (start, length) = (0, output.Length);
        var trimmed = output.AsSpan().TrimStart();
        if (trimmed.StartsWith("```", StringComparison.Ordinal))
        {
            var fenceAt = output.Length - trimmed.Length;
            if (!fenced)
                return Flag(settings, fenceAt, 3, "The stream declares bare JSON, but the output wraps it in a markdown code fence.");
            var lineEnd = output.IndexOf('\n', fenceAt);
            var close = lineEnd < 0 ? -1 : output.LastIndexOf("```", StringComparison.Ordinal);
            if (lineEnd < 0 || close <= lineEnd || !output.AsSpan(close + 3).IsWhiteSpace())
                return Flag(settings, fenceAt, 3, "The code fence around the JSON never closes (or text follows it): the output is cut or carries more than the value.");
            (start, length) = (lineEnd + 1, close - lineEnd - 1);
        }

        var body = output.AsMemory(start, length);
        try
        {
            using var document = JsonDocument.Parse(body, Options);
            if (settings.Parameter(SchemaParameter) is { } schemaPath)
                return CheckSchema(context, settings, schemaPath, document.RootElement, output, start, length);
            return new DetectorResult(Name, 0, settings.Threshold, false, [], "The output is valid JSON, as the stream declares.");
        }
        catch (JsonException e)
        {
            var at = start + CharOffset(body.Span, e.LineNumber ?? 0, e.BytePositionInLine ?? 0);
            var message = e.Message.Split(" LineNumber:")[0];
            return Flag(settings, Math.Min(at, Math.Max(0, output.Length - 1)), output.Length == 0 ? 0 : 1, string.Create(CultureInfo.InvariantCulture,
                $"The stream declares JSON, but the output is not valid JSON at line {(e.LineNumber ?? 0) + 1}, character {CharOffset(body.Span, e.LineNumber ?? 0, e.BytePositionInLine ?? 0) - LineStart(body.Span, e.LineNumber ?? 0) + 1}: {message}"));
        }
    }

    // The schema named in rules/ (compiled at load, so a missing or invalid file was refused then). The first error,
    // deepest first, is reported with its JSON Pointer and the keyword that failed; the evidence is the JSON value.
    private DetectorResult CheckSchema(DetectionContext context, DetectorSettings settings, string schemaPath, JsonElement root, string output,
        int start, int length)
    {
        if (context.Rules is null || !context.Rules.Schemas.TryGetValue(schemaPath, out var schema))
            return DetectorResult.Abstain(Name, settings.Threshold, $"The schema {schemaPath} is not loaded with these rules.");
        var result = schema.Evaluate(root, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
            return new DetectorResult(Name, 0, settings.Threshold, false, [], $"The output is valid JSON and satisfies {schemaPath}.");
        var failure = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .OrderByDescending(d => d.InstanceLocation.ToString().Count(c => c == '/'))
            .Select(d => (Pointer: d.InstanceLocation.ToString(), Rule: d.EvaluationPath.ToString(), Error: d.Errors!.First()))
            .FirstOrDefault();
        var pointer = failure.Pointer is { Length: > 0 } p ? p : "/";
        // The evaluation path names the schema keyword that failed (".../additionalProperties/note").
        var reason = failure.Error.Key is null ? "the value does not satisfy the schema" : $"schema {failure.Rule}, {failure.Error.Key}: {failure.Error.Value}";
        var first = start + (output.AsSpan(start, length).Length - output.AsSpan(start, length).TrimStart().Length);
        return new DetectorResult(Name, 1, settings.Threshold, 1 >= settings.Threshold,
            [new EvidenceSpan(first, Math.Max(0, start + length - first), $"fails {schemaPath} at {pointer}")],
            $"The output is valid JSON but breaks the stream's schema {schemaPath} at {pointer} ({reason}).");
    }

    private DetectorResult Flag(DetectorSettings settings, int start, int length, string explanation) =>
        new(Name, 1, settings.Threshold, 1 >= settings.Threshold, [new EvidenceSpan(start, length, "the format breaks here")], explanation);

    // The parser reports a 0-based line and a UTF-8 byte position within it; evidence offsets are UTF-16.
    private static int CharOffset(ReadOnlySpan<char> text, long line, long bytes)
    {
        var i = LineStart(text, line);
        long counted = 0;
        while (i < text.Length && counted < bytes && text[i] != '\n')
        {
            var width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
            counted += Encoding.UTF8.GetByteCount(text.Slice(i, width));
            i += width;
        }
        return i;
    }

    private static int LineStart(ReadOnlySpan<char> text, long line)
    {
        var i = 0;
        for (long l = 0; l < line && i < text.Length; l++)
        {
            var nl = text[i..].IndexOf('\n');
            if (nl < 0)
                return text.Length;
            i += nl + 1;
        }
        return i;
    }
}
