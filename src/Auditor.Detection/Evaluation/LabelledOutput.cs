using System.Text.Json;
using System.Text.Json.Serialization;
using Auditor.Contracts;

namespace Auditor.Detection.Evaluation;

/// <summary>One row of a labelled corpus (JSON Lines): an output, its label (1 = failure) and optional metadata.</summary>
public sealed record LabelledOutput
{
    public string? Id { get; init; }
    public string Output { get; init; } = "";
    public int Label { get; init; }
    public string? FinishReason { get; init; }
    public int? CompletionTokens { get; init; }
    public int? MaxTokens { get; init; }
    public string? Model { get; init; }
    public string? Route { get; init; }

    /// <summary>The row as an output sample (stream "corpus"/"default" when the row names none).</summary>
    public OutputSample ToSample(int index) => new()
    {
        SampleId = Id ?? index.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Model = string.IsNullOrEmpty(Model) ? "corpus" : Model,
        Route = string.IsNullOrEmpty(Route) ? "default" : Route,
        Output = Output,
        FinishReason = FinishReason,
        CompletionTokens = CompletionTokens,
        MaxTokens = MaxTokens,
    };

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    /// <summary>Reads a JSON Lines corpus; a malformed line throws with its line number.</summary>
    public static IReadOnlyList<LabelledOutput> ReadJsonLines(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<LabelledOutput>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            LabelledOutput? row;
            try
            {
                row = JsonSerializer.Deserialize<LabelledOutput>(line, s_json);
            }
            catch (JsonException e)
            {
                throw new FormatException($"line {lineNumber}: not a JSON object ({e.Message})", e);
            }
            if (row is null || row.Label is not (0 or 1))
                throw new FormatException($"line {lineNumber}: label must be 0 or 1");
            rows.Add(row);
        }
        return rows;
    }

    public static IReadOnlyList<LabelledOutput> ReadJsonLines(string path)
    {
        using var reader = new StreamReader(path);
        return ReadJsonLines(reader);
    }
}
