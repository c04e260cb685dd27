using Auditor.Detection.Evaluation;

namespace Auditor.Detection.Tests;

public class LabelledOutputTests
{
    [Fact]
    public void Reads_rows_with_their_optional_fields_and_skips_blank_lines()
    {
        var jsonl = "{\"id\":\"a\",\"output\":\"Hello.\",\"label\":0,\"model\":\"m\",\"route\":\"r\",\"finishReason\":\"length\",\"completionTokens\":\"7\",\"maxTokens\":7}\n"
            + "\n{\"output\":\"\",\"label\":\"1\",\"source\":\"gpt2-large/beam\"}\n";

        var rows = LabelledOutput.ReadJsonLines(new StringReader(jsonl));

        Assert.Equal(2, rows.Count);
        Assert.Equal(new LabelledOutput { Id = "a", Output = "Hello.", Label = 0, Model = "m", Route = "r", FinishReason = "length", CompletionTokens = 7, MaxTokens = 7 }, rows[0]);
        Assert.Equal(("", 1, "gpt2-large/beam"), (rows[1].Output, rows[1].Label, rows[1].Source));
        Assert.Equal(("corpus", "default", "1"), (rows[1].ToSample(1).Model, rows[1].ToSample(1).Route, rows[1].ToSample(1).SampleId));
    }

    [Fact]
    public void Names_every_bad_line_and_what_is_wrong_with_it()
    {
        var jsonl = "{\"output\":\"fine\",\"label\":1}\n{\"output\":\"x\"}\nnot json\n{\"output\":\"y\",\"label\":2}\n{\"label\":1}\n"
            + "{\"output\":\"z\",\"label\":1,\"completionTokens\":\"many\"}\n{\"output\":5,\"label\":0}\n[1,2]\n";

        var e = Assert.Throws<CorpusFormatException>(() => LabelledOutput.ReadJsonLines(new StringReader(jsonl)));

        Assert.Equal(7, e.Problems.Count);
        Assert.StartsWith("line 2: label is missing", e.Problems[0], StringComparison.Ordinal);
        Assert.StartsWith("line 3: not a JSON object", e.Problems[1], StringComparison.Ordinal);
        Assert.Equal("line 4: label must be 0 or 1, not 2", e.Problems[2]);
        Assert.Equal("line 5: output is missing", e.Problems[3]);
        Assert.Equal("line 6: completionTokens has a value of the wrong type", e.Problems[4]);
        Assert.Equal("line 7: output must be a string, not Number", e.Problems[5]);
        Assert.StartsWith("line 8: not a JSON object", e.Problems[6], StringComparison.Ordinal);
        Assert.StartsWith("7 bad line(s):", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lists_the_first_problems_and_counts_the_rest()
    {
        var jsonl = string.Concat(Enumerable.Repeat("{\"output\":\"x\",\"label\":3}\n", LabelledOutput.MaxListedProblems + 5));

        var e = Assert.Throws<CorpusFormatException>(() => LabelledOutput.ReadJsonLines(new StringReader(jsonl)));

        Assert.Equal(LabelledOutput.MaxListedProblems + 5, e.Problems.Count);
        Assert.EndsWith("... and 5 more", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain($"line {LabelledOutput.MaxListedProblems + 1}:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Labels_may_be_left_out_where_only_outputs_are_needed()
    {
        var rows = LabelledOutput.ReadJsonLines(new StringReader("{\"output\":\"a\"}\n{\"output\":\"b\",\"label\":1}\n"), requireLabels: false);

        Assert.Equal(["a", "b"], rows.Select(r => r.Output));
        Assert.Throws<CorpusFormatException>(() => LabelledOutput.ReadJsonLines(new StringReader("{\"output\":\"a\",\"label\":\"yes\"}\n"), requireLabels: false));
    }
}
