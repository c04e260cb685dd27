using System.Net.Sockets;
using Npgsql;
using RabbitMQ.Client.Exceptions;

namespace Auditor.Cli.Tests;

public class CliErrorsTests
{
    [Fact]
    public void Says_which_server_did_not_answer_wherever_the_failure_is_wrapped()
    {
        var refused = new SocketException((int)SocketError.ConnectionRefused);

        Assert.StartsWith("cannot reach RabbitMQ (ConnectionStrings__RabbitMq): ", CliErrors.Unreachable(new BrokerUnreachableException(refused)));
        Assert.StartsWith("cannot reach the server: refused", CliErrors.Unreachable(new InvalidOperationException("outer", new HttpRequestException("refused"))));
        Assert.StartsWith("cannot reach PostgreSQL (ConnectionStrings__Postgres): ", CliErrors.Unreachable(new NpgsqlException("Failed to connect", refused)));
    }

    [Fact]
    public void Leaves_other_failures_to_the_stack_trace()
    {
        Assert.Null(CliErrors.Unreachable(new InvalidOperationException("a bug")));
        Assert.Null(CliErrors.Unreachable(new NpgsqlException("syntax error at or near \"SELEC\"")));
    }
}
