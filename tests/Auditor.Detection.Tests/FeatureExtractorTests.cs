using System.Text.Json;
using System.Text.Json.Nodes;
using Auditor.Detection.Features;
using static Auditor.Detection.Tests.DetectorTestKit;

namespace Auditor.Detection.Tests;

public class FeatureExtractorTests
{
    [Fact]
    public void Counts_words_lines_and_visible_characters()
    {
        var f = FeatureExtractor.Extract(Sample("  Hello, world!\nBye.  "));
        Assert.Equal(6, f.WordCount); // Hello , world ! Bye .
        Assert.Equal(2, f.LineCount);
        Assert.Equal(2, f.FirstNonWhitespace);
        Assert.Equal(19, f.LastNonWhitespace);
        Assert.Equal(16, f.NonWhitespaceChars);
    }

    [Fact]
    public void Finds_the_trailing_loop_with_its_smallest_period()
    {
        var head = "A perfectly ordinary opening sentence. ";
        var output = head + string.Concat(Enumerable.Repeat("ab cd ", 40));
        var f = FeatureExtractor.Extract(Sample(output));
        Assert.Equal(6, f.TrailingLoopPeriod);
        Assert.Equal(output.Length, f.TrailingLoopStart + f.TrailingLoopLength);
        Assert.InRange(f.TrailingLoopStart, head.Length - 6, head.Length);
        Assert.Equal(2, f.TrailingLoopPeriodWords);
        Assert.True(f.SeqRep4 > 0.9);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(9)]
    [InlineData(30)]
    public void Finds_the_smallest_period_of_a_trailing_loop_in_characters_and_in_words(int unitWords)
    {
        // Distinct words, so the unit itself has no shorter period: the loop's period is the unit, whatever multiple of
        // it the parse first finds.
        var unit = string.Concat(Enumerable.Range(0, unitWords).Select(k => $"word{(char)('a' + k % 26)}{(char)('a' + k / 26)} "));
        var output = "An opening sentence that is not repeated. " + string.Concat(Enumerable.Repeat(unit, 6));
        var f = FeatureExtractor.Extract(Sample(output));
        Assert.Equal(unit.Length, f.TrailingLoopPeriod);
        Assert.Equal(output.Length, f.TrailingLoopStart + f.TrailingLoopLength);
        Assert.Equal(unitWords, f.TrailingLoopPeriodWords);
        Assert.True(f.TrailingLoopWords >= 6 * unitWords);
    }

    [Fact]
    public void Reports_no_repetition_in_text_that_does_not_repeat()
    {
        var f = FeatureExtractor.Extract(Sample("The quick brown fox jumps over the lazy dog while seven zebras quietly graze nearby."));
        Assert.Equal(0, f.TrailingLoopLength);
        Assert.Equal(0, f.RepeatedShare);
        Assert.Equal(0, f.SeqRep4);
    }

    [Fact]
    public void Counts_scripts_and_broken_characters()
    {
        var f = FeatureExtractor.Extract(Sample("Привет мир hello \uFFFD 你好\u0001"));
        Assert.Equal(9, f.CyrillicLetters);
        Assert.Equal(5, f.LatinLetters);
        Assert.Equal(2, f.CjkChars);
        Assert.Equal(1, f.ReplacementChars);
        Assert.Equal(1, f.ControlChars);
        Assert.True(f.ScriptMix > 0.4);
    }

    [Fact]
    public void Finds_template_tokens_that_start_with_a_letter()
    {
        var tokens = new TemplateTokenSet(["END_OF_TURN", "<|im_end|>"]);
        var output = "The answer is 42.END_OF_TURN user: next question";
        var f = FeatureExtractor.Extract(Sample(output), tokens);
        Assert.Equal(1, f.TemplateTokenHits);
        Assert.Equal("END_OF_TURN", output.Substring(f.FirstTemplateTokenStart, f.FirstTemplateTokenLength));
        Assert.Equal(FeatureExtractor.Extract(Sample(output), new TemplateTokenSet([])).WordCount, f.WordCount);
    }

    [Fact]
    public void Finds_the_first_end_of_sequence_token_in_utf16_offsets_after_non_ascii_text()
    {
        // Cyrillic, Han and an emoji (a surrogate pair: two UTF-16 characters) before the tokens; a start token first,
        // which is a template token but does not end a sequence.
        var head = "<|im_start|>assistant\nПривет, 世界! 👋 Voilà.";
        var after = "\n<|im_start|>user\nEt après ?";
        var output = head + "<|im_end|>" + after + " \n\t";
        var f = FeatureExtractor.Extract(Sample(output));
        Assert.Equal(3, f.TemplateTokenHits);
        Assert.Equal(0, f.FirstTemplateTokenStart);
        Assert.Equal(head.Length, f.EndOfSequenceTokenStart);
        Assert.Equal("<|im_end|>", output.Substring(f.EndOfSequenceTokenStart, f.EndOfSequenceTokenLength));
        Assert.Equal(after.TrimStart().Length, f.RunOnChars); // the newline the template puts after its token is not run-on text
        Assert.Equal(output.Length - " \n\t".Length - 1, f.LastNonWhitespace);
    }

