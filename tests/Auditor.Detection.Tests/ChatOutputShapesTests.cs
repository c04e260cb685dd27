using Auditor.Contracts;
using Auditor.Detection.Length;
using Auditor.Detection.Rules;

namespace Auditor.Detection.Tests;

/// <summary>
/// Shapes of good chat answers that repeat by design, and chat failures, run through the registry with the shipped
/// rules/ (examples written for these tests, not taken from a corpus).
/// </summary>
public class ChatOutputShapesTests
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

    // A stream of essay-length answers, so the length detector judges (and short answers are far below its median).
    private static readonly LengthBaselineTable Baselines =
        LengthBaselineTable.Build(Enumerable.Range(0, 200).Select(i => ("chat", "assist", 1500 + (i * 37 % 1500))));

    private static Inspection Inspect(string output, string? prompt = null)
    {
        var registry = DetectorRegistry.FromRules(Shipped, Baselines);
        return registry.Inspect(new OutputSample { SampleId = "s", Model = "chat", Route = "assist", Output = output, Prompt = prompt });
    }

    private static void AssertNotFlagged(Inspection inspection) =>
        Assert.False(inspection.Flagged, string.Join(" | ", inspection.Results.Where(r => r.Flagged).Select(r => $"{r.Detector}: {r.Explanation}")));

    private static void AssertFlaggedBy(Inspection inspection, string detector) =>
        Assert.True(inspection.Results.Single(r => r.Detector == detector).Flagged,
            string.Join(" | ", inspection.Results.Select(r => $"{r.Detector} {r.Score:0.00}: {r.Explanation}")));

    [Theory]
    [InlineData("Yes.", "Is 17 a prime number? Answer yes or no.")]
    [InlineData("b.", "Which option is correct? a. 3 b. 4 c. 5")]
    [InlineData("NO RULE BROKEN", "Reply NO RULE BROKEN if the message breaks no rule.")]
    [InlineData("\U0001F602", "Reply with one emoji only.")]
    [InlineData("Positive", "Classify the sentiment of: 'I loved it'.")]
    [InlineData("/ˈkæʃ.eɪ/", "How is 'cache' pronounced? IPA only.")]
    public void Does_not_flag_a_short_answer_to_a_short_answer_prompt(string answer, string prompt) =>
        AssertNotFlagged(Inspect(answer, prompt));

    [Fact]
    public void Does_not_flag_a_song_whose_chorus_repeats_between_verses()
    {
        const string chorus = "(Chorus)\nOh lantern light, you guide me home tonight,\nThrough winding lanes and harbour fog so white,\nI'll follow you until the morning's near,\nOh lantern light, you chase away my fear.\n\n";
        var song = "(Verse 1)\nThe tide rolled in along the western pier,\nThe sailors sang of all they held so dear,\nA little flame was swinging in the rain,\nAnd called me back to walk these streets again.\n\n"
            + chorus
            + "(Verse 2)\nMy father carved his name upon the mast,\nHe told me storms are never meant to last,\nThe keeper's daughter waved from up the hill,\nAnd every night the lamp is burning still.\n\n"
            + chorus
            + "(Bridge)\nWhen all the stars have fallen in the sea,\nThere's one small glow that's waiting there for me.\n\n"
            + chorus
            + "(Outro)\nSo light the lamp and leave the door ajar, I'm coming home from wherever you are.";
        AssertNotFlagged(Inspect(song, "Write a folk song about a lighthouse lantern with a chorus."));
    }

    [Fact]
    public void Does_not_flag_a_script_given_for_two_versions_of_an_engine()
    {
        const string body = "    local player = game.Players.LocalPlayer\n    local character = player.Character or player.CharacterAdded:Wait()\n    local humanoid = character:WaitForChild(\"Humanoid\")\n    humanoid.WalkSpeed = 32\n    humanoid.JumpPower = 75\n    print(\"Speed boost applied to \" .. player.Name)\n";
        var answer = "Here is the script for the old engine (v1):\n\n```lua\nlocal function boost()\n" + body + "end\nboost()\n```\n\n"
            + "And for the new engine (v2), where the input API changed:\n\n```lua\nlocal UserInput = game:GetService(\"UserInputService\")\nlocal function boost()\n" + body
            + "end\nUserInput.InputBegan:Connect(function(input)\n    if input.KeyCode == Enum.KeyCode.LeftShift then boost() end\nend)\n```\n\n"
            + "The difference: v2 binds the boost to Left Shift through UserInputService instead of running it once at start.";
        AssertNotFlagged(Inspect(answer, "Give me the speed boost script for both engine versions."));
    }

    [Fact]
    public void Does_not_flag_alternative_methods_that_share_the_same_steps()
    {
        const string shared = "1. Open Settings and choose Accounts.\n2. Select Sign-in options and scroll to Security key.\n3. Click Manage, then insert your key when you are asked to.\n4. Enter the PIN of the key and touch its button to confirm.\n";
        var answer = "Method 1: with the Settings app\n\n" + shared + "5. Restart the computer so the change applies.\n\n"
            + "Method 2: with a group policy (managed computers)\n\n" + "0. Ask your administrator to enable security keys in Group Policy.\n" + shared
            + "5. Sign out and sign in again with the key.\n\nEither way, keep a backup key in a safe place in case the first one is lost.";
        AssertNotFlagged(Inspect(answer, "How do I set up a security key on Windows? Give two methods."));
    }

    [Fact]
    public void Does_not_flag_a_markdown_table_padded_with_long_runs_of_spaces()
    {
        var pad = new string(' ', 60);
        var rows = string.Concat(new[] { "Paris", "Berlin", "Madrid", "Rome", "Vienna", "Lisbon" }.Select((c, i) => $"| {c}{pad} | {1_000_000 + i * 137_331}{pad} |\n"));
        var table = $"| City{pad} | Population{pad} |\n|{new string('-', 66)}|{new string('-', 68)}|\n" + rows + "\nFigures are rounded city-proper populations.";
        AssertNotFlagged(Inspect(table, "Make a table of six European capitals and their populations."));
    }

    [Fact]
    public void Counts_an_ai_disclaimer_inside_a_complete_answer_without_flagging_it()
    {
        var answer = "As an AI language model, I don't hold personal opinions. However, here are the main arguments on each side of the debate about daylight saving time: it saves energy in some regions, it disrupts sleep, and it complicates scheduling across time zones.";
        var inspection = Inspect(answer, "What do you think about daylight saving time?");
        AssertNotFlagged(inspection);
        var rules = inspection.Results.Single(r => r.Detector == "rules");
        var span = Assert.Single(rules.Evidence);
        Assert.EndsWith(RegexRulesDetector.CountedNoteSuffix, span.Note, StringComparison.Ordinal);
        Assert.Equal("refusal", RegexRulesDetector.CategoryOf(span.Note));
        Assert.Contains("Counted, not a failure", rules.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_a_refusal_on_a_stream_that_switches_the_refusal_sign_on()
    {
        var rules = RulesLoader.Load([("r.yaml", "streams:\n  - route: \"support\"\n    detectors: { rules: { signs: { refusal: on } } }\nrules:\n  - name: as-an-ai\n    pattern: 'as an AI language model'\n    category: refusal\n")]).RuleSet!;
        var registry = DetectorRegistry.FromRules(rules);
        var output = "Sorry, as an AI language model I cannot help.";
        Assert.True(registry.Inspect(new OutputSample { SampleId = "a", Model = "m", Route = "support", Output = output }).Results.Single(r => r.Detector == "rules").Flagged);
        Assert.False(registry.Inspect(new OutputSample { SampleId = "b", Model = "m", Route = "other", Output = output }).Results.Single(r => r.Detector == "rules").Flagged);
    }

    [Fact]
    public void Does_not_flag_user_as_content()
    {
        var answer = "Here is the data model:\n\nUser: id, name, email\nOrder: id, user_id, total\n\nAnd a script line:\nUser: Where is my parcel?\nThe clerk shrugs and points at the door.";
        AssertNotFlagged(Inspect(answer, "Sketch the data model and one line of the script."));
    }

    [Fact]
    public void Flags_an_answer_that_writes_the_users_next_turn()
    {
        var answer = "The result of (5+3)*6 is 48.\n\nUSER: Thanks! Now what is 7*7?\n\nASSISTANT: 7*7 is 49.";
        AssertFlaggedBy(Inspect(answer, "Compute (5+3)*6."), "rules");
    }

    [Theory]
    [InlineData("<|user|>\nWhat else?")]
    [InlineData("<|assistant|>")]
    [InlineData("<|system|> You are helpful.")]
    public void Flags_zephyr_role_tokens(string tail) =>
        AssertFlaggedBy(Inspect("Paris is the capital of France. " + tail), "leakage");

    [Fact]
    public void Flags_llama_sequence_tokens_around_whole_sentences()
    {
        var answer = "<s> The capital of France is Paris. It lies on the Seine.\nIt has about two million inhabitants. </s>";
        AssertFlaggedBy(Inspect(answer), "leakage");
        AssertNotFlagged(Inspect("The jacket was <s>$120</s> now $80, a good deal for wool."));
    }

    [Theory]
    [InlineData("Sure!")]
    [InlineData("Sure, I can do that.")]
    [InlineData("Certainly! Here it is")]
    [InlineData("Here is one possibility:")]
    public void Flags_a_content_free_stub(string stub) =>
        AssertFlaggedBy(Inspect(stub, "Write a poem about autumn."), "empty");

    [Fact]
    public void Flags_the_colon_of_a_role_separator_left_at_the_start_of_an_answer()
    {
        AssertFlaggedBy(Inspect(": Time management is planning how you divide your time between activities.", "How can I improve my time management skills?"), "leakage");
        // A completion that continues an unfinished prompt may start with a colon.
        AssertNotFlagged(Inspect(": a memoir of the war years, published in 1952.", "The Long Road Home"));
    }

    [Fact]
    public void Flags_a_loop_whose_unit_holds_two_lines_that_differ_in_their_numbers()
    {
        var loop = string.Concat(Enumerable.Repeat("foo bar 1\nfoo bar 22\n", 150));
        AssertFlaggedBy(Inspect(loop), "degeneration");
    }

    [Fact]
    public void Flags_a_numbered_cycle_whose_counter_crosses_from_two_to_three_digits()
    {
        var cycle = "Here are the steps:\n" + string.Concat(Enumerable.Range(1, 104).Select(i => $"{i}. Check the cable and restart the router.\n"));
        AssertFlaggedBy(Inspect(cycle), "degeneration");
    }

    [Fact]
    public void Flags_a_runaway_list_of_template_lines_with_small_changes()
    {
        var list = "Test cases:\n" + string.Concat(Enumerable.Range(0, 60).Select(i => $"assert is_valid_domain(\"example{i}.{(i % 2 == 0 ? "com" : "org")}\") == True\n"));
        AssertFlaggedBy(Inspect(list, "Write a few test cases for is_valid_domain."), "degeneration");
    }

    // Near copies (token shapes: digits, case and capitalised names folded), examples written for these tests.

    [Fact]
    public void Flags_a_runaway_enumeration_whose_lines_change_only_a_name_and_a_word()
    {
        string[] people = ["Alice", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kofi", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quinn", "Rosa"];
        string[] topics = ["budget", "roadmap", "hiring plan", "launch", "pricing", "office move", "security audit", "backlog"];
        var minutes = "Meeting notes for the week:\n\n" + string.Concat(people.Select((p, i) =>
            $"- {p} met the team on Monday and said that the {topics[i % topics.Length]} needs more work before the next review.\n"));
        var inspection = Inspect(minutes, "Summarise this week's meeting in three sentences.");
        AssertFlaggedBy(inspection, "degeneration");
        Assert.Contains("template", inspection.Results.Single(r => r.Detector == "degeneration").Explanation);
    }

    [Fact]
    public void Flags_a_growing_enumeration_that_restates_the_previous_item()
    {
        string[] ordinals = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth"];
        var steps = "To solve the puzzle we move one disk at a time.\n" + string.Concat(ordinals.Select((o, i) =>
            $"The {o} move takes the disk from peg {i % 3 + 1} to peg {(i + 1) % 3 + 1}, after the state {i}, {i + 2}, {i + 4} we reach the state {i + 1}, {i + 3}, {i + 5}.\n"));
        AssertFlaggedBy(Inspect(steps, "Explain how to solve the Tower of Hanoi with three disks."), "degeneration");
    }

    [Fact]
    public void Does_not_flag_a_bibliography_with_per_item_boilerplate_at_the_end_of_an_answer()
    {
        var answer = "Sleep and memory are closely linked: slow-wave sleep consolidates declarative memories, and REM sleep supports emotional and procedural memory. The sources below cover the main findings.\n\nReferences\n\n"
            + "1. Walker, M. P. (2009). The role of slow wave sleep in memory processing. Journal of Clinical Sleep Medicine, 5(2), 20-26. Retrieved from https://jcsm.example.org/walker2009\n"
            + "2. Diekelmann, S., & Born, J. (2010). The memory function of sleep. Nature Reviews Neuroscience, 11(2), 114-126. Retrieved from https://nrn.example.org/diekelmann2010\n"
            + "3. Stickgold, R. (2005). Sleep-dependent memory consolidation. Nature, 437(7063), 1272-1278. Retrieved from https://nature.example.org/stickgold2005\n"
            + "4. Rasch, B., & Born, J. (2013). About sleep's role in memory. Physiological Reviews, 93(2), 681-766. Retrieved from https://physrev.example.org/rasch2013\n"
            + "5. Tononi, G., & Cirelli, C. (2014). Sleep and the price of plasticity: from synaptic and cellular homeostasis to memory consolidation and integration. Neuron, 81(1), 12-34. Retrieved from https://neuron.example.org/tononi2014\n"
            + "6. Mander, B. A., Winer, J. R., & Walker, M. P. (2017). Sleep and human aging. Neuron, 94(1), 19-36. Retrieved from https://neuron.example.org/mander2017\n"
            + "7. Klinzing, J. G., Niethard, N., & Born, J. (2019). Mechanisms of systems memory consolidation during sleep. Nature Neuroscience, 22(10), 1598-1610. Retrieved from https://natneuro.example.org/klinzing2019\n"
            + "8. Ellenbogen, J. M., Hulbert, J. C., Stickgold, R., Dinges, D. F., & Thompson-Schill, S. L. (2006). Interfering with theories of sleep and memory. Current Biology, 16(13), 1290-1294. Retrieved from https://cb.example.org/ellenbogen2006\n";
        AssertNotFlagged(Inspect(answer, "How does sleep affect memory? Cite sources."));
    }

    [Fact]
    public void Does_not_flag_a_numbered_list_of_different_items_that_ends_the_answer()
    {
        string[] names = ["Aurora Bakery", "Copper Kettle", "Daily Crumb", "Ember & Oak", "Flour Child", "Golden Crust", "Hearth House", "Iron Whisk",
            "Juniper Loaf", "Kneady Friends", "Little Levain", "Morning Rise", "Nutmeg Lane", "Oven Door", "Proof Positive", "Quiet Rye",
            "Rolling Pin Co.", "Sourdough Sisters", "Toasted Corner", "Upper Crust Studio", "Velvet Crumb", "Wheat & Whistle", "Yeast Side", "Zest Patisserie"];
        var answer = "Here are 24 names for a small neighbourhood bakery, from cosy to playful:\n\n" + string.Concat(names.Select((n, i) => $"{i + 1}. {n}\n"));
        AssertNotFlagged(Inspect(answer, "Suggest 24 names for my bakery."));
    }

    [Fact]
    public void A_stream_can_switch_the_near_copy_sign_off()
    {
        var lines = string.Concat(Enumerable.Range(0, 40).Select(i => $"Item {i}: the value of the sensor number {i} was read at noon and stored in the log.\n"));
        var features = Auditor.Detection.Features.FeatureExtractor.Extract(new OutputSample { SampleId = "s", Model = "m", Route = "r", Output = lines });
        Assert.True(Auditor.Detection.Degeneration.DegenerationDetector.Signs(features).NearCopyScore >= 1);
        Assert.Equal(0, Auditor.Detection.Degeneration.DegenerationDetector.Signs(features, new HashSet<string> { "nearCopies" }).NearCopyScore);
    }
}
