using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Auditor.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Auditor.Benchmarks.CorpusBenchmark).Assembly).Run(args);
