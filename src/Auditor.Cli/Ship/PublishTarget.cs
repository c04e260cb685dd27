using System.CommandLine;
using Auditor.Client;
using Microsoft.Extensions.Configuration;

namespace Auditor.Cli.Ship;

/// <summary>
/// Where `auditor ship` and `auditor demo` send samples: <c>--via http</c> (default, the embedded server on
/// http://localhost:5080) or <c>--via rabbitmq</c> (ConnectionStrings__RabbitMq, or --rabbitmq).
/// </summary>
public sealed class PublishTarget
{
    private readonly Option<string> _via = new("--via") { Description = "http (POST /api/v1/samples) or rabbitmq (exchange auditor.samples).", DefaultValueFactory = _ => "http" };
    private readonly Option<string> _url = new("--url") { Description = "Server base URL, for --via http.", DefaultValueFactory = _ => "http://localhost:5080" };
    private readonly Option<string?> _apiKey = new("--api-key") { Description = "Ingestion key for --via http (default: AUDITOR_API_KEY, then Auditor__Ingest__ApiKeys__0)." };
    private readonly Option<string?> _rabbitMq = new("--rabbitmq") { Description = "AMQP URI for --via rabbitmq (default: ConnectionStrings__RabbitMq)." };

    public PublishTarget() => _via.AcceptOnlyFromAmong("http", "rabbitmq");

    public void AddTo(Command command)
    {
        command.Options.Add(_via);
        command.Options.Add(_url);
        command.Options.Add(_apiKey);
        command.Options.Add(_rabbitMq);
    }

    /// <summary>A publisher that waits when its buffer is full (a shipper must not drop lines) and reports problems on stderr.</summary>
    public AuditorPublisher CreatePublisher(ParseResult r, IConfiguration configuration, string clientName, Action<SampleRejection>? onRejected)
    {
        var options = new AuditorPublisherOptions
        {
            WhenBufferFull = BufferFullMode.Wait,
            ClientName = clientName,
            MaxRetryDelay = TimeSpan.FromSeconds(5),
            OnRejected = onRejected,
            OnDeliveryProblem = p => Console.Error.WriteLine($"delivery problem over {p.Transport} ({p.Samples} samples, retrying): {p.Reason}"),
        };
        if (r.GetValue(_via) == "rabbitmq")
        {
            options.RabbitMqUri = new Uri(r.GetValue(_rabbitMq) ?? configuration.GetConnectionString("RabbitMq") ?? "amqp://guest:guest@localhost:5672/");
        }
        else
        {
            options.HttpBaseAddress = new Uri(r.GetValue(_url)!);
            options.ApiKey = r.GetValue(_apiKey) ?? Environment.GetEnvironmentVariable("AUDITOR_API_KEY") ?? configuration["Auditor:Ingest:ApiKeys:0"]
                ?? throw new InvalidOperationException("No ingestion key: pass --api-key (the server prints one at first start) or set AUDITOR_API_KEY.");
        }
        return new AuditorPublisher(options);
    }
}
