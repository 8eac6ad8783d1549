using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansTasks;
using OrleansTasks.Hosting;
using SampleService;

var builder = Host.CreateApplicationBuilder(args);
builder.AddOrleansTasksClient();
using var host = builder.Build();
await host.StartAsync();

var run = new ReportRun(host.Services.GetRequiredService<IClusterClient>(), host.Services.GetRequiredService<ITaskWatcher>(), Console.Out);
await run.RunAsync(tasks: int.Parse(builder.Configuration["Sample:Tasks"] ?? "3"), documents: int.Parse(builder.Configuration["Sample:Documents"] ?? "500"));
await host.StopAsync();
