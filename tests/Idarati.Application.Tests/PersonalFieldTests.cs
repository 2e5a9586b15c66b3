using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Idarati.Application.Privacy;
using Idarati.Application.Streams;

namespace Idarati.Application.Tests;

/// <summary>
/// The one list of personal data holds for every stored type: each string field is declared personal or not, and an
/// event's rewrite (the seal on the way in, the reveal on the way out) changes exactly its declared personal fields.
/// </summary>
public sealed class PersonalFieldTests
{
    private static readonly JsonSerializerOptions Stored = Serialization.Create();

    public static TheoryData<string> StoredTypes() => [.. MartenStreams.StoredNames.Values];

    private static Type TypeOf(string storedName) => MartenStreams.StoredNames.Single(p => p.Value == storedName).Key;

    [Theory]
    [MemberData(nameof(StoredTypes))]
    public void Every_string_field_of_a_stored_type_is_declared_personal_or_not(string storedName)
    {
        var undeclared = StringFields(TypeOf(storedName), "").Where(f => !Declared(f.Declaring, f.Property)).Select(f => $"{f.Declaring.Name}.{f.Property}").ToList();
        Assert.True(undeclared.Count == 0, $"{storedName}: declare in PersonalFields whether these are personal: {string.Join(", ", undeclared)}");
    }

    [Fact]
    public void A_string_field_declared_nowhere_is_caught()
    {
        Assert.Contains(StringFields(typeof(Undeclared), ""), f => !Declared(f.Declaring, f.Property) && f.Property == nameof(Undeclared.Nickname));
    }

