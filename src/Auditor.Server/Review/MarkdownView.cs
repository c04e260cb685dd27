using Markdig;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Auditor.Server.Review;

/// <summary>
/// A model output rendered as markdown for the reviewer's "rendered" view. Model output is hostile, so: raw HTML in it is
/// written as text (<c>DisableHtml</c>), every text run is HTML-encoded by Markdig's renderer, a link whose address is
/// not http(s), mailto or a relative one is dropped to its text (no <c>javascript:</c> or <c>data:</c> address survives),
/// and images become links (nothing is fetched while a reviewer reads). The page's Content-Security-Policy (no inline
/// script, images from this origin only) stands behind all of it.
/// </summary>
public static class MarkdownView
{
    /// <summary>Outputs longer than this are not rendered (the raw view still shows them): a reviewer reads them raw anyway.</summary>
    public const int MaxChars = 200_000;

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseTaskLists()
        .UseAutoLinks()
        .DisableHtml()
        .Build();

    /// <summary>
    /// The HTML of the rendered output, or null when there is nothing to render: the output is too long, or it holds no
    /// markdown at all (plain paragraphs of text read the same raw, so the page offers no toggle).
    /// </summary>
    public static string? Render(string output)
    {
        if (output.Length > MaxChars)
            return null;
        var document = Markdown.Parse(output, Pipeline);
        if (IsPlainText(document))
            return null;
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            if (!IsSafe(link.Url))
                Unwrap(link);
            else
            {
                link.IsImage = false;
                link.GetAttributes().AddPropertyIfNotExist("rel", "nofollow noopener noreferrer");
            }
        }
        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            if (!IsSafe(autolink.Url))
                autolink.ReplaceBy(new LiteralInline(autolink.Url));
        }
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }

    private static bool IsPlainText(MarkdownDocument document) =>
        document.All(block => block is ParagraphBlock) &&
        document.Descendants<Inline>().All(inline => inline is LiteralInline or LineBreakInline);

    /// <summary>http, https and mailto addresses, and relative ones (no scheme at all); nothing else.</summary>
    public static bool IsSafe(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
            return false;
        var trimmed = url.Trim();
        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        var firstSeparator = trimmed.IndexOfAny(['/', '?', '#']);
        if (colon < 0 || (firstSeparator >= 0 && firstSeparator < colon))
            return !trimmed.StartsWith("//", StringComparison.Ordinal); // relative; a protocol-relative address leaves the site
        var scheme = trimmed[..colon];
        return scheme.Equals("http", StringComparison.OrdinalIgnoreCase) || scheme.Equals("https", StringComparison.OrdinalIgnoreCase)
            || scheme.Equals("mailto", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Replaces a link by its content (the label text stays, the address goes).</summary>
    private static void Unwrap(LinkInline link)
    {
        var parent = link.Parent;
        if (parent is null)
            return;
        var children = link.ToList();
        foreach (var child in children)
        {
            child.Remove();
            link.InsertBefore(child);
        }
        link.Remove();
    }
}
