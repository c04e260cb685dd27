using System.Reflection;
using System.Text.Json;

namespace Auditor.Contracts.Tests;

public class OutputSampleJsonTests
{
    [Fact]
    public void Reads_a_camelCase_sample_with_params_and_attributes()
    {
        var json = JsonDocument.Parse("""
            {"sampleId":"a1","occurredAt":"2026-11-24T10:00:00Z","model":"m","route":"r","output":"hi",
             "params":{"temperature":0.2,"stop":["\n"]},"attributes":{"tenant":"acme"},"samplingRate":0.5}
            """).RootElement;

        var sample = OutputSampleJson.TryRead(json, out var violation);

        Assert.Null(violation);
        Assert.Equal("a1", sample!.SampleId);
        Assert.Equal(0.2, sample.Params!["temperature"].GetDouble());
        Assert.Equal("acme", sample.Attributes!["tenant"]);
        Assert.Equal(0.5, sample.EffectiveSamplingRate);
    }

    [Theory]
    [InlineData("""{"sampleId":"a","occurredAt":"yesterday"}""", "occurredAt")]
    [InlineData("""{"sampleId":"a","completionTokens":"12"}""", "completionTokens")]
    [InlineData("""{"sampleId":"a","completionTokens":1.5}""", "completionTokens")]
    [InlineData("""{"sampleId":5}""", "sampleId")]
    [InlineData("""{"attributes":{"k":1}}""", "attributes.k")]
    public void Names_the_field_of_the_wrong_JSON_type(string json, string field)
    {
        var sample = OutputSampleJson.TryRead(JsonDocument.Parse(json).RootElement, out var violation);

        Assert.Null(sample);
        Assert.Equal("type", violation!.Rule);
        Assert.Equal(field, violation.Field);
        Assert.Contains(field, violation.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"sampleId":"x\udc00","model":"m"}""", "sampleId", "sampleId.surrogate")]
    [InlineData("""{"sampleId":"a","output":"\ud800 tail"}""", "output", "output.surrogate")]
    [InlineData("""{"sampleId":"a","attributes":{"k\udc00":"v"}}""", "attributes (a key)", "attributes.surrogate")]
    [InlineData("""{"sampleId":"a","params":{"stop":["\udc00"]}}""", "params.stop[0]", "params.surrogate")]
    [InlineData("""{"sampleId":"a","sampleId":"b"}""", "sampleId", "json.duplicateKey")]
    [InlineData("""{"sampleId":"a","SampleId":"b"}""", "sampleId", "json.duplicateKey")]
    [InlineData("""{"sampleId":"a","params":{"t":1,"t":2}}""", "params.t", "json.duplicateKey")]
    [InlineData("""{"sampleId":"a","extra":"\udc00"}""", "extra", "json.surrogate")]
    public void Names_the_field_whose_text_no_store_can_hold_or_whose_key_repeats(string json, string field, string rule)
    {
        var reading = OutputSampleJson.Read(JsonDocument.Parse(json).RootElement);

        Assert.Null(reading.Sample);
        var violation = Assert.Single(reading.Violations);
        Assert.Equal((field, rule), (violation.Field, violation.Rule));
    }

    // The scan finds a contract field's key in its raw bytes (plain ASCII) and decodes any other key: both must give the
    // verdict of comparing the decoded keys with OrdinalIgnoreCase, whatever the spelling (escapes, non-ASCII letters that
    // fold to ASCII ones, unknown keys).
    [Theory]
    [InlineData("sampleId", "SAMPLEID")]
    [InlineData("sampleId", "sample\\u0049d")]
    [InlineData("sample\\u0069d", "sampleId")]
    [InlineData("samplingRate", "sampl\\u0131ngRate")]
    [InlineData("samplingRate", "samplıngRate")]
    [InlineData("sampleId", "ſampleId")]
    [InlineData("model", "Model")]
    [InlineData("model", "models")]
    [InlineData("extra", "EXTRA")]
    [InlineData("extra", "\\u0065xtra")]
    [InlineData("extra", "extras")]
    [InlineData("été", "ÉTÉ")]
    [InlineData("route", "r\\u006Fute")]
    public void Finds_a_repeated_key_as_OrdinalIgnoreCase_does_whatever_its_spelling(string first, string second)
    {
        var json = $$"""{"{{first}}":"a","{{second}}":"b"}""";
        var names = JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        var repeated = string.Equals(names[0], names[1], StringComparison.OrdinalIgnoreCase);

        var reading = OutputSampleJson.Read(JsonDocument.Parse(json).RootElement);

        var duplicates = reading.Violations.Where(v => v.Rule == "json.duplicateKey").ToList();
        Assert.Equal(repeated ? 1 : 0, duplicates.Count);
        if (repeated)
        {
            var field = typeof(OutputSample).GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name))
                .FirstOrDefault(f => string.Equals(f, names[1], StringComparison.OrdinalIgnoreCase));
            Assert.Equal(field ?? names[1], duplicates[0].Field);
        }
    }

    [Fact]
    public void Names_a_field_holding_bytes_that_are_not_UTF8_and_still_reads_the_sample_id()
    {
        var bytes = """{"sampleId":"id-1","model":"m#"}"""u8.ToArray();
        bytes[Array.IndexOf(bytes, (byte)'#')] = 0xFF; // a byte that never occurs in UTF-8
        var reading = OutputSampleJson.Read(JsonDocument.Parse(bytes).RootElement);

        Assert.Equal("id-1", reading.SampleId);
        var violation = Assert.Single(reading.Violations);
        Assert.Equal(("model", "model.utf8"), (violation.Field, violation.Rule));
    }

    [Fact]
    public void Keeps_an_undecodable_sample_id_as_its_escaped_JSON_text()
    {
        var reading = OutputSampleJson.Read(JsonDocument.Parse("""{"sampleId":"x\udc00"}""").RootElement);
        Assert.Equal("x\\udc00", reading.SampleId);
    }

    [Fact]
    public void Reads_1e400_as_infinity_so_the_validator_can_say_it_is_out_of_range()
    {
        var reading = OutputSampleJson.Read(JsonDocument.Parse("""{"sampleId":"a","latencyMs":1e400}""").RootElement);
        Assert.Equal(double.PositiveInfinity, reading.Sample!.LatencyMs);
    }

    [Fact]
    public void Rejects_a_value_that_is_not_an_object()
    {
        Assert.Null(OutputSampleJson.TryRead(JsonDocument.Parse("[1]").RootElement, out var violation));
        Assert.Equal("sample.object", violation!.Rule);
    }

    [Fact]
    public void The_JSON_schema_file_names_exactly_the_contract_fields()
    {
        var schemaPath = Path.Combine(AppContext.BaseDirectory, "schema", "output-sample.v1.json");
        using var schema = JsonDocument.Parse(File.ReadAllText(schemaPath));
        var schemaFields = schema.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order();
        var recordFields = typeof(OutputSample).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).Order();
        var required = schema.RootElement.GetProperty("required").EnumerateArray().Select(e => e.GetString()).Order();

        Assert.Equal(recordFields, schemaFields);
        Assert.Equal(["model", "occurredAt", "route", "sampleId"], required);
        // output is required unless outputCaptured is false, when it must be absent.
        Assert.Equal("output", schema.RootElement.GetProperty("else").GetProperty("required")[0].GetString());
        Assert.Equal("output", schema.RootElement.GetProperty("then").GetProperty("not").GetProperty("required")[0].GetString());
    }
}
