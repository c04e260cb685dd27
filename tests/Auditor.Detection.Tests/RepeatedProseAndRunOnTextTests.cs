using System.Text;
using Auditor.Contracts;
using Auditor.Detection.Degeneration;
using Auditor.Detection.Features;
using Auditor.Detection.Length;
using Auditor.Detection.Rules;

namespace Auditor.Detection.Tests;

/// <summary>
/// Issue #14, second round: a paragraph said again word for word, one long sentence three times running, sub-word loops
/// in several places, and run-on into unrelated text (a persona introduction, a scraped page's "See also"), each with
/// the shapes of good answers that must stay unflagged. All examples are written for these tests.
/// </summary>
public class RepeatedProseAndRunOnTextTests
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

    private static Inspection Inspect(string output) =>
        DetectorRegistry.FromRules(Shipped, Baselines).Inspect(new OutputSample { SampleId = "s", Model = "chat", Route = "assist", Output = output });

    private static DetectorResult Result(Inspection inspection, string detector) => inspection.Results.Single(r => r.Detector == detector);

    private static void AssertNotFlagged(Inspection inspection) =>
        Assert.False(inspection.Flagged, string.Join(" | ", inspection.Results.Where(r => r.Flagged).Select(r => $"{r.Detector}: {r.Explanation}")));

    private static DegenerationSigns Signs(string output) => DegenerationDetector.Signs(FeatureExtractor.Extract(new OutputSample { Output = output }));

    private const string Harbour =
        "The old harbour of Kessling was built in the twelfth century, when the river still reached the sea through a wide and shallow delta, and for three hundred years its quays handled most of the salt and timber that left the valley for the southern markets.";
    private const string Guilds =
        "Trade brought the guilds, and the guilds brought rules: every cask was measured at the customs house, every ship paid a mooring fee by the length of its keel, and every dispute went before a court of merchants that met on the first Monday of each month.";
    private const string Silt =
        "The decline came slowly. Silt from the upland farms narrowed the channel a little every winter, larger ships anchored further out, and by the time the railway reached the valley the harbour master was dredging more mud than he was collecting fees.";
    private const string Museum =
        "Today the customs house is a museum, the merchants' court hears weddings instead of disputes, and the only ships in the basin are the painted fishing boats that tourists photograph from the terraces of the cafes along the northern quay.";
    private const string Closing =
        "What remains is a town that still measures itself against the water, even though the water left long ago.";

    [Fact]
    public void Flags_an_essay_that_says_a_paragraph_again_word_for_word()
    {
        var essay = string.Join("\n\n", Harbour, Guilds, Silt, Museum, Guilds, Closing);
        var signs = Signs(essay);
        Assert.True(signs.CopyScore < 1, $"copies {signs.CopyScore}: the paragraph alone must be what is caught");
        Assert.True(signs.RepeatedProseScore >= 1, $"repeated prose {signs.RepeatedProseScore}");
        var result = Result(Inspect(essay), "degeneration");
        Assert.True(result.Flagged, result.Explanation);
        Assert.Contains(result.Evidence, e => e.Start == essay.LastIndexOf(Guilds, StringComparison.Ordinal) && e.Length == Guilds.Length);
    }

    [Fact]
    public void Does_not_flag_an_essay_whose_paragraphs_are_all_different() =>
        AssertNotFlagged(Inspect(string.Join("\n\n", Harbour, Guilds, Silt, Museum, Closing)));

    [Fact]
    public void Flags_one_long_sentence_said_three_times_in_a_row_even_when_the_answer_goes_on()
    {
        const string line = "- \"Measuring Regional Housing Markets\" by A. Lindqvist and M. Okafor, Journal of Urban Economics (2014)";
        var answer = "Here are some references to start from:\n\n- \"Repeat Sales Indices in Practice\" by J. Harlow (2009)\n"
            + line + "\n" + line + "\n" + line + "\n\nGood luck with your thesis, and let me know if you need help with the data.";
        var signs = Signs(answer);
        Assert.True(signs.RepeatedProseScore >= 1, $"repeated prose {signs.RepeatedProseScore}");
        Assert.True(Result(Inspect(answer), "degeneration").Flagged);
    }

    [Fact]
    public void Does_not_flag_a_song_that_sings_one_line_three_times_running()
    {
        const string hook = "We will dance until the morning light\n";
        var song = "(Verse)\nThe city hums a tune beneath the rain,\nThe neon signs are calling out my name,\n\n(Chorus)\n"
            + hook + hook + hook + "And never let the music fade tonight\n\n(Verse)\nYour laughter echoes down the empty street,\n"
            + "The pavement keeps the rhythm of our feet,\n\n(Chorus)\n" + hook + hook + hook + "And never let the music fade tonight\n";
        Assert.Equal(0, Signs(song).RepeatedProseScore);
        AssertNotFlagged(Inspect(song));
    }

    [Fact]
    public void Does_not_flag_code_given_in_two_versions_with_the_same_long_comment()
    {
        const string comment = "    # The scheduler keeps one connection per worker thread, because the driver is not safe to share between threads and reconnecting on every job costs more than the job itself.\n";
        var answer = "For version 2 of the engine:\n\n```python\ndef run(jobs):\n" + comment + "    pool = Pool(size=4)\n    for job in jobs:\n        pool.submit(job)\n```\n\n"
            + "For version 3 the pool takes a timeout:\n\n```python\ndef run(jobs, timeout=30):\n" + comment + "    pool = Pool(size=4, timeout=timeout)\n    for job in jobs:\n        pool.submit(job)\n```\n\n"
            + "The only difference is the timeout argument, which version 3 requires.";
        Assert.Equal(0, Signs(answer).RepeatedProseScore);
        AssertNotFlagged(Inspect(answer));
    }

    [Fact]
    public void Does_not_flag_alternative_methods_that_share_a_long_step()
    {
        const string shared = "2. Open the Settings app, go to Privacy and Security, then Location Services, make sure the switch at the top is on, and scroll down until you find the application that cannot see your position on the map.";
        var answer = "Method 1: reset the permission\n\n1. Close the application completely.\n" + shared + "\n3. Choose Never, then open the application and allow access again when it asks.\n\n"
            + "Method 2: reinstall\n\n1. Delete the application from the home screen.\n" + shared + "\n"
            + "3. Install it again from the store and allow access when it asks.\n\nEither method usually fixes the problem within a minute.";
        Assert.Equal(0, Signs(answer).RepeatedProseScore);
        AssertNotFlagged(Inspect(answer));
    }

    [Fact]
    public void Does_not_flag_a_bibliography_that_cites_a_long_reference_twice()
    {
        const string reference = "* Okafor, M., Lindqvist, A. and Harlow, J. (2014). Measuring regional housing markets with repeat sales and hedonic adjustments: evidence from twelve European capitals. Journal of Urban Economics, 81, pages 112 to 139.";
        var answer = "Sources on index construction:\n\n" + reference + "\n* Case, K. and Shiller, R. (1989). The efficiency of the market for single-family homes.\n\n"
            + "Sources on regional comparisons:\n\n" + reference + "\n* Meese, R. and Wallace, N. (1997). The construction of residential housing price indices.";
        Assert.Equal(0, Signs(answer).RepeatedProseScore);
        AssertNotFlagged(Inspect(answer));
    }

    [Fact]
    public void Does_not_flag_a_padded_markdown_table_with_repeated_rows()
    {
        const string row = "| Pending     | Waiting for a reviewer to approve the change request before it can merge |\n";
        var table = "| Status      | Meaning                                                                   |\n|-------------|---------------------------------------------------------------------------|\n"
            + row + "| Approved    | A reviewer approved the change and the pipeline may deploy it             |\n" + row
            + "| Rejected    | A reviewer asked for changes; the author must push a new revision          |\n";
        AssertNotFlagged(Inspect("The three states a change request goes through:\n\n" + table + "\nA change can go back to Pending after a new revision."));
    }

    [Theory]
    [InlineData("Yes.")]
    [InlineData("hahahahahahaha")]
    [InlineData("Sure! ATATATATATATATAT is a palindromic repeat.")]
    public void Does_not_flag_a_short_answer(string answer)
    {
        var signs = Signs(answer);
        Assert.Equal(0, signs.RepeatedProseScore);
        Assert.Equal(0, signs.SubwordLoopScore);
    }

    [Fact]
    public void Flags_a_subword_loop_that_recurs_in_three_places()
    {
        var answer = new StringBuilder("Three tracks that fit the set:\n\n");
        foreach (var (title, id) in new[] { ("Night Drive", "7pQw"), ("Low Tide", "Qw"), ("Static Bloom", "x9Qw") })
            answer.Append("1. ").Append(title).Append("\nListen here: https://music.example.com/track/").Append(id).Append("QwQwQwQwQwQwQwQwQw\n\n");
        answer.Append("Enjoy the set!");
        var text = answer.ToString();
        var features = FeatureExtractor.Extract(new OutputSample { Output = text });
        Assert.Equal(3, features.SubwordLoopPlaces);
        var result = Result(Inspect(text), "degeneration");
        Assert.True(result.Flagged, result.Explanation);
        Assert.Contains("sub-word loop", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Does_not_flag_one_requested_repeating_sequence_or_a_spaced_chant()
    {
        var answer = "Here is a test sequence with a tandem repeat:\n\nGATCGATCGATCGATCGATCGATCGATCGATC\n\n"
            + "And the chant from the stadium goes: na na na na na na na, hey hey hey hey hey hey, goodbye!\n"
            + "Fans also shout ole ole ole ole ole ole at the end of the match.";
        var features = FeatureExtractor.Extract(new OutputSample { Output = answer });
        Assert.Equal(1, features.SubwordLoopPlaces);
        AssertNotFlagged(Inspect(answer));
    }

    // The scan compares 16 characters at a time: runs that start, end or cross anywhere in a block are found the same.
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(13)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(29)]
    public void Finds_subword_loops_wherever_they_fall_in_a_vector_block(int offset)
    {
        var text = new string('.', offset) + " KjKjKjKjKjKj " + new string('-', 17) + " abcabcabcabcabcabc " + new string(' ', offset % 5) + "wxyzwxyzwxyzwxyzwxyzwxyz";
        var features = FeatureExtractor.Extract(new OutputSample { Output = text });
        Assert.Equal(3, features.SubwordLoopPlaces);
        Assert.Equal(offset + 1, features.SubwordLoopStart);
        Assert.Equal(12, features.SubwordLoopLength);
    }

    [Theory]
    [InlineData("KjKjKjKjKjKj", 1)]
    [InlineData("xKjKjKjKjKjKj", 1)]
    [InlineData("abcdabcdabcdabcdabcdabcd", 1)]
    [InlineData("KjKjKjKjKjKj abcabcabcabcabcabc wxyzwxyzwxyzwxyzwxyzwxyz", 3)]
    public void Finds_subword_loops_at_the_very_end_of_short_texts(string text, int places) =>
        Assert.Equal(places, FeatureExtractor.Extract(new OutputSample { Output = text }).SubwordLoopPlaces);

    [Fact]
    public void Does_not_count_a_run_one_repeat_short()
    {
        var text = "KjKjKjKjKj abcabcabcabcabc wxyzwxyzwxyzwxyzwxyz";
        Assert.Equal(0, FeatureExtractor.Extract(new OutputSample { Output = text }).SubwordLoopPlaces);
    }

    [Fact]
    public void Flags_a_persona_introduction_where_the_answer_belongs()
    {
        var answer = "Hi, I'm the Gardenbot Assistant. You can ask me about plants and I'll help you to grow them.\n"
            + "How often should I water a cactus?\nHello! Cacti need water about once every two weeks in summer.";
        var result = Result(Inspect(answer), "rules");
        Assert.True(result.Flagged, result.Explanation);
        Assert.Contains(result.Evidence, e => e.Note.Contains("persona-introduction", StringComparison.Ordinal));
    }

    [Fact]
    public void Flags_a_see_also_section_after_a_one_line_answer()
    {
        var answer = "The capital of Australia is Canberra.\n\n## See also\n\n* List of capitals in Oceania\n* Australian Capital Territory\n\n## External links\n\n* Official website";
        var result = Result(Inspect(answer), "rules");
        Assert.True(result.Flagged, result.Explanation);
        Assert.Contains(result.Evidence, e => e.Note.Contains("wiki-end-matter", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Hello! I'm your virtual assistant. How can I help you today?")]
    [InlineData("Hi, I am an AI assistant, so I cannot browse the web, but here is what I know about the topic.")]
    [InlineData("The essay argues that cities shape their rivers as much as rivers shape cities.\n\n## Further reading\n\n* Kostof, The City Shaped\n\n## References\n\n1. Mumford, The City in History")]
    [InlineData("To see also how the index behaves, plot it against the median price.")]
    public void Does_not_flag_a_requested_greeting_a_disclaimer_or_an_essays_reading_list(string answer) =>
        Assert.False(Result(Inspect(answer), "rules").Flagged);

    [Fact]
    public void Streams_can_switch_the_new_signs_off()
    {
        var essay = string.Join("\n\n", Harbour, Guilds, Silt, Museum, Guilds, Closing);
        var features = FeatureExtractor.Extract(new OutputSample { Output = essay });
        Assert.True(DegenerationDetector.Signs(features).Score >= 1);
        var off = DegenerationDetector.Signs(features, new HashSet<string> { "repeatedProse" });
        Assert.Equal(0, off.RepeatedProseScore);
        Assert.True(off.Score < 1, $"score {off.Score}");
        Assert.Contains("repeatedProse", DegenerationDetector.SignNames);
        Assert.Contains("subwordLoops", DegenerationDetector.SignNames);
    }
}
