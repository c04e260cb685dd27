using Auditor.Detection.Drift;
using Dapper;

namespace Auditor.Storage.Drift;

/// <summary>What a training run records beside the model bytes.</summary>
public sealed record DriftModelProvenance(string TrainedBy, DateTimeOffset BaselineFrom, DateTimeOffset BaselineTo, int Samples, int ExcludedFailures);

/// <summary>A stored model version without its bytes.</summary>
public sealed record DriftModelVersion
{
    public long VersionId { get; init; }
    public string Model { get; init; } = "";
    public string Route { get; init; } = "";
    public string Status { get; init; } = "";
    public DateTimeOffset TrainedAt { get; init; }
    public string TrainedBy { get; init; } = "";
    public DateTimeOffset BaselineFrom { get; init; }
    public DateTimeOffset BaselineTo { get; init; }
    public int Samples { get; init; }
    public int ExcludedFailures { get; init; }
    public int Seed { get; init; }
    public double Quantile { get; init; }
    public double Threshold { get; init; }
}

/// <summary>
/// Drift model versions. Saving a model makes it the stream's active version and supersedes the previous one, in one
/// transaction; every consumer loads the active versions, so all score with the same bytes.
/// </summary>
public sealed class DriftModelStore(AuditorDatabase database, TimeProvider clock)
{
    public async Task<DriftModel> SaveAsync(DriftModel model, DriftModelProvenance provenance, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(provenance);
        var payload = DriftModelSerializer.ToBytes(model);
        await using var c = await database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE drift_models SET status = 'superseded' WHERE model = @Model AND route = @Route AND status = 'active'",
            new { model.Model, model.Route }, tx, cancellationToken: ct));
        var id = await c.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO drift_models (model, route, status, trained_at, trained_by, baseline_from, baseline_to, samples, excluded_failures,
                                      seed, quantile, threshold, payload)
            VALUES (@Model, @Route, 'active', @at, @TrainedBy, @BaselineFrom, @BaselineTo, @Samples, @ExcludedFailures, @Seed, @Quantile, @Threshold, @payload)
            RETURNING version_id
            """, new
        {
            model.Model, model.Route, at = clock.GetUtcNow(), provenance.TrainedBy, provenance.BaselineFrom, provenance.BaselineTo,
            provenance.Samples, provenance.ExcludedFailures, model.Seed, model.Quantile, model.Threshold, payload,
        }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return DriftModelSerializer.FromBytes(payload, id);
    }

    /// <summary>The active model of every stream.</summary>
    public async Task<IReadOnlyList<DriftModel>> ActiveAsync(CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<(long Id, byte[] Payload)>(new CommandDefinition(
            "SELECT version_id, payload FROM drift_models WHERE status = 'active' ORDER BY model, route", cancellationToken: ct));
        return rows.Select(r => DriftModelSerializer.FromBytes(r.Payload, r.Id)).ToList();
    }

    /// <summary>Versions, newest first.</summary>
    public async Task<IReadOnlyList<DriftModelVersion>> HistoryAsync(int limit, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<DriftModelVersion>(new CommandDefinition("""
            SELECT version_id AS VersionId, model AS Model, route AS Route, status AS Status, trained_at AS TrainedAt, trained_by AS TrainedBy,
                   baseline_from AS BaselineFrom, baseline_to AS BaselineTo, samples AS Samples, excluded_failures AS ExcludedFailures,
                   seed AS Seed, quantile AS Quantile, threshold AS Threshold
            FROM drift_models ORDER BY version_id DESC LIMIT @limit
            """, new { limit }, cancellationToken: ct))).ToList();
    }
}
