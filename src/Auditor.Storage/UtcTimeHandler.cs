using System.Data;
using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Auditor.Storage;

/// <summary>
/// Maps DateTimeOffset for both databases: PostgreSQL gets a UTC timestamptz, SQLite a fixed-width
/// ISO-8601 UTC string (so text order is time order). Dapper's handlers are process-wide, hence one
/// handler that looks at the parameter's provider.
/// </summary>
internal sealed class UtcTimeHandler : SqlMapper.TypeHandler<DateTimeOffset>
{
    private const string SqliteFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";
    private static int _registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1)
            return;
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset));
        SqlMapper.AddTypeHandler(new UtcTimeHandler());
    }

    public static string ToSqlite(DateTimeOffset value) => value.UtcDateTime.ToString(SqliteFormat, CultureInfo.InvariantCulture);

    public override void SetValue(IDbDataParameter parameter, DateTimeOffset value)
    {
        if (parameter is SqliteParameter)
            parameter.Value = ToSqlite(value);
        else
            parameter.Value = value.ToUniversalTime();
    }

    public override DateTimeOffset Parse(object value) => value switch
    {
        DateTimeOffset d => d,
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        string s => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
        _ => throw new DataException($"Cannot read a time from a {value.GetType().Name}."),
    };
}
