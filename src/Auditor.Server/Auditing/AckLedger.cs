namespace Auditor.Server.Auditing;

/// <summary>
/// Which acknowledgements one channel may send for the deliveries its consumer has finished, so that a whole batch is
/// settled by one <c>basic.ack</c> with <c>multiple</c> set instead of one per message. Delivery tags of a channel are
/// 1, 2, 3, ... in delivery order; a multiple ack of tag T settles every delivery up to T still outstanding, so it is
/// planned only when every tag from the lowest unsettled one up to T is finished (acknowledgeable, or already settled
/// one by one, e.g. a nack). T itself must still be outstanding (the broker closes the channel for an unknown tag), so it
/// is the highest acknowledgeable tag of that run. A finished tag above a gap (a delivery still being consumed, as in
/// another concurrent batch) waits for the gap; after <c>stragglerLimit</c> it is acknowledged on its own, so a delivery
/// that is never finished costs single acks, never a stalled consumer. Times are timestamps (TimeProvider.GetTimestamp,
/// <c>stragglerTicks</c> in the same unit). Not thread-safe: the caller locks.
/// </summary>
public sealed class AckLedger(long stragglerTicks)
{
    // Lowest tag not yet settled: every tag below it has been acknowledged (multiple or single) or nacked.
    private ulong _floor = 1;
    private readonly Dictionary<ulong, long> _finished = []; // tag -> when it was finished (timestamp ticks)
    private readonly HashSet<ulong> _settled = [];                   // tags at or above the floor settled one by one

    public int Waiting => _finished.Count;

    /// <summary>The consumer is done with this delivery: it may be acknowledged.</summary>
    public void Finished(ulong tag, long now)
    {
        if (tag >= _floor)
            _finished[tag] = now;
    }

    /// <summary>This delivery was settled on its own (nack, or a single ack sent by <see cref="Plan"/>).</summary>
    public void Settled(ulong tag)
    {
        _finished.Remove(tag);
        if (tag == _floor)
            AdvanceFloor();
        else if (tag > _floor)
            _settled.Add(tag);
    }

    /// <summary>
    /// What to send now: one multiple ack (its tag, or null) covering the run of finished tags from the floor, then
    /// single acks for finished tags that waited past the limit above a gap. Marks them all as settled.
    /// </summary>
    public AckPlan Plan(long now)
    {
        ulong? multiple = null;
        var covered = new List<ulong>();
        while (true)
        {
            if (_finished.Remove(_floor))
            {
                multiple = _floor;
                covered.Add(_floor);
            }
            else if (!_settled.Remove(_floor))
            {
                break;
            }
            _floor++;
        }
        List<ulong>? singles = null;
        foreach (var (tag, at) in _finished)
        {
            if (now - at >= stragglerTicks)
                (singles ??= []).Add(tag);
        }
        if (singles is not null)
        {
            singles.Sort();
            foreach (var tag in singles)
                Settled(tag);
        }
        return new AckPlan(multiple, covered, singles ?? []);
    }

    private void AdvanceFloor()
    {
        _floor++;
        while (_settled.Remove(_floor))
            _floor++;
    }
}

/// <param name="MultipleUpTo">Send <c>basic.ack(MultipleUpTo, multiple: true)</c> first, when set.</param>
/// <param name="Covered">The finished tags that ack settles.</param>
/// <param name="Singles">Then one <c>basic.ack(tag, multiple: false)</c> each.</param>
public sealed record AckPlan(ulong? MultipleUpTo, IReadOnlyList<ulong> Covered, IReadOnlyList<ulong> Singles);
