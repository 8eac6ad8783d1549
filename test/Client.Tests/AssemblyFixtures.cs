using OrleansTasks.Testing;

[assembly: AssemblyFixture(typeof(PostgresServer))]
