using System.CommandLine;
using Auditor.Detection.Drift;
using Auditor.Server.Drift;
using Auditor.Storage.Drift;
using Microsoft.Extensions.Configuration;

namespace Auditor.Cli.Drift;

/// <summary><c>auditor drift train [--stream MODEL/ROUTE]</c> and <c>auditor drift simulate</c>.</summary>
public static class DriftCommand
{
    public static Command Create()
    {
        var drift = new Command("drift", "Drift models: train them now, or measure detection on simulated streams.");
        drift.Subcommands.Add(Train());
        drift.Subcommands.Add(DriftSimulateCommand.Create());
        return drift;
    }

    private static Command Train()
    {
        var stream = new Option<string?>("--stream") { Description = "Only this stream, as MODEL/ROUTE (the last '/' splits them)." };
        var train = new Command("train", "Train drift models now from the stored uniform samples (confirmed failures left out) and make them active.") { stream };
        train.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            string? model = null, route = null;
            if (pr.GetValue(stream) is { } s)
            {
                var slash = s.LastIndexOf('/');
                if (slash <= 0 || slash == s.Length - 1)
                {
                    Console.Error.WriteLine($"--stream must be MODEL/ROUTE, got '{s}'.");
                    return 2;
                }
                (model, route) = (s[..slash], s[(slash + 1)..]);
            }
            var configuration = CliConfiguration.Load();
            var options = configuration.GetSection(DriftOptions.Section).Get<DriftOptions>() ?? new DriftOptions();
            await using var database = CliConfiguration.OpenDatabase(configuration);
            var training = new DriftTraining(new DriftBaselineReader(database), new DriftModelStore(database, TimeProvider.System), TimeProvider.System);
            var outcomes = await training.RunAsync($"cli {Environment.UserName}", ct, model, route,
                new DriftTrainingOptions { Quantile = options.Quantile, Seed = options.Seed });
            if (outcomes.Count == 0)
                Console.WriteLine("No stream has uniform-stratum samples in the last 14 days; nothing to train.");
            foreach (var o in outcomes)
                Console.WriteLine($"{o.Model}/{o.Route}: {o.Samples} samples ({o.ExcludedFailures} confirmed failures left out): {o.Note}");
            Console.WriteLine("Running servers load new versions within Auditor:Drift:RefreshMinutes.");
            return outcomes.Any(o => o.Version is not null) || outcomes.Count == 0 ? 0 : 1;
        });
        return train;
    }
}
