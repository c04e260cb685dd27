using System.Data.Common;
using System.Reflection;
using System.Text.Json;
using Dapper;

namespace Auditor.Storage.Samples;

/// <summary>
/// One INSERT of many rows into one table, its columns named once by the row type's properties (snake_case). On
/// PostgreSQL it is one statement over <c>unnest</c> of one array per column: one round trip for the whole batch, however
/// many rows (a consumer batch writes hundreds of detector results, and a round trip costs more CPU on both sides than
/// the row). On SQLite, which runs in-process, it is the same statement once per row.
/// </summary>
/// <param name="Table">The table.</param>
/// <param name="Tail">What follows the rows: an ON CONFLICT clause, or nothing.</param>
/// <param name="JsonColumns">Properties holding JSON text for a jsonb column.</param>
internal sealed record RowsInsert(string Table, string Tail = "", params string[] JsonColumns)
{
    /// <summary>Inserts <paramref name="rows"/> (objects of one type, anonymous ones included); returns the rows affected.</summary>
    public async Task<int> ExecuteAsync<TRow>(AuditorDatabase database, DbConnection c, DbTransaction tx, IReadOnlyList<TRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
            return 0;
        var properties = Columns<TRow>.Properties;
        var columns = string.Join(", ", properties.Select(p => Column(p.Name)));
        if (database.Kind != StoreKind.Postgres)
        {
            var values = string.Join(", ", properties.Select(p => JsonColumns.Contains(p.Name) ? database.Json(p.Name) : "@" + p.Name));
            var sql = $"INSERT INTO {Table} ({columns}) VALUES ({values}) {Tail}";
            return await c.ExecuteAsync(new CommandDefinition(sql, rows, tx, cancellationToken: ct));
        }

        var selected = string.Join(", ", properties.Select(p => JsonColumns.Contains(p.Name) ? $"CAST({Column(p.Name)} AS jsonb)" : Column(p.Name)));
        var arrays = string.Join(", ", properties.Select(p => "@" + p.Name));
        var unnest = $"INSERT INTO {Table} ({columns}) SELECT {selected} FROM unnest({arrays}) AS r({columns}) {Tail}";
        var parameters = new DynamicParameters();
        foreach (var p in properties)
            parameters.Add(p.Name, ColumnArray(p, rows));
        return await c.ExecuteAsync(new CommandDefinition(unnest, parameters, tx, cancellationToken: ct));
    }

    private static string Column(string property) => JsonNamingPolicy.SnakeCaseLower.ConvertName(property);

    // One typed array per column (int?[] for int?, so a NULL stays a NULL). A timestamptz array takes UTC instants only:
    // DateTimeOffset values go as their UTC DateTime, whatever offset they were read with.
    private static Array ColumnArray<TRow>(PropertyInfo property, IReadOnlyList<TRow> rows)
    {
        if (property.PropertyType == typeof(DateTimeOffset))
            return rows.Select(r => ((DateTimeOffset)property.GetValue(r)!).UtcDateTime).ToArray();
        var array = Array.CreateInstance(property.PropertyType, rows.Count);
        for (var i = 0; i < rows.Count; i++)
            array.SetValue(property.GetValue(rows[i]), i);
        return array;
    }

    private static class Columns<TRow>
    {
        public static readonly PropertyInfo[] Properties = typeof(TRow).GetProperties(BindingFlags.Public | BindingFlags.Instance);
    }
}
