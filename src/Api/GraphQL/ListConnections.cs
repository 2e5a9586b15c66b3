using System.Globalization;
using System.Text;
using Idarati.Api.Infrastructure;
using Idarati.Application.Handling;
using Idarati.Domain.Shared;
using Idarati.GraphQL.Types;
using Idarati.Projections;
using Npgsql;

namespace Idarati.Api.GraphQL;

/// <summary>
/// Read-model lists as Relay connections, with where / order in the shapes front-end teams know from HotChocolate:
/// <c>where: { status: { in: [...] }, or: [{ ... }, { ... }] }</c>, <c>order: [{ submittedAt: DESC }]</c>, and paging
/// with first/after or last/before. Cursors are opaque; they stand for a row's place in the ordered list.
/// </summary>
public static partial class FrontEndSchema
{
    /// <summary>The types every list shares: the operation inputs per kind of field, the sort direction, PageInfo.</summary>
    private sealed record ListTypes(IReadOnlyDictionary<ListFieldKind, InputObjectGraphType> Operations, EnumGraphType Direction, ObjectGraphType PageInfo);

    private static ListTypes SharedListTypes()
    {
        var pageInfo = new ObjectGraphType("PageInfo", "Where a page starts and ends, and whether rows lie before or after it.");
        pageInfo.AddFields(
            new FieldDefinition("hasNextPage", Scalars.Boolean.NonNull), new FieldDefinition("hasPreviousPage", Scalars.Boolean.NonNull),
            new FieldDefinition("startCursor", Scalars.String), new FieldDefinition("endCursor", Scalars.String));
        return new ListTypes(
            new Dictionary<ListFieldKind, InputObjectGraphType>
            {
                [ListFieldKind.Text] = OperationInput("StringOperationFilterInput", Scalars.String, ListFieldKind.Text),
                [ListFieldKind.Instant] = OperationInput("DateTimeOperationFilterInput", DateTime, ListFieldKind.Instant),
                [ListFieldKind.Integer] = OperationInput("IntOperationFilterInput", Scalars.Int, ListFieldKind.Integer),
                [ListFieldKind.Boolean] = OperationInput("BooleanOperationFilterInput", Scalars.Boolean, ListFieldKind.Boolean),
            },
            new EnumGraphType("SortEnumType", "Ascending or descending.", [new EnumValueDefinition("ASC", false), new EnumValueDefinition("DESC", true)]),
            pageInfo);
    }

    private static InputObjectGraphType OperationInput(string name, GraphType scalar, ListFieldKind kind)
    {
        var input = new InputObjectGraphType(name);
        input.AddFields([.. ListShape.Operators(kind).Select(op => new InputValueDefinition(op, op is "in" or "nin" ? new ListGraphType(scalar) : scalar))]);
        return input;
    }

    /// <summary>How a list is exposed: its field name, item type, shape, who may read it and which administration limits it.</summary>
    private sealed record ListField<T>(
        string Name, string Description, ObjectGraphType Item, ListShape Shape, Func<NpgsqlDataReader, T> Read, string[] Roles, Func<ResolveContext, Actor?, string?> Scope)
    {
        public bool Anonymous { get; init; }

        public InputValueDefinition[] ExtraArguments { get; init; } = [];
    }

