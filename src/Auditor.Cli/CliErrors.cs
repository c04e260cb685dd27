using System.Net.Sockets;
using Npgsql;
using RabbitMQ.Client.Exceptions;

namespace Auditor.Cli;

/// <summary>Failures of the command line that are the environment's, not a bug: said in one line, without a stack trace.</summary>
public static class CliErrors
{
    /// <summary>What could not be reached and why, when the exception (or one inside it) is a server that did not answer; else null.</summary>
    public static string? Unreachable(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case BrokerUnreachableException:
                    return $"cannot reach RabbitMQ (ConnectionStrings__RabbitMq): {Innermost(inner).Message}";
                case HttpRequestException http:
                    return $"cannot reach the server: {http.Message}";
                case NpgsqlException { IsTransient: true } or NpgsqlException { InnerException: SocketException }:
                    return $"cannot reach PostgreSQL (ConnectionStrings__Postgres): {Innermost(inner).Message}";
            }
        }
        return null;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
            e = e.InnerException;
        return e;
    }
}
