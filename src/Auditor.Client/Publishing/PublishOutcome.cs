namespace Auditor.Client;

/// <summary>What happened to a sample handed to <see cref="AuditorPublisher.PublishAsync"/>.</summary>
public enum PublishOutcome
{
    /// <summary>In the buffer; it will be sent, confirmed and counted in the background.</summary>
    Buffered,
    /// <summary>Head sampling left it out (counted in <see cref="AuditorPublisherCounters.SampledOut"/>).</summary>
    SampledOut,
    /// <summary>The buffer was full and the mode is <see cref="BufferFullMode.DropAndCount"/> (counted in <see cref="AuditorPublisherCounters.DroppedBufferFull"/>).</summary>
    Dropped,
}
