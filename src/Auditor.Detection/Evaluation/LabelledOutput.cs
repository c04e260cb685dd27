using System.Text.Json;
using System.Text.Json.Serialization;
using Auditor.Contracts;

namespace Auditor.Detection.Evaluation;

/// <summary>One row of a labelled corpus (JSON Lines): an output, its label (1 = failure) and optional metadata.</summary>
public sealed record LabelledOutput
{
    public string? Id { get; init; }

    /// <summary>Where the row comes from (the dev corpus's model/decoding, e.g. "gpt2-large/beam"), when given.</summary>
    public string? Source { get; init; }
    public string Output { get; init; } = "";
    public int Label { get; init; }
    public string? FinishReason { get; init; }
    public int? CompletionTokens { get; init; }
    public int? MaxTokens { get; init; }
    public string? Model { get; init; }
    public string? Route { get; init; }

    /// <summary>The prompt, when the corpus gives it (detectors that judge the answer against the question read it).</summary>
    public string? Prompt { get; init; }

    /// <summary>A group of rows the corpus names (chat-dev's "strong" / "weak"), reported apart by eval.</summary>
    public string? Tier { get; init; }

    /// <summary>The kind of failure of a label-1 row (chat-dev's "loop", "runaway-list", ...), for recall per kind.</summary>
    public string? Kind { get; init; }

    /// <summary>The row as an output sample (stream "corpus"/"default" when the row names none).</summary>
    public OutputSample ToSample(int index) => new()
    {
        SampleId = Id ?? index.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Model = string.IsNullOrEmpty(Model) ? "corpus" : Model,
        Route = string.IsNullOrEmpty(Route) ? "default" : Route,
        Output = Output,
        Prompt = Prompt,
        FinishReason = FinishReason,
        CompletionTokens = CompletionTokens,
        MaxTokens = MaxTokens,
    };

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    /// <summary>Most problems a <see cref="CorpusFormatException"/> lists one by one.</summary>
    public const int MaxListedProblems = 20;

    /// <summary>
    /// Reads a JSON Lines corpus. Every line is checked (a JSON object, <c>output</c> a string, <c>label</c> 0 or 1 when
    /// <paramref name="requireLabels"/>); any problem throws a <see cref="CorpusFormatException"/> naming each line.
    /// </summary>
    public static IReadOnlyList<LabelledOutput> ReadJsonLines(TextReader reader, bool requireLabels = true)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<LabelledOutput>();
        var problems = new List<string>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var problem = Parse(line, requireLabels, out var row);
            if (problem is not null)
                problems.Add($"line {lineNumber}: {problem}");
            else
                rows.Add(row!);
        }
        if (problems.Count > 0)
            throw new CorpusFormatException(problems);
        return rows;
    }

    /// <summary>Reads a corpus file; a missing file throws <see cref="FileNotFoundException"/>.</summary>
    public static IReadOnlyList<LabelledOutput> ReadJsonLines(string path, bool requireLabels = true)
    {
        using var reader = new StreamReader(path);
        return ReadJsonLines(reader, requireLabels);
    }

    // The row as written: what is missing can be told from what is 0.
    private sealed record Row(string? Id, string? Source, JsonElement? Output, JsonElement? Label, string? FinishReason, int? CompletionTokens, int? MaxTokens,
        string? Model, string? Route, string? Prompt, string? Tier, string? Kind);

    private static string? Parse(string line, bool requireLabels, out LabelledOutput? result)
    {
        result = null;
        Row? row;
        try
        {
            row = JsonSerializer.Deserialize<Row>(line, s_json);
        }
        catch (JsonException e)
        {
            // A field of the wrong type has a path; otherwise the line is not a JSON object (the reader's message, without
            // its position inside this one line, says why).
            return e.Path is { Length: > 2 } path
                ? $"{path[2..]} has a value of the wrong type"
                : $"not a JSON object ({e.Message.Split(" Path:")[0]})";
        }
        if (row is null)
            return "not a JSON object (null)";
        if (row.Output is not { ValueKind: JsonValueKind.String } output)
            return row.Output is null ? "output is missing" : $"output must be a string, not {row.Output.Value.ValueKind}";
        var label = 0;
        if (row.Label is { } l)
        {
            // 0 and 1, also written as strings (as some exports do).
            var ok = l.ValueKind switch
            {
                JsonValueKind.Number => l.TryGetInt32(out label),
                JsonValueKind.String => int.TryParse(l.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out label),
                _ => false,
            };
            if (!ok || label is not (0 or 1))
                return $"label must be 0 or 1, not {l.GetRawText()}";
        }
        else if (requireLabels)
        {
            return "label is missing (0 = fine, 1 = failure)";
        }
        result = new LabelledOutput
        {
            Id = row.Id, Source = row.Source, Output = output.GetString()!, Label = label, FinishReason = row.FinishReason, CompletionTokens = row.CompletionTokens,
            MaxTokens = row.MaxTokens, Model = row.Model, Route = row.Route, Prompt = row.Prompt, Tier = row.Tier, Kind = row.Kind,
        };
        return null;
    }
}

/// <summary>A corpus file with bad lines: <see cref="Problems"/> has one entry per line ("line 3: label is missing ...").</summary>
public sealed class CorpusFormatException(IReadOnlyList<string> problems)
    : FormatException(Describe(problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;

    private static string Describe(IReadOnlyList<string> problems)
    {
        var listed = string.Join(Environment.NewLine, problems.Take(LabelledOutput.MaxListedProblems).Select(p => "  " + p));
        var more = problems.Count > LabelledOutput.MaxListedProblems ? $"{Environment.NewLine}  ... and {problems.Count - LabelledOutput.MaxListedProblems} more" : "";
        return $"{problems.Count} bad line(s):{Environment.NewLine}{listed}{more}";
    }
}
