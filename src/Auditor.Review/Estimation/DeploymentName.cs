namespace Auditor.Review.Estimation;

/// <summary>
/// How a deployment is named to people. Counters key samples that named no deployment under the empty string; a sentence
/// or a table says "(none named)" for them, so an empty cell is never read as a missing value.
/// </summary>
public static class DeploymentName
{
    public const string NoneNamed = "(none named)";

    public static string Display(string? deployment) => string.IsNullOrEmpty(deployment) ? NoneNamed : deployment;
}
