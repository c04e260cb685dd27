using System.Data.Common;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Auditor.Storage;

/// <summary>
/// Why a store operation failed, which decides what to do about it: a <b>data</b> error is the rows' fault (retrying
/// gives the same answer, so the offending rows must be found and set aside); a <b>transient</b> error is the
/// store's or the network's (waiting and retrying is right); anything else is neither (a bug or a broken schema).
/// </summary>
public static class StoreFailure
{
    // SQLite result codes (primary, the low byte of the extended code).
    private const int SqliteBusy = 5, SqliteLocked = 6, SqliteIoErr = 10, SqliteFull = 13, SqliteCantOpen = 14, SqliteProtocol = 15;
    private const int SqliteTooBig = 18, SqliteConstraint = 19, SqliteMismatch = 20, SqliteRange = 25;

    /// <summary>
    /// The rows were refused: PostgreSQL SQLSTATE class 22 (data exception: NUL in text, a value out of range, bad
    /// encoding) or 23 (integrity constraint), SQLite's constraint, mismatch, too-big and range errors, or a value the
    /// client could not encode as a parameter (text that is not valid Unicode, a number out of range, a value JSON cannot write).
    /// </summary>
    public static bool IsDataError(Exception exception) => exception switch
    {
        PostgresException pg => pg.SqlState.StartsWith("22", StringComparison.Ordinal) || pg.SqlState.StartsWith("23", StringComparison.Ordinal),
        SqliteException sqlite => (sqlite.SqliteErrorCode & 0xFF) is SqliteTooBig or SqliteConstraint or SqliteMismatch or SqliteRange,
        DbException db => db.InnerException is { } inner && IsDataError(inner),
        EncoderFallbackException or DecoderFallbackException or InvalidCastException or OverflowException or FormatException or JsonException => true,
        ArgumentException => true,
        _ => false,
    };

    /// <summary>
    /// The store or the way to it is unavailable for now: a timeout, a lost or refused connection, PostgreSQL shutting
    /// down, out of resources, a serialization failure or deadlock (Npgsql's own judgement), SQLite busy, locked, full or
    /// unable to open its file.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        TimeoutException or SocketException or IOException => true,
        PostgresException pg => pg.IsTransient,
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is { } inner && IsTransient(inner),
        SqliteException sqlite => (sqlite.SqliteErrorCode & 0xFF) is SqliteBusy or SqliteLocked or SqliteIoErr or SqliteFull or SqliteCantOpen or SqliteProtocol,
        _ => exception.InnerException is { } inner && IsTransient(inner),
    };

    /// <summary>The store's own words for a failure, with PostgreSQL's SQLSTATE or SQLite's error code.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        PostgresException pg => $"PostgreSQL {pg.SqlState}: {pg.MessageText}",
        SqliteException sqlite => $"SQLite error {sqlite.SqliteErrorCode}: {sqlite.Message}",
        _ => $"{exception.GetType().Name}: {exception.Message}",
    };
}
