using Idarati.Benchmarks;

return await BenchmarkRunner.RunAsync(args);
