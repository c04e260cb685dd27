using System.Text.Json;
using Auditor.Contracts;
using Auditor.Server.Ingestion;
using Auditor.Storage.Rejected;
using Auditor.Storage.Samples;

namespace Auditor.Server.Rejected;

/// <summary>What a replay did: the kept rejection it re-submitted and the intake's answer to it.</summary>
/// <param name="RejectedId">The rejected_samples row replayed (it stays as it was: the record of what was received).</param>
/// <param name="Outcome">"accepted" (durable: committed, or confirmed by the broker; a sample id already counted is counted
/// once), "rejected" (it still breaks a rule) or "not-acknowledged" (the pipeline was saturated, stopping or unavailable:
/// nothing of it was acknowledged, replay it again later).</param>
/// <param name="Accepted">Samples acknowledged.</param>
/// <param name="Rejected">Records refused again, with every rule they break now.</param>
public sealed record ReplayResult(long RejectedId, string Outcome, int Accepted, IReadOnlyList<IngestRejection> Rejected);

/// <summary>
/// Re-submits a kept rejected payload through the same intake as POST /api/v1/samples, for an admin who fixed the cause
/// (a rule, a limit, a clock): a payload that still breaks a rule is refused again and says which. A MassTransit envelope
/// (as kept from RabbitMQ) is replayed as the message it carries.
/// </summary>
public sealed class RejectedReplay(RejectedSampleReader reader, SampleIntake intake)
{
    public const string Source = "replay";

    /// <summary>Null when there is no such rejected payload.</summary>
    public async Task<ReplayResult?> ReplayAsync(long id, CancellationToken ct)
    {
        if (await reader.GetAsync(id, ct) is not { } record)
            return null;
        var answer = await intake.AcceptJsonAsync(Records(record.Payload), Source, ct);
        if (!answer.Acknowledged)
            return new ReplayResult(id, "not-acknowledged", 0, answer.Response.Rejected);
        return new ReplayResult(id, answer.Response.Rejected.Count == 0 ? "accepted" : "rejected", answer.Response.Accepted, answer.Response.Rejected);
    }

    private static IReadOnlyList<BodyRecord> Records(RejectedPayload payload)
    {
        var bytes = payload.Bytes();
        try
        {
            var records = IngestBody.ParseJson(bytes);
            return records.Select(r => r.Json is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("messageType", out _)
                    && o.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object
                ? new BodyRecord(r.Index, message.Clone(), null, System.Text.Encoding.UTF8.GetBytes(message.GetRawText()))
                : r).ToList();
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return [new BodyRecord(0, null, new ContractViolation("$", "json", $"the payload is not a JSON object: {e.Message}"), bytes)];
        }
    }
}
