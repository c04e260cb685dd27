namespace Auditor.Testing;

/// <summary>
/// Where the real servers the tests need are. tests/run.sh sets these (and starts the servers); run from an IDE,
/// the local defaults apply. A missing server fails the test with this message: it is never skipped.
/// </summary>
public static class TestServers
{
    public static string Postgres =>
        Environment.GetEnvironmentVariable("AUDITOR_TEST_POSTGRES") is { Length: > 0 } s ? s : "Host=127.0.0.1;Port=5432;Database=auditor;Username=auditor;Password=auditor";

    public static Uri RabbitMq =>
        new(Environment.GetEnvironmentVariable("AUDITOR_TEST_RABBITMQ") is { Length: > 0 } s ? s : "amqp://guest:guest@127.0.0.1:5672/");

    public static string Missing(string server, Exception ex) =>
        $"{server} is needed by this test and does not answer ({ex.Message}). Run the tests with tests/run.sh, which starts it, " +
        $"or set AUDITOR_TEST_POSTGRES / AUDITOR_TEST_RABBITMQ.";
}
