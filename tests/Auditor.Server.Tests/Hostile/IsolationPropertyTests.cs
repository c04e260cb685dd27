using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Auditor.Testing;
using CsCheck;

namespace Auditor.Server.Tests.Hostile;

/// <summary>
/// Property: whatever strings and numbers a publisher puts in a sample's fields, POST /api/v1/samples never answers
/// 500, and every record is either counted once or in rejected_samples with the rules it was answered with; never
/// both, never neither.
/// </summary>
public sealed class IsolationPropertyTests : IAsyncLifetime
{
    private readonly AuditorApp _app = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    // Characters that break stores and parsers, beside ordinary ones: NUL, lone and paired surrogates, controls, quotes.
    private const string Alphabet = "aZ9 é\0\u0001\u001f\ud800\udbff\udc00\udfff\ud83d\ude00\"\\\n\u2028\uFFFD";

    private static readonly string[] StringFields = ["sampleId", "model", "route", "deployment", "prompt", "output", "finishReason", "attributeKey", "attributeValue", "paramsString", "paramsKey"];
    private static readonly string[] NumberFields = ["latencyMs", "timeToFirstTokenMs", "samplingRate", "promptTokens", "completionTokens", "maxTokens"];
    private static readonly string[] NumberTexts = ["1e400", "-1e400", "-0", "5e-324", "1e-6", "0.5", "1", "-1", "2147483648", "1.5", "0", "1e308", "\"NaN\"", "null", "\"12\""];

    private sealed record Mutation(string Field, string Json, bool RawBadByte);

    private static readonly Gen<Mutation> StringMutation =
        Gen.Select(Gen.OneOf(StringFields), Gen.String[Gen.Char[Alphabet], 0, 12], Gen.Bool,
            (field, text, bad) => new Mutation(field, Escape(text), bad));

    private static readonly Gen<Mutation> NumberMutation =
        Gen.Select(Gen.OneOf(NumberFields), Gen.OneOf(Gen.OneOf(NumberTexts), Gen.Double.Special.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "1e400")),
            (field, json) => new Mutation(field, json, false));

    private static readonly Gen<Mutation[]> Batch = Gen.Frequency((3, StringMutation), (1, NumberMutation)).Array[1, 6];

    [Fact]
    public async Task Every_sample_is_counted_once_or_kept_with_its_rules_and_nothing_answers_500()
    {
        var client = _app.CreateIngestClient();
        var expectCounted = new List<string>();
        var expectRejected = new List<(byte[] Body, string[] Rules)>();
        var shouldNotCount = new List<string>();
        var bodies = new Dictionary<string, byte[]>();

        await Batch.SampleAsync(async mutations =>
        {
            var records = mutations.Select(m => (Id: "prop-" + Guid.NewGuid().ToString("N"), Mutation: m)).Select(r => (r.Id, r.Mutation, Body: Build(r.Id, r.Mutation))).ToList();
            var body = new List<byte>("["u8.ToArray());
            for (var i = 0; i < records.Count; i++)
            {
                if (i > 0)
                    body.Add((byte)',');
                body.AddRange(records[i].Body);
            }
            body.Add((byte)']');
            var content = new ByteArrayContent([.. body]);
            content.Headers.ContentType = new("application/json");

            var response = await client.PostAsync("/api/v1/samples", content);

            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {text}");
            var json = JsonDocument.Parse(text).RootElement;
            var rejections = json.GetProperty("rejected").EnumerateArray().ToDictionary(r => r.GetProperty("index").GetInt32());
            Assert.Equal(records.Count, json.GetProperty("accepted").GetInt32() + rejections.Count);
            for (var i = 0; i < records.Count; i++)
            {
                var (id, mutation, bytes) = records[i];
                if (rejections.TryGetValue(i, out var rejection))
                {
                    var rules = rejection.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("rule").GetString()!).ToArray();
                    Assert.NotEmpty(rules);
                    Assert.All(rules, r => Assert.False(string.IsNullOrWhiteSpace(r)));
                    expectRejected.Add((bytes, rules));
                    if (mutation.Field != "sampleId")
                        shouldNotCount.Add(id);
                }
                else
                {
                    bodies[mutation.Field == "sampleId" && !mutation.RawBadByte ? JsonSerializer.Deserialize<string>(mutation.Json)! : id] = bytes;
                    expectCounted.Add(mutation.Field == "sampleId" && !mutation.RawBadByte ? JsonSerializer.Deserialize<string>(mutation.Json)! : id);
                }
            }
        }, iter: 60, threads: 1);

        Assert.NotEmpty(expectRejected); // the generator does reach hostile input...
        Assert.NotEmpty(expectCounted); // ...and valid input
        try
        {
            await Eventually.Get(() => _app.Database.CountedAsync(expectCounted.Distinct()), n => n == expectCounted.Distinct().Count(),
                within: TimeSpan.FromSeconds(60), what: "every accepted sample counted");
        }
        catch (Exception ex)
        {
            var missing = new List<string>();
            foreach (var id in expectCounted.Distinct())
                if (await _app.Database.CountedAsync([id]) == 0)
                    missing.Add(id);
            var kept = await _app.Database.RejectedAsync();
            throw new InvalidOperationException($"{ex.Message}; not counted: {string.Join(" | ", missing.Select(m => JsonSerializer.Serialize(m) + " sent as " + Convert.ToBase64String(bodies[m])))}; " +
                $"rejected rows naming them: {string.Join(" | ", kept.Where(k => missing.Any(m => k.Payload.Contains(m, StringComparison.Ordinal) || k.SampleId == m)).Select(k => k.Errors))}", ex);
        }
        var rejected = await HostileRun.RejectedByHashAsync(_app.Database);
        foreach (var (bytes, rules) in expectRejected)
        {
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
            Assert.True(rejected.TryGetValue(hash, out var row), $"a rejected record is not kept: {Encoding.UTF8.GetString(bytes)}");
            Assert.All(rules, r => Assert.Contains($"\"{r}\"", row.Errors, StringComparison.Ordinal));
        }
        Assert.Equal(0, await _app.Database.CountedAsync(shouldNotCount));
        Assert.Equal(expectRejected.Select(r => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(r.Body))).Distinct().Count(), rejected.Count);
    }

    private static byte[] Build(string id, Mutation m)
    {
        var value = m.RawBadByte ? m.Json.Insert(1, "~0xFF~") : m.Json;
        return m.Field switch
        {
            "attributeKey" => HostileCatalogue.Record(id, ("attributes", $"{{{value}:\"v\"}}")),
            "attributeValue" => HostileCatalogue.Record(id, ("attributes", $"{{\"k\":{value}}}")),
            "paramsString" => HostileCatalogue.Record(id, ("params", $"{{\"stop\":[{value}]}}")),
            "paramsKey" => HostileCatalogue.Record(id, ("params", $"{{{value}:1}}")),
            _ => HostileCatalogue.Record(id, (m.Field, value)),
        };
    }

    // A JSON string literal with every non-ASCII or special character as \uXXXX, so a lone surrogate travels as the
    // escape a JavaScript or Python publisher would write.
    private static string Escape(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in text)
        {
            if (c is >= ' ' and < (char)0x7F and not '"' and not '\\')
                sb.Append(c);
            else
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
        }
        return sb.Append('"').ToString();
    }
}
