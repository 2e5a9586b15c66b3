using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Idarati.Application.Streams;
using Marten;

namespace Idarati.Application.Tests;

/// <summary>
/// Beside the stored names, the stored shapes: a golden JSON body per event type (tests/Idarati.Application.Tests/EventShapes),
/// as the store's own serializer writes it. Each golden must read back into its type and be written again unchanged,
/// so a renamed, removed or retyped field fails here instead of silently reading null from the rows already stored;
/// and today's type must still write exactly that shape. A deliberate change of shape keeps old rows readable first
/// (an upcaster, see UpcastingTests), then writes the new golden with IDARATI_WRITE_EVENT_SHAPES=1.
/// </summary>
public sealed class EventShapeTests
{
    private static readonly Marten.ISerializer Serializer = CreateSerializer();

    private static Marten.ISerializer CreateSerializer()
    {
        var options = new StoreOptions();
        MartenStreams.Configure(options, "shapes");
        return options.Serializer();
    }

    private static string Folder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Idarati.EventSourced.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("The repository was not found above the test's folder."), "tests", "Idarati.Application.Tests", "EventShapes");
    }

    public static TheoryData<string> Names() => [.. MartenStreams.StoredNames.Values.Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_stored_shape_reads_back_whole_and_is_still_the_shape_written(string name)
    {
        var type = MartenStreams.StoredNames.Single(p => p.Value == name).Key;
        var file = Path.Combine(Folder(), name + ".json");
        var written = JsonNode.Parse(Serializer.ToJson(Sample(type, name)))!;
        if (Environment.GetEnvironmentVariable("IDARATI_WRITE_EVENT_SHAPES") == "1" && !File.Exists(file))
        {
            Directory.CreateDirectory(Folder());
            File.WriteAllText(file, written.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        }

        Assert.True(File.Exists(file), $"No golden shape for '{name}': write it with IDARATI_WRITE_EVENT_SHAPES=1 and commit it.");
        var golden = JsonNode.Parse(File.ReadAllText(file))!;
        using var stored = new MemoryStream(Encoding.UTF8.GetBytes(golden.ToJsonString()));
        var read = JsonNode.Parse(Serializer.ToJson(Serializer.FromJson(type, stored)))!;
        Assert.True(JsonNode.DeepEquals(golden, read), $"'{name}' as stored no longer reads back whole:\nstored {golden.ToJsonString()}\nread   {read.ToJsonString()}");
        Assert.True(JsonNode.DeepEquals(golden, written), $"'{name}' is written in a new shape; old rows need an upcaster first:\nstored {golden.ToJsonString()}\nnow    {written.ToJsonString()}");
    }

    /// <summary>Earlier shapes of a type kept beside its golden (<c>name.&lt;why&gt;.json</c>): the rows written before a member was added.</summary>
    public static TheoryData<string> EarlierShapes() =>
        [.. Directory.GetFiles(Folder(), "*.*.json").Select(f => Path.GetFileName(f)).Where(f => MartenStreams.StoredNames.Values.Any(n => f!.StartsWith(n + ".", StringComparison.Ordinal) && f != n + ".json")).Order(StringComparer.Ordinal)];

    /// <summary>
    /// A row of an earlier shape still reads: every member it has reads back unchanged, and a member added since reads
    /// as null (an addition, never a rename: a renamed member would leave the old one unread and fail here).
    /// </summary>
    [Theory]
    [MemberData(nameof(EarlierShapes))]
    public void Rows_of_an_earlier_shape_read_back_whole_with_added_members_null(string file)
    {
        var name = MartenStreams.StoredNames.Values.Where(n => file.StartsWith(n + ".", StringComparison.Ordinal)).MaxBy(n => n.Length)!;
        var type = MartenStreams.StoredNames.Single(p => p.Value == name).Key;
        var earlier = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder(), file)))!.AsObject();
        using var stored = new MemoryStream(Encoding.UTF8.GetBytes(earlier.ToJsonString()));
        var read = JsonNode.Parse(Serializer.ToJson(Serializer.FromJson(type, stored)))!.AsObject();
        foreach (var (member, value) in read)
        {
            Assert.True(earlier.TryGetPropertyValue(member, out var was) ? JsonNode.DeepEquals(was, value) : value is null, $"'{file}': {member} reads back as {value?.ToJsonString() ?? "null"}");
        }

        Assert.All(earlier.Select(p => p.Key), member => Assert.True(read.ContainsKey(member), $"'{file}': {member} is no longer read"));
    }

    /// <summary>An instance with every member set from its name, the same at every run.</summary>
    private static object Sample(Type type, string path)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(string))
        {
            return path;
        }

        if (underlying == typeof(DateTimeOffset))
        {
            return new DateTimeOffset(2020, 3, 2, 9, 30, 15, 123, TimeSpan.Zero).AddMinutes(path.Length);
        }

        if (underlying == typeof(DateOnly))
        {
            return new DateOnly(2020, 3, 2).AddDays(path.Length);
        }

        if (underlying == typeof(Guid))
        {
            return new Guid(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(path)));
        }

        if (underlying == typeof(bool))
        {
            return true;
        }

        if (underlying.IsEnum)
        {
            var values = Enum.GetValues(underlying);
            return values.GetValue(path.Length % values.Length)!;
        }

        if (underlying.IsPrimitive || underlying == typeof(decimal))
        {
            return Convert.ChangeType(path.Length, underlying, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (underlying.IsGenericType && underlying.GetGenericArguments() is [var element]
            && typeof(System.Collections.IEnumerable).IsAssignableFrom(underlying))
        {
            var list = Array.CreateInstance(element, 2);
            list.SetValue(Sample(element, path + "[0]"), 0);
            list.SetValue(Sample(element, path + "[1]"), 1);
            return list;
        }

        var constructor = underlying.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        return constructor.Invoke([.. constructor.GetParameters().Select(p => Sample(p.ParameterType, path + "." + p.Name))]);
    }
}
