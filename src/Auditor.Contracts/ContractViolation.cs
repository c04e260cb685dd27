namespace Auditor.Contracts;

/// <summary>One broken contract rule: the field, a stable rule code (such as <c>occurredAt.future</c>) and a sentence saying what is wrong.</summary>
/// <param name="Field">The camelCase field name, or a JSON path for type errors.</param>
/// <param name="Rule">A stable rule code, documented in docs/contract.md.</param>
/// <param name="Message">What is wrong, in words.</param>
public sealed record ContractViolation(string Field, string Rule, string Message);