    private static FieldDefinition Connection<T>(ListTypes shared, ListField<T> list)
    {
        var itemName = list.Item.Name;
        var filter = new InputObjectGraphType($"{itemName}FilterInput", $"Conditions on {list.Name}; the fields of one object must all hold.");
        filter.AddFields(new InputValueDefinition("and", new ListGraphType(filter.NonNull), "Every condition holds."), new InputValueDefinition("or", new ListGraphType(filter.NonNull), "At least one condition holds."));
        filter.AddFields([.. list.Shape.Fields.Select(f => new InputValueDefinition(f.Key, shared.Operations[f.Value.Kind]))]);
        var sort = new InputObjectGraphType($"{itemName}SortInput", "One key of the order: give one field per object, in a list to sort by several.");
        sort.AddFields([.. list.Shape.Fields.Keys.Select(f => new InputValueDefinition(f, shared.Direction))]);
        // Named after the field, as HotChocolate names them (complaints: ComplaintsConnection, ComplaintsEdge).
        var prefix = char.ToUpperInvariant(list.Name[0]) + list.Name[1..];
        var edge = new ObjectGraphType($"{prefix}Edge", "A row of the page with its cursor.");
        edge.AddFields(new FieldDefinition("cursor", Scalars.String.NonNull), new FieldDefinition("node", list.Item.NonNull));
        var connection = new ObjectGraphType($"{prefix}Connection", $"A page of {list.Name} (read model), in the order asked, with the global position it covers.");
        connection.AddFields(
            new FieldDefinition("edges", new ListGraphType(edge.NonNull))
            {
                // Built only when asked for: most front ends read nodes.
                Resolve = c =>
                {
                    var source = (IReadOnlyDictionary<string, object?>)c.Source!;
                    var start = (int)source["start"]!;
                    return Value(((IEnumerable<T>)source["nodes"]!).Select((row, i) => new Dictionary<string, object?> { ["cursor"] = OffsetCursor(list.Name, start + i), ["node"] = row }).ToList());
                },
            },
            new FieldDefinition("nodes", new NonNullGraphType(new ListGraphType(list.Item.NonNull))),
            new FieldDefinition("pageInfo", shared.PageInfo.NonNull),
            new FieldDefinition("position", Scalars.String.NonNull, "The global log position the page was computed at."),
            new FieldDefinition("totalCount", Scalars.Int.NonNull, "How many rows the conditions match, across all pages (counted only when asked for).")
            {
                Cost = 10,
                Resolve = async c =>
                {
                    var source = (IReadOnlyDictionary<string, object?>)c.Source!;
                    var count = await Service<ReadModelLists>(c).CountAsync(list.Shape, (ListCondition?)source["where"], (string?)source["scope"],
                        Service<TimeProvider>(c).GetUtcNow(), c.CancellationToken).ConfigureAwait(false);
                    return (int)Math.Min(int.MaxValue, count);
                },
            });
        return new FieldDefinition(list.Name, connection.NonNull, list.Description)
        {
            Arguments =
            [
                new("first", Scalars.Int, $"At most this many rows after `after`: 1 to {Paging.Max} ({Paging.Default} when neither first nor last is given)."),
                new("after", Scalars.String), new("last", Scalars.Int, $"At most this many rows before `before`: 1 to {Paging.Max}."), new("before", Scalars.String),
                new("where", filter), new("order", new ListGraphType(sort.NonNull)),
                .. list.ExtraArguments,
            ],
            Resolve = c => Guard(() => PageAsync(c, list)),
            // One read-model query; its page of first or last rows (the default page when neither is given) sizes edges and nodes.
            Cost = 10,
            ListSize = new ListSize(AssumedSize: Paging.Default, SlicingArguments: ["first", "last"], SizedFields: ["edges", "nodes"], RequireOneSlicingArgument: false),
        };
    }

    private static async Task<object?> PageAsync<T>(ResolveContext c, ListField<T> list)
    {
        var actor = list.Anonymous && Http(c).User.Identity?.IsAuthenticated != true ? null : Caller(c, list.Roles);
        int? first = c.Argument<int?>("first"), last = c.Argument<int?>("last");
        if (last is not null)
        {
            last = Paging.Size("last", last);
        }

        first = first is null && last is not null ? null : Paging.Size("first", first);

        var after = FromOffsetCursor(list.Name, c.Argument<string>("after"), "after");
        var before = FromOffsetCursor(list.Name, c.Argument<string>("before"), "before");
        var where = ToCondition(c.Argument<IReadOnlyDictionary<string, object?>>("where"));
        var order = ToOrder(c.Argument<IEnumerable<object?>>("order"));
        var scope = list.Scope(c, actor);
        var lists = Service<ReadModelLists>(c);
        var now = Service<TimeProvider>(c).GetUtcNow();
        try
        {
            var count = last is not null && before is null
                ? (int)Math.Min(int.MaxValue, await lists.CountAsync(list.Shape, where, scope, now, c.CancellationToken).ConfigureAwait(false))
                : 0;
            var (start, end) = Window(first, after, last, before, count);
            // One row more than the window says whether another page follows.
            var (rows, position) = await lists.SearchAsync(list.Shape, new ListSearch(where, order, start, end - start + 1), scope, now, list.Read, c.CancellationToken).ConfigureAwait(false);
            var page = rows.Take(end - start).ToList();
            return new Dictionary<string, object?>
            {
                ["where"] = where,
                ["scope"] = scope,
                ["start"] = start,
                ["nodes"] = page,
                ["pageInfo"] = new Dictionary<string, object?>
                {
                    ["hasNextPage"] = rows.Count > page.Count,
                    ["hasPreviousPage"] = start > 0,
                    ["startCursor"] = page.Count > 0 ? OffsetCursor(list.Name, start) : null,
                    ["endCursor"] = page.Count > 0 ? OffsetCursor(list.Name, start + page.Count - 1) : null,
                },
                ["position"] = position.ToString(CultureInfo.InvariantCulture),
            };
        }
        catch (ArgumentException e)
        {
            throw ValidationFailedException.For("where", e.Message);
        }
    }

