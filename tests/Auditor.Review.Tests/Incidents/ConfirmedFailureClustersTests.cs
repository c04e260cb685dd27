using Auditor.Review.Estimation;
using Auditor.Review.Incidents;

namespace Auditor.Review.Tests.Incidents;

public sealed class ConfirmedFailureClustersTests
{
    private static readonly StreamKey Stream = new("llama", "chat");
    private static readonly DateTimeOffset T = new(2026, 11, 18, 9, 0, 0, TimeSpan.Zero);

    private static ConfirmedFailure F(string id, string category, double hours) => new(id, Stream, category, T.AddHours(hours), T.AddHours(30));

    [Fact]
    public void Three_failures_of_one_category_within_the_window_make_a_cluster_whose_onset_is_the_first()
    {
        var clusters = ConfirmedFailureClusters.Find([F("a", "degeneration", 2), F("b", "degeneration", 5), F("c", "truncation", 6), F("d", "degeneration", 20)], 3, TimeSpan.FromHours(24));

        var cluster = Assert.Single(clusters);
        Assert.Equal("degeneration", cluster.Category);
        Assert.Equal(T.AddHours(2), cluster.Onset);
        Assert.Equal(["a", "b", "d"], cluster.SampleIds);
    }

    [Fact]
    public void Failures_spread_wider_than_the_window_or_across_categories_make_none()
    {
        var clusters = ConfirmedFailureClusters.Find([F("a", "degeneration", 0), F("b", "degeneration", 30), F("c", "degeneration", 60), F("d", "truncation", 1)], 3, TimeSpan.FromHours(24));

        Assert.Empty(clusters);
    }
}
