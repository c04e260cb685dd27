using System.Globalization;
using System.Text.RegularExpressions;

namespace Auditor.Detection.Rules;

/// <summary>
/// The literal strings a regular expression cannot match without: a set S such that every match contains one string of
/// S. Read from the pattern by a conservative parser of .NET syntax: anything it does not know for certain (a
/// backreference, a conditional, \p{..}, a quantifier it cannot read, free-spacing mode) gives no set, and the rule then
/// always runs. Sound by construction, rule by rule:
/// <list type="bullet">
/// <item>a literal character is required; a class, <c>.</c>, <c>\s</c>-style escapes require nothing; anchors,
/// <c>\b</c> and lookarounds match no text and require nothing;</item>
/// <item>a sequence requires what any one of its parts requires, and the exact strings of a run of parts whose texts
/// are known (<c>I(?:'m| am) sorry</c>: "I'm sorry" or "I am sorry");</item>
/// <item>an alternation requires one of the union of its branches' sets (none when one branch has none);</item>
/// <item>a repetition with a minimum of 0 requires nothing; with a minimum of 1 or more, what its body requires.</item>
/// </list>
/// Case: from the first place the pattern may be case-insensitive (the IgnoreCase option, <c>(?i)</c> or <c>(?i:</c>)
/// to its end, whatever later turns it off, the set is searched ignoring ASCII case, and a non-ASCII literal character
/// there requires nothing. The caller handles the non-ASCII characters the engine folds to ASCII letters (the Kelvin sign).
/// </summary>
internal static class RequiredLiterals
{
    /// <summary>Sets with a string shorter than this are not worth a search: the rule runs.</summary>
    public const int MinLength = 3;

    private const int MaxStrings = 64;
    private const int MaxExactLength = 256;

