namespace Auditor.Storage.Samples;

/// <summary>
/// Words and phrases to find in stored outputs, as a reviewer types them: bare words, and "quoted phrases" whose words
/// must follow one another. Every term must be found (AND). Each term goes to the database as a parameter and is split
/// into words by that database's own parser (PostgreSQL's 'simple' text search configuration, SQLite FTS5 unicode61),
/// the same one that built its index, so a term matches exactly the way the stored text was indexed.
/// </summary>
public sealed record SampleTextQuery(IReadOnlyList<string> Terms)
{
    /// <summary>How much of each output is indexed and searched (migration 0012 holds the same figure).</summary>
    public const int IndexedChars = 100_000;

    public const int MaxTerms = 8, MaxLength = 500;

    /// <summary>
    /// Parses a search box. Null when nothing searchable is left (blank, or only punctuation); <paramref name="problem"/>
    /// says what is wrong with text that cannot be searched at all (too long, NUL, a lone surrogate).
    /// </summary>
    public static SampleTextQuery? Parse(string? text, out string? problem)
    {
        problem = TextProblem("q", text, MaxLength);
        if (problem is not null || string.IsNullOrWhiteSpace(text))
            return null;
        var terms = new List<string>();
        var i = 0;
        while (i < text.Length && terms.Count < MaxTerms)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }
            string term;
            if (text[i] == '"')
            {
                var close = text.IndexOf('"', i + 1);
                var end = close < 0 ? text.Length : close;
                term = text[(i + 1)..end];
                i = end + 1;
            }
            else
            {
                var end = i;
                while (end < text.Length && !char.IsWhiteSpace(text[end]) && text[end] != '"')
                    end++;
                term = text[i..end];
                i = end;
            }
            // A term without a letter or digit has no word to find (both parsers drop punctuation).
            term = term.Trim();
            if (term.Any(char.IsLetterOrDigit))
                terms.Add(term);
        }
        return terms.Count == 0 ? null : new SampleTextQuery(terms);
    }

    /// <summary>The FTS5 MATCH expression: each term a quoted phrase (a quote inside doubled), all of them required.</summary>
    public string Fts5Match() => string.Join(' ', Terms.Select(t => "\"" + t.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));

    /// <summary>
    /// What makes a filter value unusable as a query parameter, or null: longer than <paramref name="maxLength"/>, a NUL
    /// (PostgreSQL text cannot hold one) or a lone surrogate (not encodable as UTF-8).
    /// </summary>
    public static string? TextProblem(string name, string? value, int maxLength = 1000)
    {
        if (value is null)
            return null;
        if (value.Length > maxLength)
            return $"{name} is longer than {maxLength} characters.";
        if (value.Contains('\0', StringComparison.Ordinal))
            return $"{name} contains a NUL character.";
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                i++;
            else if (char.IsSurrogate(value[i]))
                return $"{name} contains a lone surrogate (not valid Unicode).";
        }
        return null;
    }
}
