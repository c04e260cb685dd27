using System.CommandLine;
using System.Text.Json;
using Auditor.Cli.Eval;

namespace Auditor.Cli.Tests;

public class EvalRowsTests
{
    private static string RulesDirectory()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "rules", "default.yaml")))
            dir = Path.GetDirectoryName(dir);
        return Path.Combine(dir ?? throw new DirectoryNotFoundException("rules/ not found above the test binaries"), "rules");
    }

    [Fact]
    public async Task Writes_every_rows_judgement_and_prints_figures_per_source_tier_and_kind()
    {
        var dir = Directory.CreateTempSubdirectory("eval-rows-");
        try
        {
            var corpus = Path.Combine(dir.FullName, "corpus.jsonl");
            var loop = string.Concat(Enumerable.Repeat("The cat sat on the mat and looked at the door. ", 20));
            await File.WriteAllLinesAsync(corpus,
            [
                JsonSerializer.Serialize(new { id = "a", source = "s1", tier = "strong", output = "Yes.", label = 0, prompt = "Is 7 prime? Yes or no." }),
                JsonSerializer.Serialize(new { id = "b", source = "s1", tier = "weak", output = loop, label = 1, kind = "loop" }),
                JsonSerializer.Serialize(new { id = "c", source = "s2", tier = "weak", output = "Sure!", label = 1, kind = "empty", prompt = "Write a poem." }),
            ]);
            var rows = Path.Combine(dir.FullName, "rows.jsonl");
            var console = new StringWriter();
            var previous = Console.Out;
            Console.SetOut(console);
            int exit;
            try
            {
                exit = await new RootCommand { EvalCommand.Create() }.Parse(["eval", "--corpus", corpus, "--rules", RulesDirectory(), "--rows", rows]).InvokeAsync();
            }
            finally
            {
                Console.SetOut(previous);
            }

            Assert.Equal(0, exit);
            var lines = (await File.ReadAllLinesAsync(rows)).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
            Assert.Equal(["a", "b", "c"], lines.Select(l => l.GetProperty("id").GetString()));
            Assert.False(lines[0].GetProperty("flagged").GetBoolean());
            Assert.True(lines[1].GetProperty("detectors").GetProperty("degeneration").GetProperty("flagged").GetBoolean());
            Assert.Contains("loop", lines[1].GetProperty("detectors").GetProperty("degeneration").GetProperty("evidence").GetString(), StringComparison.Ordinal);
            Assert.Equal("loop", lines[1].GetProperty("kind").GetString());
            Assert.True(lines[2].GetProperty("detectors").GetProperty("empty").GetProperty("flagged").GetBoolean());
            Assert.True(lines[1].GetProperty("features").GetProperty("trailingLoopLength").GetInt32() > 0);

            var text = console.ToString();
            Assert.Matches(@"(?m)^s1\s+2\s+1\s+1\.000\s+0\s+0\.00%", text);
            Assert.Matches(@"(?m)^loop\s+1\s+1\s+1\.000\s+degeneration 1", text);
            Assert.Matches(@"(?m)^empty\s+1\s+1\s+1\.000\s+empty 1", text);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
