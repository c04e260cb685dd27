using Auditor.Server.Auditing;

namespace Auditor.Server.Tests.Pipeline;

public sealed class AckLedgerTests
{
    private const long Limit = 1_000;

    [Fact]
    public void A_whole_batch_finished_in_any_order_is_settled_by_one_multiple_ack_of_its_highest_tag()
    {
        var ledger = new AckLedger(Limit);
        foreach (var tag in new ulong[] { 3, 1, 5, 2, 4 })
            ledger.Finished(tag, now: 0);

        var plan = ledger.Plan(now: 1);

        Assert.Equal(5ul, plan.MultipleUpTo);
        Assert.Equal([1ul, 2, 3, 4, 5], plan.Covered);
        Assert.Empty(plan.Singles);
        Assert.Equal(0, ledger.Waiting);
    }

    [Fact]
    public void A_finished_tag_above_a_delivery_still_in_progress_is_not_acknowledged_until_the_gap_closes()
    {
        var ledger = new AckLedger(Limit);
        ledger.Finished(1, 0);
        ledger.Finished(3, 0);

        var first = ledger.Plan(now: 10);
        Assert.Equal(1ul, first.MultipleUpTo); // 2 is still being consumed: a multiple ack of 3 would settle it
        Assert.Empty(first.Singles);

        ledger.Finished(2, 20);
        var second = ledger.Plan(now: 30);
        Assert.Equal(3ul, second.MultipleUpTo);
        Assert.Equal([2ul, 3], second.Covered);
    }

    [Fact]
    public void A_nacked_tag_is_passed_over_and_never_named_by_a_multiple_ack()
    {
        var ledger = new AckLedger(Limit);
        ledger.Finished(1, 0);
        ledger.Settled(2); // nacked: the broker no longer knows tag 2
        ledger.Finished(3, 0);
        ledger.Settled(4);

        var plan = ledger.Plan(now: 1);

        // 3 is the highest outstanding finished tag; 4 must not be named (the broker closes the channel for an unknown tag).
        Assert.Equal(3ul, plan.MultipleUpTo);
        Assert.Equal([1ul, 3], plan.Covered);

        ledger.Finished(5, 2);
        Assert.Equal(5ul, ledger.Plan(now: 3).MultipleUpTo);
    }

    [Fact]
    public void Nothing_is_acknowledged_that_was_not_finished()
    {
        var ledger = new AckLedger(Limit);
        var plan = ledger.Plan(now: 5_000);
        Assert.Null(plan.MultipleUpTo);
        Assert.Empty(plan.Singles);

        ledger.Finished(2, 0);
        plan = ledger.Plan(now: 10);
        Assert.Null(plan.MultipleUpTo);
        Assert.Empty(plan.Singles);
    }

    [Fact]
    public void A_finished_tag_that_waited_past_the_limit_above_a_gap_is_acknowledged_on_its_own_and_later_passed_over()
    {
        var ledger = new AckLedger(Limit);
        ledger.Finished(2, 0);
        ledger.Finished(3, 500);

        var late = ledger.Plan(now: Limit);
        Assert.Null(late.MultipleUpTo);
        Assert.Equal([2ul], late.Singles); // 3 has not waited long enough yet
        Assert.Equal(1, ledger.Waiting);

        ledger.Finished(1, Limit);
        var plan = ledger.Plan(now: Limit + 1);
        // 1 closes the gap; 2 was acknowledged alone, so the multiple ack names 3, the highest still outstanding.
        Assert.Equal(3ul, plan.MultipleUpTo);
        Assert.Equal([1ul, 3], plan.Covered);
        Assert.Equal(0, ledger.Waiting);
    }

    [Fact]
    public void At_stop_every_finished_tag_is_acknowledged_even_above_a_gap()
    {
        var ledger = new AckLedger(Limit);
        ledger.Finished(2, 10);
        ledger.Finished(3, 10);

        var plan = ledger.Plan(now: long.MaxValue);

        Assert.Null(plan.MultipleUpTo); // 1 is not finished: nothing may name it
        Assert.Equal([2ul, 3], plan.Singles);
        Assert.Equal(0, ledger.Waiting);
    }
}
