using System.Data.Common;

namespace Auditor.Server.Pipeline;

/// <summary>Which failures of a batch are an outage to wait out (and retry) rather than a fault of the batch.</summary>
public static class PipelineFailures
{
    /// <summary>The database could not be reached or did not answer in time: retried with backoff on every intake path.</summary>
    public static bool IsTransient(Exception exception) => exception is DbException or TimeoutException;
}
