using System.CommandLine;

namespace Auditor.Cli.Bench;

/// <summary>The options the throughput benchmarks share, with their range checks.</summary>
public static class BenchOptions
{
    /// <summary>--samples: how many samples to send, 1 to 10,000,000.</summary>
    public static Option<int> Samples(int defaultValue, string description = "How many samples to send (1 to 10,000,000).")
    {
        var option = new Option<int>("--samples") { Description = description, DefaultValueFactory = _ => defaultValue };
        // Option validators run on given values only; a command validator would see 0 for an option left at its default.
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10_000_000)
                r.AddError("--samples must be between 1 and 10,000,000.");
        });
        return option;
    }

    /// <summary>--size: output text size in bytes, 0 to 1,000,000 (default 2 KB).</summary>
    public static Option<int> Size()
    {
        var option = new Option<int>("--size") { Description = "Output text size in bytes.", DefaultValueFactory = _ => 2048 };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 1_000_000)
                r.AddError("--size must be between 0 and 1,000,000 bytes.");
        });
        return option;
    }
}
