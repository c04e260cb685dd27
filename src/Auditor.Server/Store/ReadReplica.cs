using Auditor.Storage;
using Npgsql;

namespace Auditor.Server.Store;

/// <summary>
/// The database for reads that may lag by seconds: the weekly report (page, API, CSV), the streams page and
/// <c>GET /api/v1/streams</c>, and sample search. It is the PostgreSQL replica named by
/// <c>ConnectionStrings:PostgresReplica</c> (a streaming standby, docs/scale.md), or the primary itself when none is set.
/// Everything else (the consumers' batches, the review queue and verdicts, jobs, migrations) uses the primary,
/// <see cref="AuditorDatabase"/>.
/// </summary>
public sealed class ReadReplica : IAsyncDisposable
{
    public const string Setting = "ConnectionStrings:PostgresReplica";

    private ReadReplica(AuditorDatabase database, bool separate)
    {
        Database = database;
        IsSeparate = separate;
    }

    public AuditorDatabase Database { get; }

    /// <summary>Whether reads go to a replica of their own (false: the primary serves them).</summary>
    public bool IsSeparate { get; }

    /// <summary>The replica the setting names (validated at start by <see cref="ReplicaSettingValidation"/>), or the primary.</summary>
    public static ReadReplica For(AuditorDatabase primary, ReplicaSetting setting) =>
        setting.ConnectionString is { } replica
            ? new ReadReplica(AuditorDatabase.Create(StoreKind.Postgres, replica), separate: true)
            : new ReadReplica(primary, separate: false);

    /// <summary>What is wrong with the replica setting under this store choice, or null (also when it is not set).</summary>
    public static string? Problem(StoreKind store, string? connectionString)
    {
        if (connectionString is null)
            return null;
        if (store != StoreKind.Postgres)
            return $"{Setting} is set, but Auditor:Store is {store}: a read replica is for PostgreSQL only. Unset it, or set Auditor:Store=Postgres.";
        try
        {
            var parsed = new NpgsqlConnectionStringBuilder(connectionString);
            if (string.IsNullOrWhiteSpace(parsed.Host))
                return $"{Setting} names no Host: give the replica's host, e.g. Host=pg-replica;Database=auditor;Username=auditor_ro;Password=...";
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // The message names the keyword or value at fault; the string itself may hold a password and is not repeated.
            return $"{Setting} is not a valid PostgreSQL connection string: {ex.Message}";
        }
        return null;
    }

    // The primary belongs to the container; only a replica of our own is disposed here.
    public ValueTask DisposeAsync() => IsSeparate ? Database.DisposeAsync() : ValueTask.CompletedTask;
}
