using System.CommandLine;
using Auditor.Storage;

namespace Auditor.Cli.Bench;

/// <summary>
/// `auditor bench report --streams N [--weeks W] [--runs R]`: seeds an empty PostgreSQL database with N streams of hourly
/// counters and reviewed items over W weeks, then builds the weekly report R times the way a request does
/// (WeeklyReportLoader: reads, then estimation) and prints the time per build and per stream-week.
/// </summary>
public static class BenchReportCommand
{
    public static Command Create()
    {
        var streams = new Option<int>("--streams") { Description = "How many streams (1 to 10,000).", DefaultValueFactory = _ => 50 };
        var weeks = new Option<int>("--weeks") { Description = "Weeks of history to seed, the report's trend weeks included (1 to 52).", DefaultValueFactory = _ => 8 };
        var runs = new Option<int>("--runs") { Description = "Report builds to time (1 to 100).", DefaultValueFactory = _ => 3 };
        var command = new Command("report", "Weekly report build time on a seeded PostgreSQL database (point ConnectionStrings__Postgres at an empty one).") { streams, weeks, runs };
        // Option validators run on given values only; a command validator would see 0 for an option left at its default.
        Range(streams, 1, 10_000);
        Range(weeks, 1, 52);
        Range(runs, 1, 100);
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            await using var database = CliConfiguration.OpenDatabase(CliConfiguration.Load());
            if (database.Kind != StoreKind.Postgres)
            {
                Console.Error.WriteLine("bench report seeds with PostgreSQL's generate_series: set Auditor__Store=Postgres and ConnectionStrings__Postgres.");
                return 2;
            }
            return await new ReportBenchmark(database, r.GetValue(streams), r.GetValue(weeks), r.GetValue(runs)).RunAsync(Console.Out, ct);
        });
        return command;
    }

    private static void Range(Option<int> option, int min, int max) => option.Validators.Add(r =>
    {
        if (r.GetValueOrDefault<int>() < min || r.GetValueOrDefault<int>() > max)
            r.AddError($"{option.Name} must be between {min:N0} and {max:N0}.");
    });
}
