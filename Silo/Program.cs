using Microsoft.Extensions.Hosting;
using OrleansTasks.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo => silo.AddOrleansTasksSilo(builder.Configuration));
await builder.Build().RunAsync();
