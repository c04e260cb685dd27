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
