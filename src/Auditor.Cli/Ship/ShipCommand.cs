using System.CommandLine;
using System.Text.Json;

namespace Auditor.Cli.Ship;

/// <summary>
/// `auditor ship --file requests.jsonl [--follow]`: ships an OpenAI-compatible chat completion log (one JSON object a
/// line with the request and the response) to Auditor, resuming from its checkpoint.
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
        var target = new PublishTarget();
        var command = new Command("ship", "Ship an OpenAI-compatible chat completion log to Auditor, with a checkpoint.") { file, follow, routeField, deployment, checkpoint, rejects };
        target.AddTo(command);
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var path = r.GetValue(file)!.FullName;
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"{path} does not exist.");
                return 2;
            }
            var settings = new ShipSettings(path, r.GetValue(follow), r.GetValue(checkpoint) ?? path + ".checkpoint", r.GetValue(rejects) ?? path + ".rejects",
                new ChatLogMapping(r.GetValue(routeField), r.GetValue(deployment)));
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