    [Fact]
    public void Has_no_run_on_without_an_end_of_sequence_token_or_with_only_white_space_after_it()
    {
        var none = FeatureExtractor.Extract(Sample("Plain text, no tokens."));
        Assert.Equal((-1, 0, 0), (none.EndOfSequenceTokenStart, none.EndOfSequenceTokenLength, none.RunOnChars));
        var trailing = FeatureExtractor.Extract(Sample("Всё готово.<|eot_id|>\n\n"));
        Assert.Equal((11, 10, 0), (trailing.EndOfSequenceTokenStart, trailing.EndOfSequenceTokenLength, trailing.RunOnChars));
    }

    [Fact]
    public void Gives_the_same_features_whatever_was_extracted_before_on_the_thread()
    {
        // Scratch tables are reused without clearing (stamps and epochs): earlier outputs must not leak into later ones.
        var a = Sample("The cat sat on the mat. The cat sat on the mat. The cat sat on the mat. The dog did not.");
        var b = Sample(string.Concat(Enumerable.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 50)));
        var first = FeatureExtractor.Extract(a);
        FeatureExtractor.Extract(b);
        var again = FeatureExtractor.Extract(a);
        Assert.Equal(first, again);
    }

    [Fact]
    public void Serialises_as_a_flat_camel_case_record_with_a_stable_numeric_vector()
    {
        var f = FeatureExtractor.Extract(Sample("Yes."));
        var json = JsonSerializer.Serialize(f, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        using var doc = JsonDocument.Parse(json);
        Assert.All(doc.RootElement.EnumerateObject(), p => Assert.NotEqual(JsonValueKind.Object, p.Value.ValueKind));
        Assert.True(doc.RootElement.TryGetProperty("seqRep4", out _));
        Assert.False(doc.RootElement.TryGetProperty("isBlank", out _));
        Assert.Equal(f, JsonSerializer.Deserialize<OutputFeatures>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
        Assert.Equal(OutputFeatures.VectorNames.Count, f.ToVector().Length);
        Assert.Equal(OutputFeatures.VectorNames.Count, OutputFeatures.VectorNames.Distinct().Count());
    }

    [Fact]
    public void Reads_features_stored_before_the_run_on_fields_as_having_no_end_of_sequence_token()
    {
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var f = FeatureExtractor.Extract(Sample("def f():\n    return 1\n<|endoftext|>import os\nimport sys\n"));
        Assert.True(f.RunOnChars > 0);
        var stored = JsonNode.Parse(JsonSerializer.Serialize(f, web))!.AsObject();
        Assert.Equal(f.RunOnChars, (int)stored["runOnChars"]!);
        foreach (var added in new[] { "endOfSequenceTokenStart", "endOfSequenceTokenLength", "runOnChars" })
            Assert.True(stored.Remove(added), added);

        var old = JsonSerializer.Deserialize<OutputFeatures>(stored.ToJsonString(), web)!;

        Assert.Equal(f with { EndOfSequenceTokenStart = -1, EndOfSequenceTokenLength = 0, RunOnChars = 0 }, old);
        Assert.Equal(f.ToVector(), old.ToVector());
    }

    [Fact]
    public void Reads_features_stored_before_the_punctuation_only_field_as_not_punctuation_only()
    {
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var f = FeatureExtractor.Extract(Sample(" ... "));
        Assert.True(f.SentencePunctuationOnly);
        var stored = JsonNode.Parse(JsonSerializer.Serialize(f, web))!.AsObject();
        Assert.True(stored.Remove("sentencePunctuationOnly"));

        var old = JsonSerializer.Deserialize<OutputFeatures>(stored.ToJsonString(), web)!;

        Assert.Equal(f with { SentencePunctuationOnly = false }, old);
    }

    [Theory]
    [InlineData(".", true)]
    [InlineData(" -- \n", true)]
    [InlineData("¿?", true)]
    [InlineData("…", true)]
    [InlineData("。", true)]
    [InlineData("#", false)]       // marks that work as symbols can be a whole answer ("Which character starts a comment?")
    [InlineData("@", false)]
    [InlineData("/", false)]
    [InlineData(".a", false)]      // a letter
    [InlineData("., 7", false)]    // a digit
    [InlineData("(.)", false)]     // brackets
    [InlineData("'.'", false)]     // quotes
    [InlineData("+", false)]       // a symbol
    [InlineData("", false)]
    [InlineData(" \t", false)]
    public void Sentence_punctuation_only_means_visible_marks_that_end_pause_or_join_sentences(string output, bool expected) =>
        Assert.Equal(expected, FeatureExtractor.Extract(Sample(output)).SentencePunctuationOnly);
}
