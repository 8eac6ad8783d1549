using OrleansTasks.Client.Tests;
using OrleansTasks.Testing;

[assembly: AssemblyFixture(typeof(PostgresServer))]
[assembly: AssemblyFixture(typeof(PackedClient))]
