using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Indexing;

namespace OrleansTasks.Grains.Tests;

/// <summary>The contract on cluster mode's PostgreSQL index.</summary>
public sealed class PostgresMissingDocumentsTests(PostgresSiloFixture fixture) : MissingDocumentsContract, IClassFixture<PostgresSiloFixture>
{
    protected override IDocumentIndex Index => fixture.Silo.Services.GetRequiredService<IDocumentIndex>();

    protected override void Require() => fixture.Require();
}
