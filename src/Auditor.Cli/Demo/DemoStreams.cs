using System.Text;
using Auditor.Contracts;

namespace Auditor.Cli.Demo;

/// <summary>
/// Generated, varied traffic for a few streams of an imaginary parcel company (no copied corpora): answers assembled
/// from phrase pools with random names, numbers and orders, so no two outputs are alike and lengths vary naturally.
/// </summary>
public sealed class DemoStreams(Random random)
{
    public sealed record Stream(string Model, string Route, string Deployment, int MaxTokens, Func<Random, (string Prompt, string Output)> Generate);

    private static readonly string[] Cities = ["Lyon", "Porto", "Gdansk", "Leeds", "Graz", "Utrecht", "Aarhus", "Bilbao", "Turin", "Brno"];
    private static readonly string[] Items = ["desk lamp", "pair of trainers", "coffee grinder", "phone case", "winter jacket", "set of pans", "bike helmet", "monitor stand", "board game", "rug"];
    private static readonly string[] Names = ["Ana", "Tomás", "Ingrid", "Kofi", "Mei", "Luca", "Priya", "Jonas", "Amira", "Olek"];
    private static readonly string[] Openers = ["Thanks for getting in touch.", "Sorry for the trouble with your parcel.", "Good question.", "I checked your order.", "Happy to help."];
    private static readonly string[] Facts =
    [
        "Parcels held at the {city} depot leave on the next working day once the address is confirmed.",
        "Express parcels booked before noon are sorted first and go out on the morning van.",
        "A redelivery can be booked on the tracking page up to 10 pm the day before.",
        "Returns are free within 30 days; print the label from your account and drop the {item} at any pick-up point.",
        "Refunds reach the original card within {n} working days after the return is scanned.",
        "If the {item} arrived damaged, send two photos and the box label and we replace it without a return.",
        "Sunday delivery is offered only in the centre of {city} for express parcels.",
        "The driver leaves a card with a code; the parcel waits at the nearest pick-up point for {n} days.",
        "Address changes are possible until the parcel reaches the {city} hub.",
        "Customs fees for parcels from outside the EU are shown on the tracking page before delivery.",
    ];
    private static readonly string[] Closers = ["Anything else I can do?", "Let me know if it does not arrive by Friday.", "Your reference is {ref}.", "", "Have a good day."];
    private static readonly string[] Questions =
    [
        "Where is my {item}? It was due on Tuesday.", "Can I change the delivery address for order {ref}?", "How do I return a {item}?",
        "My {item} arrived broken, what now?", "When will my refund arrive?", "Do you deliver on Sundays in {city}?", "Why is my parcel held at the depot?",
    ];
    private static readonly string[] Issues = ["was charged twice", "cannot log in after the update", "received the wrong {item}", "wants to cancel order {ref}", "reports a late delivery to {city}", "asks for an invoice copy"];
    private static readonly string[] Tables = ["orders", "parcels", "returns", "customers", "refunds"];

    public IReadOnlyList<Stream> Normal { get; } =
    [
        new("qwen2.5-7b-instruct", "support/answer", "h100-fp8", 512, SupportAnswer),
        new("mistral-7b-instruct", "summaries/ticket", "a10-awq", 200, TicketSummary),
        new("llama-3.1-8b-instruct", "sql/generate", "l4-int8", 256, SqlQuery),
    ];

    /// <summary>The same support stream from the new deployment: after the incident starts, a share of answers loop until the token limit.</summary>
    public static Stream Regressed { get; } = new("qwen2.5-7b-instruct", "support/answer", "h100-fp8-v2", 512, SupportAnswer);

    public OutputSample Sample(Stream stream, DateTimeOffset at, bool failing)
    {
        var (prompt, output) = stream.Generate(random);
        var tokens = Math.Max(1, output.Length / 4);
        var finish = FinishReasons.Stop;
        if (failing)
        {
            // The silent failure: the new build loops on a sentence until it hits max_tokens. The server says 200 OK.
            var loop = Fill(random, Facts[random.Next(Facts.Length)]) + " ";
            var text = new StringBuilder(Fill(random, Openers[random.Next(Openers.Length)])).Append(' ');
            while (text.Length < stream.MaxTokens * 4)
                text.Append(loop);
            output = text.ToString(0, stream.MaxTokens * 4);
            tokens = stream.MaxTokens;
            finish = FinishReasons.Length;
        }
        return new OutputSample
        {
            SampleId = $"demo-{Guid.CreateVersion7():N}",
            OccurredAt = at,
            Model = stream.Model,
            Route = stream.Route,
            Deployment = stream.Deployment,
            Prompt = prompt,
            Output = output,
            FinishReason = finish,
            PromptTokens = prompt.Length / 4 + 20,
            CompletionTokens = tokens,
            MaxTokens = stream.MaxTokens,
            LatencyMs = Math.Round(80 + tokens * (failing ? 22 : 18) * (0.8 + random.NextDouble() * 0.4)),
            TimeToFirstTokenMs = Math.Round(40 + random.NextDouble() * 120),
        };
    }

    private static (string, string) SupportAnswer(Random r)
    {
        var text = new StringBuilder(Fill(r, Openers[r.Next(Openers.Length)]));
        var facts = 1 + r.Next(3);
        foreach (var i in Enumerable.Range(0, Facts.Length).OrderBy(_ => r.Next()).Take(facts))
            text.Append(' ').Append(Fill(r, Facts[i]));
        if (Fill(r, Closers[r.Next(Closers.Length)]) is { Length: > 0 } closer)
            text.Append(' ').Append(closer);
        return (Fill(r, Questions[r.Next(Questions.Length)]), text.ToString());
    }

    private static (string, string) TicketSummary(Random r)
    {
        var name = Names[r.Next(Names.Length)];
        var issue = Fill(r, Issues[r.Next(Issues.Length)]);
        var prompt = $"Summarise this ticket: {name} writes that they {issue}. {Fill(r, Questions[r.Next(Questions.Length)])}";
        var output = r.Next(3) switch
        {
            0 => $"{name} {issue}; needs a reply today.",
            1 => $"Customer ({name}) {issue}. Suggested action: {(r.Next(2) == 0 ? "refund" : "escalate to the depot team")}.",
            _ => $"- who: {name}\n- issue: {issue}\n- priority: {(r.Next(4) == 0 ? "high" : "normal")}",
        };
        return (prompt, output);
    }

    private static (string, string) SqlQuery(Random r)
    {
        var table = Tables[r.Next(Tables.Length)];
        var days = 1 + r.Next(60);
        var prompt = $"Write SQL: {table} from the last {days} days in {Cities[r.Next(Cities.Length)]}";
        var output = r.Next(2) == 0
            ? $"SELECT *\nFROM {table}\nWHERE created_at > now() - interval '{days} days'\n  AND city = '{Cities[r.Next(Cities.Length)]}';"
            : $"SELECT city, COUNT(*) AS n\nFROM {table}\nWHERE created_at > now() - interval '{days} days'\nGROUP BY city\nORDER BY n DESC\nLIMIT {5 + r.Next(20)};";
        return (prompt, output);
    }

    private static string Fill(Random r, string template) => template
        .Replace("{city}", Cities[r.Next(Cities.Length)])
        .Replace("{item}", Items[r.Next(Items.Length)])
        .Replace("{n}", (2 + r.Next(12)).ToString())
        .Replace("{ref}", $"{(char)('A' + r.Next(26))}{r.Next(100_000, 999_999)}");
}