    /// <summary>The required set and whether it is searched ignoring case; null when none is known for certain.</summary>
    public static (IReadOnlyList<string> Strings, bool IgnoreCase)? Of(string pattern, RegexOptions options)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        const RegexOptions understood = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled
            | RegexOptions.Multiline | RegexOptions.Singleline | RegexOptions.ExplicitCapture | RegexOptions.NonBacktracking;
        // Free spacing changes what the pattern's characters mean; culture-sensitive case folding is not the invariant
        // folding the search relies on; other options are not needed by rules/.
        if ((options & ~understood) != 0 || (options.HasFlag(RegexOptions.IgnoreCase) && !options.HasFlag(RegexOptions.CultureInvariant)))
            return null;
        var parser = new Parser(pattern, options.HasFlag(RegexOptions.IgnoreCase));
        Node root;
        try
        {
            root = parser.ParseAlternation();
            if (parser.Position != pattern.Length)
                return null;
        }
        catch (UnsupportedException)
        {
            return null;
        }
        if (root.Required is not { } required || required.Count == 0 || required.Any(s => s.Length < MinLength))
            return null;
        // A string that contains another of the set adds nothing: each of its occurrences holds the other.
        var distinct = required.Distinct(StringComparer.Ordinal).ToArray();
        var minimal = distinct.Where(s => !distinct.Any(t => t != s && s.Contains(t, StringComparison.Ordinal))).ToArray();
        return (minimal, parser.SawIgnoreCase);
    }

    /// <summary>
    /// What a piece of pattern is known to match: <see cref="Exact"/>, the only texts it can match (null when not known
    /// or too many); <see cref="Required"/>, a set one of which every match contains (null when none).
    /// </summary>
    private sealed record Node(IReadOnlyList<string>? Exact, IReadOnlyList<string>? Required)
    {
        public static readonly Node Empty = new([""], null);
        public static readonly Node Unknown = new(null, null);
    }

    private sealed class UnsupportedException : Exception;

    private sealed class Parser(string pattern, bool ignoreCase)
    {
        public int Position;

        /// <summary>True from the first point the pattern may ignore case (monotone: see the class summary).</summary>
        public bool SawIgnoreCase { get; private set; } = ignoreCase;

        private bool AtEnd => Position >= pattern.Length;

        private char Peek => pattern[Position];

        public Node ParseAlternation()
        {
            var branches = new List<Node> { ParseSequence() };
            while (!AtEnd && Peek == '|')
            {
                Position++;
                branches.Add(ParseSequence());
            }
            if (branches.Count == 1)
                return branches[0];
            var exact = branches.All(b => b.Exact is not null) ? Limit(branches.SelectMany(b => b.Exact!).Distinct(StringComparer.Ordinal).ToList()) : null;
            var required = branches.All(b => Best(b) is not null) ? Limit(branches.SelectMany(b => Best(b)!).Distinct(StringComparer.Ordinal).ToList()) : null;
            return new Node(exact, required);
        }

        private Node ParseSequence()
        {
            var parts = new List<Node>();
            while (!AtEnd && Peek is not ('|' or ')'))
                parts.Add(ParseQuantified(ParseAtom()));
            if (parts.Count == 0)
                return Node.Empty;
            // Candidates: each part's own set, and the exact strings of each run of parts whose texts are known.
            var candidates = parts.Select(p => p.Required).Where(r => r is not null).Cast<IReadOnlyList<string>>().ToList();
            IReadOnlyList<string>? run = null;
            foreach (var part in parts)
            {
                run = part.Exact is null ? null : run is null ? part.Exact : Cross(run, part.Exact);
                if (run is not null && run.All(s => s.Length > 0))
                    candidates.Add(run);
            }
            var exact = run is not null && parts.All(p => p.Exact is not null) ? run : null;
            return new Node(exact, candidates.Count == 0 ? null : candidates.MaxBy(Score));
        }

        // A quantifier after an atom. A minimum of 0 requires nothing; a minimum of 1 or more keeps what the body
        // requires, and a fixed count of a known text ({3}) is that text repeated.
        private Node ParseQuantified(Node atom)
        {
            if (AtEnd)
                return atom;
            int min;
            IReadOnlyList<string>? exact = null;
            switch (Peek)
            {
                case '*' or '?':
                    min = 0;
                    Position++;
                    break;
                case '+':
                    min = 1;
                    Position++;
                    break;
                case '{':
                    if (!TryReadBraces(out min, out var max))
                        throw new UnsupportedException(); // a literal '{' or an unusual form: not read
                    if (min == max && min is >= 1 and <= 8 && atom.Exact is { Count: 1 } single)
                        exact = Limit([string.Concat(Enumerable.Repeat(single[0], min))]);
                    break;
                default:
                    return atom;
            }
            if (!AtEnd && Peek == '?')
                Position++; // lazy: the same texts
            if (!AtEnd && Peek is '*' or '+' or '?' or '{')
                throw new UnsupportedException();
            return min == 0 ? Node.Unknown : new Node(exact, exact is { } e && e.All(x => x.Length > 0) ? e : Best(atom));
        }

        private bool TryReadBraces(out int min, out int max)
        {
            min = max = 0;
            var close = pattern.IndexOf('}', Position);
            if (close < 0)
                return false;
            var body = pattern[(Position + 1)..close];
            var comma = body.IndexOf(',', StringComparison.Ordinal);
            var first = comma < 0 ? body : body[..comma];
            if (!int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out min))
                return false;
            if (comma < 0)
                max = min;
            else if (body.Length == comma + 1)
                max = int.MaxValue;
            else if (!int.TryParse(body[(comma + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out max))
                return false;
            Position = close + 1;
            return true;
        }

        private Node ParseAtom()
        {
            var c = Peek;
            switch (c)
            {
                case '(':
                    return ParseGroup();
                case '[':
                    SkipClass();
                    return Node.Unknown;
                case '.':
                    Position++;
                    return Node.Unknown;
                case '^' or '$':
                    Position++;
                    return Node.Empty;
                case '\\':
                    return ParseEscape();
                case '*' or '+' or '?' or '{' or '}' or ']' or ')':
                    throw new UnsupportedException();
                default:
                    Position++;
                    return Literal(c);
            }
        }

        private Node Literal(char c)
        {
            // Case-insensitive non-ASCII characters fold in ways an ordinal search does not: they require nothing.
            if (SawIgnoreCase && c >= 128)
                return Node.Unknown;
            var s = c.ToString();
            return new Node([s], [s]);
        }

        private Node ParseEscape()
        {
            if (Position + 1 >= pattern.Length)
                throw new UnsupportedException();
            var c = pattern[Position + 1];
            Position += 2;
            switch (c)
            {
                case 'b' or 'B' or 'A' or 'z' or 'Z' or 'G':
                    return Node.Empty;
                case 's' or 'S' or 'd' or 'D' or 'w' or 'W':
                    return Node.Unknown;
                case 't': return Literal('\t');
                case 'n': return Literal('\n');
                case 'r': return Literal('\r');
                case 'f': return Literal('\f');
                case 'v': return Literal('\v');
                case 'e': return Literal('\u001B');
                case 'a': return Literal('\u0007');
                case 'x': return Literal(Hex(2));
                case 'u': return Literal(Hex(4));
                default:
                    // An escaped non-word character is that character; anything else (\p{..}, \k<..>, \1, \0, \c..) is
                    // not read here.
                    if (char.IsAsciiLetterOrDigit(c) || c == '_' || c >= 128)
                        throw new UnsupportedException();
                    return Literal(c);
            }
        }

        private char Hex(int digits)
        {
            if (Position + digits > pattern.Length
                || !int.TryParse(pattern.AsSpan(Position, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            {
                throw new UnsupportedException();
            }
            Position += digits;
            return (char)value;
        }

        // A character class: its extent only (it requires nothing). Nested classes (subtraction) are not read.
        private void SkipClass()
        {
            Position++;
            if (!AtEnd && Peek == '^')
                Position++;
            if (!AtEnd && Peek == ']')
                Position++; // a ']' first in the class is a literal
            while (!AtEnd)
            {
                switch (Peek)
                {
                    case ']':
                        Position++;
                        return;
                    case '[':
                        throw new UnsupportedException();
                    case '\\':
                        if (Position + 1 >= pattern.Length || pattern[Position + 1] is 'p' or 'P')
                            throw new UnsupportedException();
                        Position += 2;
                        break;
                    default:
                        Position++;
                        break;
                }
            }
            throw new UnsupportedException();
        }

        private Node ParseGroup()
        {
            Position++; // '('
            var zeroWidth = false;
            if (!AtEnd && Peek == '?')
            {
                Position++;
                if (AtEnd)
                    throw new UnsupportedException();
                switch (Peek)
                {
                    case ':' or '>':
                        Position++;
                        break;
                    case '=' or '!':
                        Position++;
                        zeroWidth = true;
                        break;
                    case '<' when Position + 1 < pattern.Length && pattern[Position + 1] is '=' or '!':
                        Position += 2;
                        zeroWidth = true;
                        break;
                    case '<' or '\'':
                        SkipGroupName(Peek == '<' ? '>' : '\'');
                        break;
                    default:
                        // Options: (?imnsx-imnsx) for the rest of the enclosing group, or (?imnsx-imnsx:...) for this one.
                        if (ReadOptions())
                            return Node.Empty;
                        break;
                }
            }
            var inner = ParseAlternation();
            if (AtEnd || Peek != ')')
                throw new UnsupportedException();
            Position++;
            return zeroWidth ? Node.Empty : inner;
        }

        private void SkipGroupName(char close)
        {
            var end = pattern.IndexOf(close, Position + 1);
            if (end < 0)
                throw new UnsupportedException();
            var name = pattern.AsSpan(Position + 1, end - Position - 1);
            // (?<name>...) only: a balancing group (?<a-b>...) is not read.
            foreach (var ch in name)
            {
                if (!char.IsAsciiLetterOrDigit(ch) && ch != '_')
                    throw new UnsupportedException();
            }
            Position = end + 1;
        }

        // Returns true for an inline (?flags) switch, false for (?flags: which opens a group.
        private bool ReadOptions()
        {
            var on = true;
            while (!AtEnd)
            {
                var c = Peek;
                Position++;
                switch (c)
                {
                    case '-':
                        on = false;
                        break;
                    case 'i':
                        // Turning it on counts from here to the end; turning it off is ignored (a superset is still sound).
                        if (on)
                            SawIgnoreCase = true;
                        break;
                    case 'm' or 's' or 'n':
                        break;
                    case ')':
                        return true;
                    case ':':
                        return false;
                    default:
                        throw new UnsupportedException(); // x (free spacing) and anything unknown
                }
            }
            throw new UnsupportedException();
        }

        private static IReadOnlyList<string>? Best(Node node) =>
            node.Required ?? (node.Exact is { } e && e.All(s => s.Length > 0) ? e : null);

        private static IReadOnlyList<string>? Cross(IReadOnlyList<string> a, IReadOnlyList<string> b)
        {
            if ((long)a.Count * b.Count > MaxStrings)
                return null;
            var result = new List<string>(a.Count * b.Count);
            foreach (var x in a)
            {
                foreach (var y in b)
                    result.Add(x + y);
            }
            return Limit(result);
        }

        private static IReadOnlyList<string>? Limit(List<string> strings) =>
            strings.Count <= MaxStrings && strings.All(s => s.Length <= MaxExactLength) ? strings : null;

        // A set searched for: the longer its shortest string, the fewer places it occurs; then the fewer strings the better.
        private static double Score(IReadOnlyList<string> set) => set.Count == 0 ? -1 : set.Min(s => s.Length) * 100 - set.Count;
    }
}
