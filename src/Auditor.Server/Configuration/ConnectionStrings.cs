namespace Auditor.Server.Configuration;

/// <summary>The ConnectionStrings section and its defaults (DESIGN.md, Configuration).</summary>
public static class ConnectionStrings
{
    public const string DefaultRabbitMq = "amqp://guest:guest@localhost:5672/";
    public const string DefaultPostgres = "Host=localhost;Database=auditor;Username=auditor;Password=auditor";
    public const string DefaultSqlite = "Data Source=data/auditor.db";

    public static string RabbitMq(IConfiguration c) => c.GetConnectionString("RabbitMq") is { Length: > 0 } s ? s : DefaultRabbitMq;
    public static string Postgres(IConfiguration c) => c.GetConnectionString("Postgres") is { Length: > 0 } s ? s : DefaultPostgres;
    /// <summary>The read replica (PostgreSQL only), or null when none is set: reads that may lag then use the primary.</summary>
    public static string? PostgresReplica(IConfiguration c) => c.GetConnectionString("PostgresReplica") is { Length: > 0 } s ? s : null;
    public static string Sqlite(IConfiguration c) => c.GetConnectionString("Sqlite") is { Length: > 0 } s ? s : DefaultSqlite;
}
