using System.Text.Json;
using Auditor.Detection.Evaluation;

namespace Auditor.Cli.Eval;

/// <summary>
/// <c>eval --rows FILE</c>: one JSON line per corpus row (id, source, tier, label, kind, combined flag, and per detector
/// its score, flag, abstention and first evidence with the text it points at), so false flags and misses can be read.
/// </summary>
internal static class EvalRowsWriter
{
    // Enough of the evidence's text to recognise it; the offsets say where the rest is.
    private const int EvidenceTextChars = 160;

    // The features as the rest of the project writes them (camelCase).
    private static readonly JsonSerializerOptions CamelCase = new(JsonSerializerDefaults.Web);

    public static void Write(string path, CorpusEvaluation result)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false, SkipValidation = true });
        foreach (var row in result.Judged)
        {
            var r = row.Row;
            json.WriteStartObject();
            json.WriteString("id", r.Id);
            json.WriteString("source", r.Source);
            json.WriteString("tier", r.Tier);
            json.WriteNumber("label", r.Label);
            json.WriteString("kind", r.Kind);
            json.WriteBoolean("flagged", row.Flagged);
            json.WriteNumber("chars", r.Output.Length);
            json.WriteStartObject("detectors");
            foreach (var d in row.Results)
            {
                json.WriteStartObject(d.Detector);
                json.WriteNumber("score", double.IsFinite(d.Score) ? d.Score : -1);
                json.WriteBoolean("flagged", d.Flagged);
                if (d.Abstained)
                    json.WriteBoolean("abstained", true);
                if (d.Evidence.Count > 0)
                {
                    var e = d.Evidence[0];
                    json.WriteString("evidence", e.Note);
                    json.WriteNumber("start", e.Start);
                    json.WriteNumber("length", e.Length);
                    var start = Math.Clamp(e.Start, 0, r.Output.Length);
                    json.WriteString("text", r.Output.Substring(start, Math.Min(Math.Min(e.Length, EvidenceTextChars), r.Output.Length - start)));
                }
                if (d.Flagged || d.Evidence.Count > 0)
                    json.WriteString("explanation", d.Explanation);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WritePropertyName("features");
            JsonSerializer.Serialize(json, row.Features, CamelCase);
            json.WriteEndObject();
            json.Flush();
            stream.WriteByte((byte)'\n');
            // A fresh top-level value per line (the writer would otherwise separate them with a comma).
            json.Reset(stream);
        }
    }
}
