using System.Text.Json;
using Auditor.Server.Ingestion.LiteLlm;

namespace Auditor.Cli.Ship;

/// <summary>
/// `--format litellm`: one LiteLLM StandardLoggingPayload a line (what its file, S3 or GCS loggers write), mapped by
/// the same <see cref="LiteLlmPayloadMapper"/> as POST /api/v1/ingest/litellm, so a record means the same either way.
/// </summary>
public sealed class LiteLlmLogMapper(LiteLlmOptions options) : ILogLineMapper
{
    public MappedLine Map(ReadOnlySpan<byte> line)
    {
        try
        {
            using var document = JsonDocument.Parse(line.ToArray());
            var sample = LiteLlmPayloadMapper.Map(document.RootElement, options, out var violation);
            return sample is null ? MappedLine.Rejected($"{violation!.Rule}: {violation.Message}") : MappedLine.Mapped(sample);
        }
        catch (JsonException ex)
        {
            return MappedLine.Rejected($"not valid JSON: {ex.Message}");
        }
    }
}
