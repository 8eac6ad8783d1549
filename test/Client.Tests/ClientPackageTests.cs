using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text.Json;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

namespace OrleansTasks.Client.Tests;

/// <summary>The package a service references holds the client side only: nothing of the silo, the indexer or the gateway.</summary>
public sealed class ClientPackageTests(PackedClient packed)
{
    private static readonly string[] Allowed =
    [
        "Microsoft.Orleans.Client",
        "Microsoft.Orleans.Clustering.AdoNet",
        "Microsoft.Orleans.Connections.Security",
        "Microsoft.Orleans.Streaming",
        "Npgsql",
    ];

    // What a service must never restore through the package. Microsoft.Orleans.Runtime and Polly do
    // come in, through the Orleans streaming, clustering and TLS packages (see README "From a .NET service").
    private static readonly string[] TransitivelyForbidden =
        ["Microsoft.Orleans.Server", "Microsoft.Orleans.Persistence", "Microsoft.Orleans.Reminders", "Microsoft.Orleans.Dashboard", "Lucene", "Cronos", "Mono.Unix", "OrleansTasks."];

    private static readonly string[] ServerSide = ["Microsoft.Orleans.Server", "Lucene", "Microsoft.Orleans.Dashboard", "Microsoft.Orleans.Persistence", "Microsoft.Orleans.Reminders", "OrleansTasks.", "Cronos", "Mono.Unix", "Polly"];

    [Fact]
    public async Task The_nuspec_depends_on_the_orleans_client_side_only_and_on_no_other_orleans_tasks_package()
    {
        using var package = ZipFile.OpenRead(await packed.PackAsync());
        using var nuspec = package.GetEntry("OrleansTasks.Client.nuspec")!.Open();
        var dependencies = XDocument.Load(nuspec).Descendants().Where(element => element.Name.LocalName == "dependency")
            .Select(element => element.Attribute("id")!.Value).Distinct().Order().ToList();

        Assert.DoesNotContain(dependencies, id => ServerSide.Any(server => id.StartsWith(server, StringComparison.OrdinalIgnoreCase)));
        Assert.Equal(Allowed, dependencies);
    }

    [Fact]
    public async Task A_service_referencing_the_package_restores_nothing_of_the_server_side_however_deep()
    {
        var sample = await packed.SampleCopyAsync();
        await PackedClient.RunAsync("dotnet", sample, TimeSpan.FromMinutes(5), "restore", $"-p:OrleansTasksClientVersion={packed.Version}");
        using var assets = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(sample, "obj", "project.assets.json")));
        var packages = assets.RootElement.GetProperty("libraries").EnumerateObject()
            .Where(library => library.Value.GetProperty("type").GetString() == "package")
            .Select(library => library.Name.Split('/')[0]).Order().ToList();

        Assert.Contains("OrleansTasks.Client", packages);
        Assert.DoesNotContain(packages, id => TransitivelyForbidden.Any(server => id.StartsWith(server, StringComparison.OrdinalIgnoreCase)) && id != "OrleansTasks.Client");
    }

    [Fact]
    public async Task The_package_carries_the_contracts_and_the_client_with_their_docs_and_neither_references_the_server()
    {
        using var package = ZipFile.OpenRead(await packed.PackAsync());
        var files = package.Entries.Select(entry => entry.FullName).Where(name => name.StartsWith("lib/", StringComparison.Ordinal)).Order().ToList();

        Assert.Equal(
        [
            "lib/net10.0/OrleansTasks.Client.dll",
            "lib/net10.0/OrleansTasks.Client.xml",
            "lib/net10.0/OrleansTasks.Grains.Interfaces.dll",
            "lib/net10.0/OrleansTasks.Grains.Interfaces.xml",
        ], files);
        foreach (var assembly in files.Where(name => name.EndsWith(".dll", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(ReferencesOf(package, assembly), reference =>
                reference.StartsWith("OrleansTasks.", StringComparison.Ordinal) && reference != "OrleansTasks.Grains.Interfaces"
                || reference.StartsWith("Lucene", StringComparison.Ordinal));
        }
    }

    private static List<string> ReferencesOf(ZipArchive package, string path)
    {
        using var stream = new MemoryStream();
        using (var entry = package.GetEntry(path)!.Open())
        {
            entry.CopyTo(stream);
        }

        stream.Position = 0;
        using var reader = new PEReader(stream);
        var metadata = reader.GetMetadataReader();
        return [.. metadata.AssemblyReferences.Select(handle => metadata.GetString(metadata.GetAssemblyReference(handle).Name))];
    }
}