    [Theory]
    [MemberData(nameof(StoredTypes))]
    public void The_rewrite_changes_exactly_the_declared_personal_fields(string storedName)
    {
        var type = TypeOf(storedName);
        var personal = StringFields(type, "").Where(f => PersonalFields.Personal.TryGetValue(f.Declaring, out var names) && names.Contains(f.Property)).Select(f => f.Path).Order().ToList();
        Assert.Equal(personal, PersonalFields.PathsOf(type).Order().ToList());
        Assert.Equal(personal.Count > 0, PersonalFields.Carries(type));

        var sample = Sample(type, "");
        var rewritten = PersonalFields.Rewrite(sample, (path, value) => $"sealed({path}|{value})");
        var before = Leaves(JsonSerializer.SerializeToNode(sample, type, Stored), "");
        var after = Leaves(JsonSerializer.SerializeToNode(rewritten, type, Stored), "");
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (path, value) in before)
        {
            var expected = personal.Contains(path) ? $"sealed({path}|{value})" : value;
            Assert.True(expected == after[path], $"{storedName} {path}: {after[path]}, expected {expected}");
        }
    }

    [Fact]
    public void A_sealed_field_opens_only_in_its_own_stream_and_with_its_own_key()
    {
        var masters = MasterKeys.Parse(MasterKeys.DevelopmentKey);
        var vault = new PersonalDataVault(null!, masters, "unused", TimeProvider.System);
        var lookupKey = new byte[32];
        var citizen = new Domain.Complaints.Citizen("Amina Benali", "AB123456", "+212600000000", "amina@example.ma");
        var submitted = (Domain.Complaints.ComplaintEvent.Submitted)Sample(typeof(Domain.Complaints.ComplaintEvent.Submitted), "") with { Citizen = citizen };
        var (events, row) = vault.SealNew("complaint-a", [submitted], lookupKey);
        var stored = (Domain.Complaints.ComplaintEvent.Submitted)events[0];
        Assert.StartsWith(PersonalDataVault.TokenPrefix, stored.Citizen!.Email, StringComparison.Ordinal);
        Assert.DoesNotContain("amina", JsonSerializer.Serialize(stored, Stored), StringComparison.OrdinalIgnoreCase);

        var key = masters.Unwrap(row!.Wrapped, row.MasterKeyId, "subject-key:complaint-a");
        Assert.NotNull(key);
        Assert.Equal(citizen, new Revealer("complaint-a", key, null).RevealEvent(stored).Citizen);
        Assert.Null(new Revealer("complaint-b", key, null).RevealEvent(stored).Citizen!.Email);
        Assert.Null(new Revealer("complaint-a", new byte[32], null).RevealEvent(stored).Citizen!.Email);
        Assert.Null(new Revealer("complaint-a", null, DateTimeOffset.UnixEpoch).RevealEvent(stored).Citizen!.FullName);
        // A key row is bound to its stream, and opens only under the master that wrapped it.
        Assert.Null(masters.Unwrap(row.Wrapped, row.MasterKeyId, "subject-key:complaint-b"));
        Assert.Null(MasterKeys.Parse(Convert.ToBase64String(new byte[32])).Unwrap(row.Wrapped, row.MasterKeyId, "subject-key:complaint-a"));
        Assert.Equal(2, row.Lookups.Length);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("c2hvcnQ=")]
    [InlineData("not base64 at all, but long enough to be mistaken for a key")]
    public void A_master_key_that_is_not_32_random_bytes_in_base64_is_refused_naming_the_setting(string? value)
    {
        var refused = Assert.Throws<FormatException>(() => MasterKeys.Parse(value));
        Assert.StartsWith($"{MasterKeys.Setting} is not a master key", refused.Message, StringComparison.Ordinal);
    }

    private sealed record Undeclared(string Nickname);

    private static bool Declared(Type declaring, string property) =>
        (PersonalFields.Personal.TryGetValue(declaring, out var personal) && personal.Contains(property))
        || (PersonalFields.NotPersonal.TryGetValue(declaring, out var not) && not.Names.Contains(property));

    /// <summary>Every string (or list of strings) property reachable from a stored type, with its stored path.</summary>
    private static IEnumerable<(Type Declaring, string Property, string Path)> StringFields(Type type, string prefix)
    {
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.Name != "EqualityContract"))
        {
            var path = prefix + JsonNamingPolicy.CamelCase.ConvertName(p.Name);
            var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            var element = t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? t.GetGenericArguments()[0] : t;
            if (element == typeof(string))
            {
                yield return (type, p.Name, path);
            }
            else if (element.IsClass && element.Namespace?.StartsWith("Idarati", StringComparison.Ordinal) == true)
            {
                foreach (var nested in StringFields(element, element == t ? path + "." : path + "[]."))
                {
                    yield return nested;
                }
            }
        }
    }

    /// <summary>An instance of a stored record with every string its own path, every nested record filled, lists of one.</summary>
    private static object Sample(Type type, string prefix)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        return constructor.Invoke([.. constructor.GetParameters().Select(p => Value(p.ParameterType, prefix + JsonNamingPolicy.CamelCase.ConvertName(p.Name!)))]);
    }

    private static object? Value(Type type, string path)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t switch
        {
            _ when t == typeof(string) => $"value-of-{path}",
            _ when t == typeof(DateTimeOffset) => DateTimeOffset.UnixEpoch,
            _ when t == typeof(bool) => true,
            _ when t == typeof(int) || t == typeof(long) => Convert.ChangeType(1, t, System.Globalization.CultureInfo.InvariantCulture),
            _ when t.IsEnum => Enum.GetValues(t).GetValue(0),
            _ when t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) => ListOf(t.GetGenericArguments()[0], path),
            _ => Sample(t, path + "."),
        };
    }

    private static object ListOf(Type element, string path)
    {
        var array = Array.CreateInstance(element, 1);
        array.SetValue(element == typeof(string) ? $"value-of-{path}" : Sample(element, path + "[]."), 0);
        return array;
    }

    /// <summary>Every string leaf of the stored JSON by path (array items under <c>[]</c>).</summary>
    private static Dictionary<string, string> Leaves(JsonNode? node, string prefix)
    {
        var leaves = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o)
                {
                    foreach (var leaf in Leaves(child, prefix.Length == 0 ? name : $"{prefix}.{name}"))
                    {
                        leaves[leaf.Key] = leaf.Value;
                    }
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    foreach (var leaf in Leaves(child, prefix + "[]"))
                    {
                        leaves[leaf.Key] = leaf.Value;
                    }
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                leaves[prefix] = v.GetValue<string>();
                break;
        }

        return leaves;
    }
}