    /// <summary>The administration whose rows the caller sees (<see cref="ReadScope.OwnAdministration"/>), from the administrationId argument.</summary>
    private static string? OwnAdministration(ResolveContext c, Actor? actor) => ReadScope.OwnAdministration(actor, c.Argument<string>("administrationId"));

    /// <summary>The where argument as a condition; the fields of one object and its and / or lists must all hold.</summary>
    private static ListCondition? ToCondition(IReadOnlyDictionary<string, object?>? where)
    {
        if (where is null)
        {
            return null;
        }

        var all = new List<ListCondition>();
        foreach (var (field, value) in where)
        {
            if (field is "and" or "or")
            {
                List<ListCondition> parts = [.. Items(value).Select(v => ToCondition((IReadOnlyDictionary<string, object?>)v!) ?? new ListCondition.All([]))];
                all.Add(field == "and" ? new ListCondition.All(parts) : new ListCondition.Any(parts));
            }
            else if (value is IReadOnlyDictionary<string, object?> operations)
            {
                foreach (var (op, operand) in operations)
                {
                    all.Add(new ListCondition.Compare(field, op, operand));
                }
            }
            else if (value is null)
            {
                throw ValidationFailedException.For($"where.{field}", "Give the operations to apply, not null.");
            }
        }

        return new ListCondition.All(all);
    }

    private static IEnumerable<object?> Items(object? value) => value switch
    {
        null => throw ValidationFailedException.For("where", "and / or take a list of conditions, not null."),
        IEnumerable<object?> list => list,
        _ => [value],
    };

    private static List<ListOrder> ToOrder(IEnumerable<object?>? order)
    {
        var keys = new List<ListOrder>();
        foreach (var item in order ?? [])
        {
            foreach (var (field, descending) in (IReadOnlyDictionary<string, object?>)item!)
            {
                if (descending is bool d)
                {
                    keys.Add(new ListOrder(field, d));
                }
            }
        }

        return keys;
    }

    /// <summary>The cursor of the row at <paramref name="index"/> in the ordered list (opaque to clients).</summary>
    private static string OffsetCursor(string list, int index) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{list}:{index.ToString(CultureInfo.InvariantCulture)}"));

    private static int? FromOffsetCursor(string list, string? cursor, string argument)
    {
        if (cursor is null)
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            if (text.StartsWith(list + ":", StringComparison.Ordinal)
                && int.TryParse(text.AsSpan(list.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                return index;
            }
        }
        catch (FormatException)
        {
        }

        throw ValidationFailedException.For(argument, "Not a cursor returned by this list.");
    }

    /// <summary>
    /// The window Relay's algorithm gives for first/after/last/before over a list of <paramref name="count"/> rows
    /// (count matters only with last and no before).
    /// </summary>
    private static (int Start, int End) Window(int? first, int? after, int? last, int? before, int count)
    {
        var start = after is { } a ? a + 1 : 0;
        var end = before ?? (last is null ? int.MaxValue : count);
        end = Math.Max(start, end);
        if (first is { } f)
        {
            end = (int)Math.Min(end, (long)start + f);
        }

        if (last is { } l)
        {
            start = Math.Max(start, end - l);
        }

        return (start, end);
    }
}
