using Auditor.Detection.Rules;

namespace Auditor.Detection.Tests;

public sealed class PerStreamCacheTests
{
    private int _resolved;

    private string Resolve(object source, string model, string route)
    {
        _resolved++;
        return $"{source}:{model}/{route}";
    }

    private string Get(PerStreamCache<string> cache, object source, object? overlay, string model, string route) =>
        cache.Get(source, overlay, model, route, (this, source), static (s, m, r) => s.Item1.Resolve(s.source, m, r));

    [Fact]
    public void Resolves_each_stream_once_while_its_sources_stay_the_same()
    {
        var cache = new PerStreamCache<string>();
        var rules = new object();
        Assert.Equal("System.Object:a/x", Get(cache, rules, null, "a", "x"));
        Get(cache, rules, null, "a", "x");
        Get(cache, rules, null, "b", "x");
        Get(cache, rules, null, "b", "x");
        Assert.Equal(2, _resolved);
    }

    [Fact]
    public void A_replaced_source_or_overlay_starts_over()
    {
        var cache = new PerStreamCache<string>();
        var rules = new object();
        var thresholds = new object();
        Get(cache, rules, thresholds, "a", "x");
        Get(cache, new object(), thresholds, "a", "x");
        Assert.Equal(2, _resolved);
        var newRules = new object();
        Get(cache, newRules, thresholds, "a", "x");
        Get(cache, newRules, new object(), "a", "x");
        Assert.Equal(4, _resolved);
    }

    [Fact]
    public void Holds_at_most_its_bound_of_streams_and_still_answers_past_it()
    {
        var cache = new PerStreamCache<string>();
        var rules = new object();
        for (var i = 0; i < PerStreamCache<string>.MaxStreams + 10; i++)
            Get(cache, rules, null, "m" + i, "r");
        _resolved = 0;
        Assert.Equal("System.Object:m0/r", Get(cache, rules, null, "m0", "r"));
        Assert.Equal(0, _resolved);
        var last = "m" + (PerStreamCache<string>.MaxStreams + 5);
        Assert.Equal($"System.Object:{last}/r", Get(cache, rules, null, last, "r"));
        Get(cache, rules, null, last, "r");
        Assert.Equal(2, _resolved);
    }
}
