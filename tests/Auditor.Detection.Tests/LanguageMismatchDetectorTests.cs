using Auditor.Contracts;
using Auditor.Detection.Rules;

namespace Auditor.Detection.Tests;

/// <summary>The language detector through the registry and rules/, with texts written for these tests.</summary>
public class LanguageMismatchDetectorTests
{
    private const string English = "The river that runs past the old mill is wider than it looks from the bridge. In spring the water rises quickly, and the farmers on both banks move their sheep to the higher fields before the rain comes.";
    private const string French = "La rivière qui passe devant le vieux moulin est plus large qu'elle n'en a l'air depuis le pont. Au printemps, l'eau monte vite, et les paysans des deux rives mènent leurs moutons vers les champs plus hauts avant la pluie.";
    private const string German = "Der Fluss, der an der alten Mühle vorbeifließt, ist breiter, als er von der Brücke aus aussieht. Im Frühling steigt das Wasser schnell, und die Bauern an beiden Ufern treiben ihre Schafe auf die höheren Felder, bevor der Regen kommt.";
    private const string Spanish = "El río que pasa junto al viejo molino es más ancho de lo que parece desde el puente. En primavera el agua sube deprisa, y los campesinos de ambas orillas llevan sus ovejas a los campos más altos antes de que llegue la lluvia.";

    private static readonly RuleSet Rules = RulesLoader.Load([("r.yaml", """
        streams:
          - route: "support-fr"
            detectors: { language: { enabled: true, expect: fr } }
          - route: "chat"
            detectors: { language: { enabled: true, signs: { prompt: on } } }
        """)]).RuleSet!;

    private static DetectorResult Language(string route, string output, string? prompt = null) =>
        DetectorRegistry.FromRules(Rules).Inspect(new OutputSample { SampleId = "s", Model = "m", Route = route, Output = output, Prompt = prompt })
            .Results.Single(r => r.Detector == "language");

    [Theory]
    [InlineData(English, "English")]
    [InlineData(German, "German")]
    [InlineData(Spanish, "Spanish")]
    public void Flags_an_answer_in_another_language_than_the_stream_declares(string answer, string language)
    {
        var result = Language("support-fr", answer);
        Assert.True(result.Flagged, result.Explanation);
        Assert.Contains(language, result.Explanation);
        Assert.Contains("French (fr)", result.Explanation);
        Assert.Equal(0, result.Evidence[0].Start);
    }

    [Fact]
    public void Does_not_flag_an_answer_in_the_declared_language() =>
        Assert.False(Language("support-fr", French).Flagged);

    [Fact]
    public void Flags_an_answer_in_another_language_than_the_prompt_when_none_is_declared()
    {
        var result = Language("chat", German, prompt: English + " Why do they move the sheep, and when do they bring them back down?");
        Assert.True(result.Flagged, result.Explanation);
        Assert.Contains("the prompt is in English", result.Explanation);
    }

    [Fact]
    public void Does_not_flag_an_answer_in_the_prompts_language() =>
        Assert.False(Language("chat", Spanish, prompt: Spanish).Flagged);

    [Fact]
    public void Does_not_flag_a_translation_the_prompt_asked_for()
    {
        var result = Language("chat", German, prompt: "Please translate the following paragraph into German, keeping the tone plain and calm: " + English);
        Assert.False(result.Flagged, result.Explanation);
        Assert.Contains("names German", result.Explanation);
    }

    [Fact]
    public void Abstains_on_a_short_answer_and_on_a_short_prompt()
    {
        var shortAnswer = Language("support-fr", "Yes, it works.");
        Assert.True(shortAnswer.Abstained);
        Assert.Contains("letters", shortAnswer.Explanation);

        var shortPrompt = Language("chat", German, prompt: "Why?");
        Assert.True(shortPrompt.Abstained);
    }

    [Fact]
    public void Reads_the_prose_of_an_answer_not_its_code()
    {
        var answer = French + "\n\n```python\nfor sheep in flock:\n    sheep.move_to(field='upper', before='rain', reason='spring flood')\n    print(f'moved {sheep.name} to the upper field')\n```\n";
        Assert.False(Language("support-fr", answer).Flagged);
    }

    [Fact]
    public void Judges_nothing_where_no_language_is_declared_and_refuses_an_unknown_language_code()
    {
        var undeclared = DetectorRegistry.FromRules(RuleSet.Defaults)
            .Inspect(new OutputSample { SampleId = "s", Model = "m", Route = "r", Output = German, Prompt = English }).Results.Single(r => r.Detector == "language");
        Assert.True(undeclared.Abstained);
        Assert.Contains("declares no language", undeclared.Explanation);
        var bad = RulesLoader.Load([("r.yaml", "detectors:\n  language: { enabled: true, expect: xx }\n")]);
        Assert.False(bad.Succeeded);
        Assert.Contains(bad.Errors, e => e.Problem.Contains("'xx'", StringComparison.Ordinal) && e.Line == 2);
    }
}
