using Auditor.Contracts;
using Auditor.Detection.Degeneration;
using Auditor.Detection.Features;
using Auditor.Detection.Length;
using Auditor.Detection.Rules;

namespace Auditor.Detection.Tests;

/// <summary>
/// Issue #14, runaway lists, third round: a list that restates its own items (degeneration sign 9, <c>listRepeats</c>)
/// and a poem far longer than the fixed form the prompt asks for (the length detector's sign <c>requestedForm</c>), each
/// with the shapes of good answers that must stay unflagged. All examples are written for these tests.
/// </summary>
public class RunawayListTests
{
    private static readonly RuleSet Shipped = LoadShipped();

    private static RuleSet LoadShipped()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !Directory.Exists(Path.Combine(dir, "rules")))
            dir = Path.GetDirectoryName(dir);
        var load = RulesLoader.LoadDirectory(Path.Combine(dir ?? throw new DirectoryNotFoundException("rules/ not found above the test binaries"), "rules"));
        return load.RuleSet ?? throw new InvalidOperationException(string.Join("; ", load.Errors));
    }

    private static readonly LengthBaselineTable Baselines =
        LengthBaselineTable.Build(Enumerable.Range(0, 200).Select(i => ("chat", "assist", 1500 + (i * 37 % 1500))));

    private static Inspection Inspect(string output, string? prompt = null) =>
        DetectorRegistry.FromRules(Shipped, Baselines).Inspect(new OutputSample { SampleId = "s", Model = "chat", Route = "assist", Prompt = prompt, Output = output });

    private static DetectorResult Result(Inspection inspection, string detector) => inspection.Results.Single(r => r.Detector == detector);

    private static void AssertNotFlagged(Inspection inspection) =>
        Assert.False(inspection.Flagged, string.Join(" | ", inspection.Results.Where(r => r.Flagged).Select(r => $"{r.Detector}: {r.Explanation}")));

    private static OutputFeatures Features(string output) => FeatureExtractor.Extract(new OutputSample { Output = output });

    // ---- a list that restates its own items ----

    // A runaway list of git commands: it wanders through variants and comes back to items it already gave, far apart.
    private static readonly string[] GitCommands =
    [
        "git status", "git log --oneline", "git diff", "git add -p", "git commit -m", "git push", "git fetch --all",
        "git branch -a", "git checkout main", "git rebase -i", "git stash", "git stash pop", "git diff",
        "git log --graph", "git status", "git reset --hard", "git clean -fd", "git push", "git fetch --all", "git tag -a",
        "git stash", "git branch -a", "git log --oneline", "git cherry-pick", "git add -p", "git blame",
    ];

    private static string Bulleted(IEnumerable<string> items, string marker = "- ") => string.Join("\n", items.Select(i => marker + i));

    [Fact]
    public void Flags_a_list_that_gives_its_own_items_again_further_down()
    {
        var output = "Here are the commands you will use to manage the deployment:\n" + Bulleted(GitCommands);
        var features = Features(output);
        Assert.Equal(8, features.RestatedListItems);
        Assert.Equal(output.IndexOf("- git status", StringComparison.Ordinal), features.RestatedListStart);
        var result = Result(Inspect(output), "degeneration");
        Assert.True(result.Flagged, result.Explanation);
        Assert.Contains("8 of its items again", result.Explanation, StringComparison.Ordinal);
        Assert.Contains(result.Evidence, e => e.Note.Contains("restates 8 of its own items", StringComparison.Ordinal));
    }

    [Fact]
    public void Counts_numbered_items_by_their_text_so_a_new_number_does_not_make_an_item_new()
    {
        var output = string.Join("\n", GitCommands.Select((c, i) => $"{i + 1}. {c}"));
        Assert.Equal(8, Features(output).RestatedListItems);
        Assert.True(Result(Inspect(output), "degeneration").Flagged);
    }

    [Fact]
    public void Does_not_flag_a_long_list_of_distinct_items()
    {
        var output = "Capitals of Europe:\n" + Bulleted(["Paris", "Berlin", "Madrid", "Rome", "Lisbon", "Vienna", "Prague", "Warsaw",
            "Budapest", "Athens", "Dublin", "Oslo", "Stockholm", "Helsinki", "Copenhagen", "Brussels", "Amsterdam", "Bern",
            "Bratislava", "Ljubljana", "Zagreb", "Sofia", "Bucharest", "Tallinn", "Riga", "Vilnius"]);
        Assert.Equal(0, Features(output).RestatedListItems);
        AssertNotFlagged(Inspect(output));
    }

    [Fact]
    public void Does_not_flag_a_checklist_form_whose_answer_boxes_repeat()
    {
        var lines = new List<string> { "Site inspection checklist" };
        foreach (var q in new[] { "Fire exits are marked", "Extinguishers are in date", "First aid kit is stocked", "Walkways are clear",
                     "Ladders are inspected", "Cables are covered", "Guards are fitted", "Signage is visible" })
        {
            lines.Add("- " + q);
            lines.Add("- [ ] Yes");
            lines.Add("- [ ] No");
            lines.Add("- [ ] Not applicable");
        }
        var output = string.Join("\n", lines);
        Assert.Equal(3, Features(output).RestatedListItems);
        AssertNotFlagged(Inspect(output));
    }

    [Fact]
    public void Does_not_flag_nested_items_that_every_section_shares()
    {
        var lines = new List<string> { "Comparison of the candidate frameworks:" };
        foreach (var (name, gap) in new[] { ("Alpha", "no offline mode"), ("Bravo", "slow cold start"), ("Charlie", "weak typing"),
                     ("Delta", "few plugins"), ("Echo", "licence cost"), ("Foxtrot", "small community"), ("Golf", "no SSR"), ("Hotel", "memory use") })
        {
            lines.Add($"- {name}");
            lines.Add("  - Current state assessment");
            lines.Add($"  - Main gap: {gap}");
            lines.Add("  - Metrics and timeline");
        }
        var output = string.Join("\n", lines);
        Assert.Equal(0, Features(output).RestatedListItems);
        AssertNotFlagged(Inspect(output));
    }

    [Fact]
    public void Does_not_flag_a_changelog_whose_versions_share_entries()
    {
        var lines = new List<string> { "# Changelog" };
        foreach (var (version, change) in new[] { ("2.4.0", "Export to CSV"), ("2.3.1", "Faster startup"), ("2.3.0", "Dark theme"),
                     ("2.2.2", "Retry on timeout"), ("2.2.1", "Proxy support"), ("2.2.0", "Plugin API"), ("2.1.0", "Keyboard shortcuts"), ("2.0.0", "New storage format") })
        {
            lines.Add("");
            lines.Add($"## {version}");
            lines.Add($"- {change}");
            lines.Add("- Bug fixes");
            lines.Add("- Updated dependencies");
        }
        var output = string.Join("\n", lines);
        Assert.Equal(0, Features(output).RestatedListItems);
        AssertNotFlagged(Inspect(output));
    }

    [Fact]
    public void Does_not_flag_a_table_of_contents_followed_by_its_sections()
    {
        string[] chapters = ["Introduction", "Background", "Requirements", "Architecture", "Data model", "Security", "Testing", "Deployment", "Operations", "Appendix"];
        var toc = "Contents\n" + Bulleted(chapters);
        var body = string.Join("\n", chapters.Select(c => $"\n## {c}\n- {c} is covered here.\n- See the notes for {c.ToLowerInvariant()}."));
        var output = toc + "\n" + body;
        Assert.Equal(0, Features(output).RestatedListItems);
        AssertNotFlagged(Inspect(output));
    }

    [Fact]
    public void Does_not_flag_a_song_whose_chorus_repeats_between_verses()
    {
        string[] verses =
        [
            "The kettle sings at half past six\nThe radio hums the news\nThe cat is sleeping on the bricks\nAnd I put on my shoes",
            "The bus is late, the rain is cold\nThe driver waves me in\nThe seats are worn, the windows old\nThe day is grey and thin",
            "The office lights flick on and off\nThe printer jams again\nMy neighbour has a morning cough\nI count the hours till ten",
        ];
        const string chorus = "Oh, every day the same old road\nThe same old song I know\nBut I will carry every load\nAnd sing it as I go";
        var output = string.Join("\n\n", verses[0], chorus, verses[1], chorus, verses[2], chorus, chorus);
        AssertNotFlagged(Inspect(output, "Write a song about a commute with a chorus"));
    }

    [Fact]
    public void Does_not_look_for_restated_items_inside_code()
    {
        var code = "```yaml\n" + string.Join("\n", GitCommands.Select(c => "- " + c)) + "\n```";
        Assert.Equal(0, Features(code).RestatedListItems);
    }

    [Fact]
    public void A_stream_can_switch_the_list_repeats_sign_off()
    {
        var features = Features(Bulleted(GitCommands));
        Assert.True(DegenerationDetector.Signs(features).ListRepeatsScore >= 1);
        Assert.Equal(0, DegenerationDetector.Signs(features, new HashSet<string> { "listRepeats" }).ListRepeatsScore);
        Assert.Contains("listRepeats", DegenerationDetector.SignNames);
    }

    // ---- a poem far longer than the form the prompt asks for ----

    private static readonly string[] Planets =
    [
        "Mercury runs the shortest lap", "Venus wears a cloudy cap", "Earth is green and blue and wide", "Mars is red on every side",
        "Jupiter spins its storms of gold", "Saturn's rings are thin and cold", "Uranus rolls upon its side", "Neptune's winds are never tied",
    ];

    // Each planet in two lines: a "sonnet" that goes on through moons and dwarf planets.
    private static string LongPoem(int lines) =>
        string.Join("\n", Enumerable.Range(0, lines).Select(i => Planets[i % Planets.Length] + (i >= Planets.Length ? $", verse {i / Planets.Length + 1}" : "")));

    [Fact]
    public void Flags_a_sonnet_that_runs_past_three_times_its_fourteen_lines()
    {
        var output = "Here is a sonnet of the planets:\n\n" + LongPoem(44);
        var inspection = Inspect(output, "Write a sonnet where each line names a planet.");
        var result = Result(inspection, "length");
        Assert.True(result.Flagged, result.Explanation);
        Assert.Contains("asks for a sonnet (14 lines)", result.Explanation, StringComparison.Ordinal);
        Assert.Contains("44 lines", result.Explanation, StringComparison.Ordinal);
        Assert.Equal(output.IndexOf("Mercury", StringComparison.Ordinal), result.Evidence[0].Start);
    }

    [Fact]
    public void Flags_a_haiku_request_answered_with_a_long_poem()
    {
        var result = Result(Inspect(LongPoem(12), "Write a haiku about the planets"), "length");
        Assert.True(result.Flagged, result.Explanation);
    }

    [Fact]
    public void Does_not_flag_a_sonnet_of_fourteen_lines_or_one_with_stanzas_read_as_lines()
    {
        AssertNotFlagged(Inspect("Here is your sonnet:\n\n" + LongPoem(14) + "\n\nI hope it captures the planets well.", "Write a sonnet about the planets"));
        // Fourteen quatrains, one per asked line: the stanza is read as the asked unit.
        var quatrains = string.Join("\n\n", Enumerable.Range(0, 14).Select(i => LongPoem(4)));
        Assert.Equal(14, RequestedForm.Of("Write a sonnet where each of the 14 lines is a planet", quatrains).Units);
        Assert.False(Result(Inspect(quatrains, "Write a sonnet where each of the 14 lines is a planet"), "length").Flagged);
    }

    [Fact]
    public void Does_not_judge_a_poem_when_the_prompt_asks_for_several_or_names_no_form()
    {
        var poem = LongPoem(44);
        Assert.Equal(0, RequestedForm.Of("Write three sonnets about the planets", poem).Asked);
        Assert.Equal(0, RequestedForm.Of("Write 5 haiku about the planets", poem).Asked);
        Assert.Equal(0, RequestedForm.Of("Write some haikus about autumn", poem).Asked);
        Assert.Equal(0, RequestedForm.Of("Write a sonnet and a haiku about the planets", poem).Asked);
        Assert.Equal(0, RequestedForm.Of("Write a long poem about the planets", poem).Asked);
        Assert.Equal(0, RequestedForm.Of(null, poem).Asked);
        Assert.False(Result(Inspect(poem, "Write a long ballad about the planets"), "length").Flagged);
    }

    [Fact]
    public void Does_not_count_explanation_prose_or_code_as_verse()
    {
        var prose = string.Concat(Enumerable.Repeat("This line explains the choice of imagery in the poem above, at a length no verse line has.\n", 40));
        var code = "```\n" + string.Concat(Enumerable.Repeat("print('limerick')\n", 40)) + "```";
        var output = "There once was a coder named Lee\nWho wrote tests for each function with glee\nThey failed, then they passed\nThe build ran at last\nAnd the pipeline turned green as could be\n\n" + prose + code;
        Assert.Equal(5, RequestedForm.Of("Write a limerick about testing, then explain it and show code", output).Units);
        Assert.False(Result(Inspect(output, "Write a limerick about testing, then explain it and show code"), "length").Flagged);
    }

    [Fact]
    public void A_stream_can_switch_the_requested_form_sign_off()
    {
        var sample = new OutputSample { SampleId = "s", Model = "chat", Route = "assist", Prompt = "Write a sonnet", Output = LongPoem(44) };
        var context = new DetectionContext(sample, FeatureExtractor.Extract(sample)) { Baselines = Baselines };
        var detector = new LengthAnomalyDetector();
        Assert.True(detector.Evaluate(context, new DetectorSettings(true, 6)).Flagged);
        var off = detector.Evaluate(context, new DetectorSettings(true, 6) { SignsOff = new HashSet<string> { "requestedForm" } });
        Assert.False(off.Flagged, off.Explanation);
        Assert.Contains("requestedForm", RulesLoader.SignsByDetector["length"]);
    }
}
