using Auditor.Contracts;

namespace Auditor.Client;

/// <summary>A sample the server refused: over HTTP, every broken contract rule; or why it could not be delivered at all.</summary>
/// <param name="SampleId">The sample's id.</param>
/// <param name="Errors">Every rule the server said the sample breaks.</param>
public sealed record SampleRejection(string? SampleId, IReadOnlyList<ContractViolation> Errors);

/// <summary>A failed attempt to send a batch; the samples in it are retried (or tried on the fallback transport).</summary>
/// <param name="Transport"><c>rabbitmq</c> or <c>http</c>.</param>
/// <param name="Samples">How many samples the attempt held.</param>
/// <param name="Reason">What went wrong, in words.</param>
/// <param name="Exception">The exception, when there was one.</param>
public sealed record DeliveryProblem(string Transport, int Samples, string Reason, Exception? Exception);
