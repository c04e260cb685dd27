using System.Security.Cryptography;
using System.Text;

namespace Auditor.Server.Tests.Hostile;

/// <summary>One class of hostile input: a record's exact bytes and the rule it must be rejected with (null: it must be counted).</summary>
public sealed record HostileCase(string Class, byte[] Body, string? Rule, string SampleId)
{
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Body));
}

/// <summary>
/// The fixed catalogue of hostile inputs from issue #13, each built as the exact bytes a publisher would send: a
/// lone surrogate and a NUL in every string field, bytes that are not UTF-8, numbers beyond a double, a sampling rate
/// whose volume would be infinite, oversized and over-nested params, too many attributes, a key given twice, wrong types.
/// </summary>
public static class HostileCatalogue
{
    private const string BadByte = "~0xFF~"; // replaced by the byte 0xFF, which never occurs in UTF-8

    public static IReadOnlyList<HostileCase> Build()
    {
        var cases = new List<HostileCase>();
        void Add(string cls, string? rule, params (string Key, string Json)[] fields)
        {
            var id = "hostile-" + Guid.NewGuid().ToString("N");
            cases.Add(new HostileCase(cls, Record(id, fields), rule, id));
        }

        foreach (var field in new[] { "sampleId", "model", "route", "deployment", "prompt", "output", "finishReason" })
            Add($"lone surrogate in {field}", $"{field}.surrogate", (field, field == "finishReason" ? "\"stop\\udc00\"" : "\"x\\udc00y\""));
        Add("lone surrogate in an attribute key", "attributes.surrogate", ("attributes", """{"k\ud800":"v"}"""));
        Add("lone surrogate in an attribute value", "attributes.surrogate", ("attributes", """{"k":"\udfff"}"""));
        Add("lone surrogate in a params string", "params.surrogate", ("params", """{"stop":["\udc00"]}"""));
        foreach (var field in new[] { "sampleId", "model", "route", "deployment", "finishReason" })
            Add($"NUL in {field}", $"{field}.nul", (field, "\"a\\u0000b\""));
        Add("NUL in an attribute value", "attributes.nul", ("attributes", """{"k":"v\u0000"}"""));
        Add("NUL in a params key", "params.nul", ("params", """{"t\u0000":1}"""));
        Add("NUL in output (a model may emit it: counted)", null, ("output", "\"cut off\\u0000here\""));
        foreach (var field in new[] { "sampleId", "model", "output" })
            Add($"invalid UTF-8 in {field}", $"{field}.utf8", (field, $"\"x{BadByte}y\""));
        Add("invalid UTF-8 in an unknown field", "json.utf8", ("extra", $"\"{BadByte}\""));
        Add("latencyMs 1e400", "latencyMs.finite", ("latencyMs", "1e400"));
        Add("timeToFirstTokenMs -1e400", "timeToFirstTokenMs.finite", ("timeToFirstTokenMs", "-1e400"));
        Add("latencyMs -0 (counted as 0)", null, ("latencyMs", "-0"));
        Add("NaN as a string", "type", ("latencyMs", "\"NaN\""));
        Add("samplingRate 5e-324", "samplingRate.range", ("samplingRate", "5e-324"));
        Add("samplingRate 0", "samplingRate.range", ("samplingRate", "0"));
        Add("params of 100 KiB", "params.size", ("params", $"{{\"blob\":\"{new string('x', 100 * 1024)}\"}}"));
        Add("params nested 40 deep", "params.depth", ("params", "{\"d\":" + new string('[', 39) + new string(']', 39) + "}"));
        Add("65 attributes", "attributes.count", ("attributes", "{" + string.Join(",", Enumerable.Range(0, 65).Select(i => $"\"k{i}\":\"v\"")) + "}"));
        Add("duplicate key (sampleId twice)", "json.duplicateKey", ("sampleId", "\"first\""));
        Add("duplicate key inside params", "json.duplicateKey", ("params", """{"t":0.1,"t":0.9}"""));
        Add("empty params key", "params.key", ("params", """{"":1}"""));
        Add("empty key nested in params (counted)", null, ("params", """{"a":{"":1}}"""));
        Add("number as a string", "type", ("completionTokens", "\"12\""));
        Add("int beyond 32 bits", "type", ("promptTokens", "10000000000"));
        Add("string where an object goes", "type", ("params", "\"temperature=0.7\""));
        Add("output as a number", "type", ("output", "42"));
        cases.Add(new HostileCase("not an object", "[\"a string\"]"u8.ToArray(), "sample.object", "none-" + Guid.NewGuid().ToString("N")));
        return cases;
    }

    /// <summary>A valid record with the given fields replaced (or, for a field given as sampleId twice, repeated).</summary>
    public static byte[] Record(string id, params (string Key, string Json)[] fields)
    {
        var values = new List<(string Key, string Json)>
        {
            ("sampleId", $"\"{id}\""),
            ("occurredAt", $"\"{DateTimeOffset.UtcNow.AddMinutes(-1):O}\""),
            ("model", "\"hostile-model\""),
            ("route", "\"hostile/route\""),
            ("output", "\"A fine answer.\""),
            ("finishReason", "\"stop\""),
        };
        foreach (var (key, json) in fields)
        {
            var at = values.FindIndex(v => v.Key == key);
            // sampleId given again keeps the real one first: the duplicate-key case
            if (at >= 0 && !(key == "sampleId" && json == "\"first\""))
                values[at] = (key, json);
            else
                values.Add((key, json));
        }
        var text = "{" + string.Join(",", values.Select(v => $"\"{v.Key}\":{v.Json}")) + "}";
        if (!text.Contains(BadByte, StringComparison.Ordinal))
            return Encoding.UTF8.GetBytes(text);
        var bytes = Encoding.UTF8.GetBytes(text).ToList();
        var marker = Encoding.UTF8.GetBytes(BadByte);
        for (var i = bytes.Count - marker.Length; i >= 0; i--)
        {
            if (bytes.Skip(i).Take(marker.Length).SequenceEqual(marker))
            {
                bytes.RemoveRange(i, marker.Length);
                bytes.Insert(i, 0xFF);
            }
        }
        return bytes.ToArray();
    }

    /// <summary>A valid neighbour record.</summary>
    public static (string Id, byte[] Body) Neighbour()
    {
        var id = "neighbour-" + Guid.NewGuid().ToString("N");
        return (id, Record(id));
    }
}
