using Auditor.Contracts;

namespace Auditor.Server.Auditing;

/// <summary>A sample as it arrived, with a way to get its exact payload should it have to be kept as rejected.</summary>
public sealed record IncomingSample(OutputSample Sample, Func<string> Payload);
