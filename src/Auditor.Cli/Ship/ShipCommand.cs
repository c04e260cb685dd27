using System.CommandLine;
using System.Text.Json;

namespace Auditor.Cli.Ship;

/// <summary>
/// `auditor ship --file requests.jsonl [--follow] [--format openai|litellm|sglang]`: ships a log to Auditor, resuming
/// from its checkpoint. openai (the default): an OpenAI-compatible chat completion log (one JSON object a line with the
/// request and the response); litellm: LiteLLM StandardLoggingPayload lines; sglang: SGLang's JSON request log.
/// </summary>
public static class ShipCommand
{
    public static Command Create()
    {
        var file = new Option<FileInfo>("--file") { Description = "The JSONL log to ship.", Required = true };
        var follow = new Option<bool>("--follow") { Description = "Keep reading lines appended to the file (like tail -f); Ctrl+C stops at a chunk boundary." };
        var routeField = new Option<string?>("--route-field") { Description = "Dotted path of the route in each line (e.g. metadata.feature). Default: metadata.route, request.metadata.route, then path." };
        var deployment = new Option<string?>("--deployment") { Description = "Deployment for every sample (default: metadata.deployment of each line)." };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Checkpoint file (default: FILE.checkpoint)." };
        var rejects = new Option<string?>("--rejects") { Description = "Where rejected lines go with their reason (default: FILE.rejects)." };
        var format = new Option<string>("--format")
        {
            Description = "Log format: openai (request and response a line; the default), litellm (StandardLoggingPayload a line), sglang (--log-requests-format json).",
            DefaultValueFactory = _ => "openai",
        };
        format.AcceptOnlyFromAmong("openai", "litellm", "sglang");
        var model = new Option<string?>("--model") { Description = "Model name for every sample (required for sglang: its log names no model)." };
        var route = new Option<string?>("--route") { Description = "Route for every sample without one (litellm: default litellm; sglang: default sglang)." };
        var target = new PublishTarget();
        var command = new Command("ship", "Ship a serving log (OpenAI-compatible, LiteLLM or SGLang) to Auditor, with a checkpoint.") { file, follow, format, model, route, routeField, deployment, checkpoint, rejects };
        target.AddTo(command);
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var path = r.GetValue(file)!.FullName;
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"{path} does not exist.");
                return 2;
            }
            ILogLineMapper? mapper;
            switch (r.GetValue(format))
            {
                case "litellm":
                    mapper = new LiteLlmLogMapper(new Server.Ingestion.LiteLlm.LiteLlmOptions { DefaultRoute = r.GetValue(route) ?? "litellm" });
                    break;
                case "sglang":
                    if (string.IsNullOrWhiteSpace(r.GetValue(model)))
                    {
                        Console.Error.WriteLine("--format sglang needs --model NAME: SGLang's request log does not name the model.");
                        return 2;
                    }
                    mapper = new SgLangLogMapper(r.GetValue(model)!, r.GetValue(route) ?? "sglang", r.GetValue(deployment));
                    break;
                default:
                    mapper = null; // the OpenAI-compatible chat log
                    break;
            }
            var settings = new ShipSettings(path, r.GetValue(follow), r.GetValue(checkpoint) ?? path + ".checkpoint", r.GetValue(rejects) ?? path + ".rejects",
                new ChatLogMapping(r.GetValue(routeField), r.GetValue(deployment)), mapper);
            long serverRejected = 0;
            await using (var publisher = target.CreatePublisher(r, CliConfiguration.Load(), "auditor-ship", rejection =>
            {
                // Over HTTP the server may still refuse a sample the local check passed (its clock, its limits): keep it too.
                Interlocked.Increment(ref serverRejected);
                lock (settings)
                    File.AppendAllText(settings.RejectsPath, JsonSerializer.Serialize(new { sampleId = rejection.SampleId, reason = "refused by the server", errors = rejection.Errors }) + "\n");
            }))
            {
                var shipper = new LogShipper(settings, publisher, Console.Error);
                try
                {
                    await shipper.RunAsync(ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    Console.Error.WriteLine("stopped; the checkpoint holds the last confirmed chunk");
                }
                Console.WriteLine($"shipped {shipper.Shipped:N0} lines, rejected {shipper.Rejected + serverRejected:N0} (see {settings.RejectsPath}); checkpoint {settings.CheckpointPath}");
                return shipper.Rejected + serverRejected > 0 ? 3 : 0;
            }
        });
        return command;
    }
}
