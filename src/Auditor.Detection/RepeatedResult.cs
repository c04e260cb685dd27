namespace Auditor.Detection;

/// <summary>
/// The verdict a detector gives almost every output (a score of 0, no evidence, a fixed sentence), made once and handed
/// out again while the threshold and the sentence stay the same, instead of allocated per output: the detectors run on
/// every sample, and these objects were most of what they allocated. A <see cref="DetectorResult"/> is immutable, so a
/// reader cannot tell a shared one from a new one. The last one made is kept (a stream's threshold changes rarely);
/// threads that race only make one more.
/// </summary>
internal sealed class RepeatedResult(string detector)
{
    private DetectorResult? _last;

    /// <summary>The result (detector, 0, <paramref name="threshold"/>, <paramref name="flagged"/>, no evidence, <paramref name="explanation"/>).</summary>
    /// <param name="explanation">A string constant (compared by reference: a formatted sentence would never be reused).</param>
    public DetectorResult Get(double threshold, bool flagged, string explanation)
    {
        var last = Volatile.Read(ref _last);
        // Bits, not ==: a threshold of -0.0 is written differently from 0.0.
        if (last is not null && BitConverter.DoubleToInt64Bits(last.Threshold) == BitConverter.DoubleToInt64Bits(threshold)
            && last.Flagged == flagged && ReferenceEquals(last.Explanation, explanation))
            return last;
        var made = new DetectorResult(detector, 0, threshold, flagged, [], explanation);
        Volatile.Write(ref _last, made);
        return made;
    }
}
