using System.Data.Common;
using System.Text.Json;
using Dapper;

namespace Auditor.Storage.Thresholds;

/// <summary>A stored threshold version for one detector on one stream.</summary>
public sealed record ThresholdVersion(long VersionId, string Detector, string Model, string Route, double Threshold, string Status,
    bool Pinned, string SetBy, string Reason, string? Evidence, DateTimeOffset CreatedAt);

/// <summary>What a new version says; <see cref="Evidence"/> is serialized as JSON.</summary>
public sealed record NewThresholdVersion(string Detector, string Model, string Route, double Threshold, string SetBy, string Reason, object? Evidence = null);

/// <summary>
/// Threshold versions over the rules/ values. Every version is kept; at most one is active per detector and stream.
/// A pinned stream keeps its active version until an admin changes it.
/// </summary>
public sealed class ThresholdStore(AuditorDatabase database, TimeProvider clock)
{
    private const string Columns = """
        version_id AS VersionId, detector AS Detector, model AS Model, route AS Route, threshold AS Threshold, status AS Status,
        pinned AS Pinned, set_by AS SetBy, reason AS Reason, CAST(evidence AS text) AS Evidence, created_at AS CreatedAt
        """;

    public async Task<IReadOnlyList<ThresholdVersion>> ActiveAsync(CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await QueryAsync(c, null, $"SELECT {Columns} FROM threshold_versions WHERE status = 'active' ORDER BY detector, model, route", null, ct);
    }

    /// <summary>All versions, newest first (at most <paramref name="limit"/>).</summary>
    public async Task<IReadOnlyList<ThresholdVersion>> HistoryAsync(int limit, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await QueryAsync(c, null, $"SELECT {Columns} FROM threshold_versions ORDER BY created_at DESC, version_id DESC LIMIT @limit", new { limit }, ct);
    }

    public async Task<ThresholdVersion?> FindAsync(long versionId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await QueryAsync(c, null, $"SELECT {Columns} FROM threshold_versions WHERE version_id = @versionId", new { versionId }, ct)).SingleOrDefault();
    }

    /// <summary>Makes a new version active at once, superseding the stream's previous active one (whose pin it keeps).</summary>
    public Task<ThresholdVersion> ActivateAsync(NewThresholdVersion version, CancellationToken ct) => AddAsync(version, "active", ct);

    /// <summary>Records a version for an admin to approve; an older pending proposal for the stream is replaced.</summary>
    public Task<ThresholdVersion> ProposeAsync(NewThresholdVersion version, CancellationToken ct) => AddAsync(version, "proposed", ct);

    /// <summary>Approves a proposal: it becomes active. Null when there is no such pending proposal.</summary>
    public async Task<ThresholdVersion?> ApproveAsync(long versionId, string admin, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var proposal = (await QueryAsync(c, tx, $"SELECT {Columns} FROM threshold_versions WHERE version_id = @versionId AND status = 'proposed' {database.ForUpdate}", new { versionId }, ct)).SingleOrDefault();
        if (proposal is null)
            return null;
        var pinned = await SupersedeActiveAsync(c, tx, proposal.Detector, proposal.Model, proposal.Route, ct);
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE threshold_versions SET status = 'active', pinned = @pinned, reason = reason || @approved WHERE version_id = @versionId",
            new { versionId, pinned, approved = $" Approved by {admin}." }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return await FindAsync(versionId, ct);
    }

    public async Task<bool> RejectAsync(long versionId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            "UPDATE threshold_versions SET status = 'rejected' WHERE version_id = @versionId AND status = 'proposed'", new { versionId }, cancellationToken: ct)) == 1;
    }

    /// <summary>Pins or unpins the stream's active version. False when the stream has none.</summary>
    public async Task<bool> PinAsync(string detector, string model, string route, bool pinned, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            "UPDATE threshold_versions SET pinned = @pinned WHERE detector = @detector AND model = @model AND route = @route AND status = 'active'",
            new { detector, model, route, pinned }, cancellationToken: ct)) == 1;
    }

    private async Task<ThresholdVersion> AddAsync(NewThresholdVersion v, string status, CancellationToken ct)
    {
        if (!double.IsFinite(v.Threshold))
            throw new ArgumentException("A threshold must be a finite number.", nameof(v));
        await using var c = await database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var pinned = false;
        if (status == "active")
            pinned = await SupersedeActiveAsync(c, tx, v.Detector, v.Model, v.Route, ct);
        else
            await c.ExecuteAsync(new CommandDefinition(
                "UPDATE threshold_versions SET status = 'superseded' WHERE detector = @Detector AND model = @Model AND route = @Route AND status = 'proposed'",
                v, tx, cancellationToken: ct));
        var id = await c.ExecuteScalarAsync<long>(new CommandDefinition($"""
            INSERT INTO threshold_versions (detector, model, route, threshold, status, pinned, set_by, reason, evidence, created_at)
            VALUES (@Detector, @Model, @Route, @Threshold, @status, @pinned, @SetBy, @Reason, {database.Json("evidence")}, @at)
            RETURNING version_id
            """, new
        {
            v.Detector, v.Model, v.Route, v.Threshold, status, pinned, v.SetBy, v.Reason,
            evidence = v.Evidence is null ? null : JsonSerializer.Serialize(v.Evidence, Samples.SampleBatchWriter.Json), at = clock.GetUtcNow(),
        }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return (await FindAsync(id, ct))!;
    }

    // Returns whether the superseded version was pinned, so the pin carries over to what an admin put in its place.
    private static async Task<bool> SupersedeActiveAsync(DbConnection c, DbTransaction tx, string detector, string model, string route, CancellationToken ct)
    {
        var pinned = await c.ExecuteScalarAsync<bool?>(new CommandDefinition(
            "SELECT pinned FROM threshold_versions WHERE detector = @detector AND model = @model AND route = @route AND status = 'active'",
            new { detector, model, route }, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE threshold_versions SET status = 'superseded' WHERE detector = @detector AND model = @model AND route = @route AND status = 'active'",
            new { detector, model, route }, tx, cancellationToken: ct));
        return pinned ?? false;
    }

    private static async Task<IReadOnlyList<ThresholdVersion>> QueryAsync(DbConnection c, DbTransaction? tx, string sql, object? args, CancellationToken ct) =>
        (await c.QueryAsync<Row>(new CommandDefinition(sql, args, tx, cancellationToken: ct))).Select(r => r.ToVersion()).ToList();

    private sealed class Row
    {
        public long VersionId { get; set; }
        public string Detector { get; set; } = "";
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public double Threshold { get; set; }
        public string Status { get; set; } = "";
        public bool Pinned { get; set; }
        public string SetBy { get; set; } = "";
        public string Reason { get; set; } = "";
        public string? Evidence { get; set; }
        public DateTimeOffset CreatedAt { get; set; }

        public ThresholdVersion ToVersion() => new(VersionId, Detector, Model, Route, Threshold, Status, Pinned, SetBy, Reason, Evidence, CreatedAt);
    }
}
