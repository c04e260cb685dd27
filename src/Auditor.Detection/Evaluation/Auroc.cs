namespace Auditor.Detection.Evaluation;

/// <summary>Area under the ROC curve by the rank-sum (Mann-Whitney) statistic, ties counted as one half.</summary>
public static class Auroc
{
    /// <summary>AUROC of <paramref name="scores"/> against 0/1 <paramref name="labels"/>; NaN when one class is missing.</summary>
    public static double Compute(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.Count != labels.Count)
            throw new ArgumentException("scores and labels differ in length", nameof(labels));
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        double positiveRankSum = 0;
        long positives = 0;
        var i = 0;
        while (i < order.Length)
        {
            var j = i;
            while (j < order.Length && scores[order[j]].Equals(scores[order[i]]))
                j++;
            var midRank = (i + 1 + j) / 2.0; // ranks i+1..j share their mean
            for (var k = i; k < j; k++)
            {
                if (labels[order[k]] == 1)
                {
                    positiveRankSum += midRank;
                    positives++;
                }
            }
            i = j;
        }
        long negatives = scores.Count - positives;
        if (positives == 0 || negatives == 0)
            return double.NaN;
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }
}
