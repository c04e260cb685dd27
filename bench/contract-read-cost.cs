// What reading a queue body with the contract reader and validating it cost, in process CPU time per sample (issue #13).
// Run: dotnet run bench/contract-read-cost.cs
#:project ../src/Auditor.Contracts
#:property Configuration=Release
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
using System.Diagnostics;
using System.Text.Json;
using Auditor.Contracts;
var sample = new OutputSample { SampleId = Guid.NewGuid().ToString("N"), OccurredAt = DateTimeOffset.UtcNow, Model = "llama-3.1-8b-instruct", Route = "chat/answer",
  Deployment = "h100-fp8", Prompt = "What is the capital of France?", Output = new string('a', 2048), FinishReason = "stop", CompletionTokens = 9, MaxTokens = 256,
  Params = new() { ["temperature"] = JsonSerializer.SerializeToElement(0.7) }, Attributes = new() { ["tenant"] = "acme" } };
var body = JsonSerializer.SerializeToUtf8Bytes(sample, OutputSampleJson.Options);
var validator = new OutputSampleValidator(TimeProvider.System);
const int n = 200_000;
for (var i = 0; i < 20_000; i++) { using var d = JsonDocument.Parse(body); OutputSampleJson.Read(d.RootElement); }
var p = Process.GetCurrentProcess();
var t0 = p.TotalProcessorTime;
for (var i = 0; i < n; i++) { using var d = JsonDocument.Parse(body); if (OutputSampleJson.Read(d.RootElement).Sample is null) throw new(); }
p.Refresh(); var t1 = p.TotalProcessorTime;
for (var i = 0; i < n; i++) validator.Check(sample);
p.Refresh(); var t2 = p.TotalProcessorTime;
Console.WriteLine($"{body.Length} B body; re-read (parse + scan + deserialize): {(t1 - t0).TotalMicroseconds / n:0.0} CPU us/sample; validator (all rules incl. text): {(t2 - t1).TotalMicroseconds / n:0.0} CPU us/sample");
