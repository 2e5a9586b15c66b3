using System.Globalization;
using System.Text;
using Idarati.Api.Infrastructure;
using Idarati.Application.Complaints;
using Idarati.Application.Handling;
using Idarati.GraphQL.Types;
using Idarati.Projections.Complaints;
using Kind = Idarati.Projections.Complaints.ComplaintSearch.FieldKind;

namespace Idarati.Api.GraphQL;

/// <summary>
/// where / order / paging of the complaint list, in the shapes front-end teams know from HotChocolate:
/// <c>where: { status: { in: [...] }, or: [{ ... }, { ... }] }</c>, <c>order: [{ submittedAt: DESC }]</c>, and Relay
/// paging with first/after or last/before. Cursors are opaque; they stand for a row's place in the ordered list.
/// </summary>
public static partial class FrontEndSchema
{
    private sealed record SearchTypes(InputObjectGraphType Filter, InputObjectGraphType Sort);

    private static SearchTypes ComplaintSearchTypes()
    {
        var operations = new Dictionary<Kind, InputObjectGraphType>
        {
            [Kind.Text] = OperationInput("StringOperationFilterInput", Scalars.String, Kind.Text),
            [Kind.Instant] = OperationInput("DateTimeOperationFilterInput", DateTime, Kind.Instant),
            [Kind.Integer] = OperationInput("IntOperationFilterInput", Scalars.Int, Kind.Integer),
            [Kind.Boolean] = OperationInput("BooleanOperationFilterInput", Scalars.Boolean, Kind.Boolean),
        };
        var filter = new InputObjectGraphType("ComplaintListItemFilterInput", "Conditions on the complaint list; the fields of one object must all hold.");
        filter.AddFields(new InputValueDefinition("and", new ListGraphType(filter.NonNull), "Every condition holds."), new InputValueDefinition("or", new ListGraphType(filter.NonNull), "At least one condition holds."));
        filter.AddFields([.. ComplaintSearch.Fields.Select(f => new InputValueDefinition(f.Key, operations[f.Value]))]);
        var direction = new EnumGraphType("SortEnumType", "Ascending or descending.", [new EnumValueDefinition("ASC", false), new EnumValueDefinition("DESC", true)]);
        var sort = new InputObjectGraphType("ComplaintListItemSortInput", "One key of the order: give one field per object, in a list to sort by several.");
        sort.AddFields([.. ComplaintSearch.Fields.Keys.Select(f => new InputValueDefinition(f, direction))]);
        return new SearchTypes(filter, sort);
    }

    private static InputObjectGraphType OperationInput(string name, GraphType scalar, Kind kind)
    {
        var input = new InputObjectGraphType(name);
        input.AddFields([.. ComplaintSearch.Operators(kind).Select(op => new InputValueDefinition(op, op is "in" or "nin" ? new ListGraphType(scalar) : scalar))]);
        return input;
    }

    /// <summary>The where argument as a condition; the fields of one object and its and / or lists must all hold.</summary>
    private static ComplaintCondition? ToCondition(IReadOnlyDictionary<string, object?>? where)
    {
        if (where is null)
        {
            return null;
        }

        var all = new List<ComplaintCondition>();
        foreach (var (field, value) in where)
        {
            if (field == "and")
            {
                all.Add(new ComplaintCondition.All([.. Items(value).Select(v => ToCondition((IReadOnlyDictionary<string, object?>)v!) ?? new ComplaintCondition.All([]))]));
            }
            else if (field == "or")
            {
                all.Add(new ComplaintCondition.Any([.. Items(value).Select(v => ToCondition((IReadOnlyDictionary<string, object?>)v!) ?? new ComplaintCondition.All([]))]));
            }
            else if (value is IReadOnlyDictionary<string, object?> operations)
            {
                foreach (var (op, operand) in operations)
                {
                    all.Add(new ComplaintCondition.Compare(field, op, operand));
                }
            }
            else if (value is null)
            {
                throw ValidationFailedException.For($"where.{field}", "Give the operations to apply, not null.");
            }
        }

        return new ComplaintCondition.All(all);
    }

    private static IEnumerable<object?> Items(object? value) => value switch
    {
        null => throw ValidationFailedException.For("where", "and / or take a list of conditions, not null."),
        IEnumerable<object?> list => list,
        _ => [value],
    };

    private static List<ComplaintOrder> ToOrder(IEnumerable<object?>? order)
    {
        var keys = new List<ComplaintOrder>();
        foreach (var item in order ?? [])
        {
            foreach (var (field, descending) in (IReadOnlyDictionary<string, object?>)item!)
            {
                if (descending is bool d)
                {
                    keys.Add(new ComplaintOrder(field, d));
                }
            }
        }

        return keys;
    }

    /// <summary>The cursor of the row at <paramref name="index"/> in the ordered list (opaque to clients).</summary>
    private static string OffsetCursor(int index) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("complaints:" + index.ToString(CultureInfo.InvariantCulture)));

    private static int? FromOffsetCursor(string? cursor, string argument)
    {
        if (cursor is null)
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            if (text.StartsWith("complaints:", StringComparison.Ordinal)
                && int.TryParse(text.AsSpan("complaints:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
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
    /// The window that Relay's algorithm gives for first/after/last/before over a list of <paramref name="count"/> rows
    /// (count is needed only with last and no before), and whether rows lie beyond it on either side.
    /// </summary>
    private static (int Start, int End) Window(int? first, int? after, int? last, int? before, Func<int> count)
    {
        var start = after is { } a ? a + 1 : 0;
        var end = before ?? (last is null ? int.MaxValue : count());
        end = Math.Max(start, end);
        if (first is { } f)
        {
            end = Math.Min(end, start + f);
        }

        if (last is { } l)
        {
            start = Math.Max(start, end - l);
        }

        return (start, end);
    }
}

public static partial class FrontEndSchema
{
    private static async Task<object?> ComplaintsAsync(ResolveContext c)
    {
        var actor = Caller(c, Auth.Roles.Agent, Auth.Roles.Supervisor, Auth.Roles.Auditor);
        int? first = c.Argument<int?>("first"), last = c.Argument<int?>("last");
        foreach (var (name, value) in new[] { ("first", first), ("last", last) })
        {
            if (value is < 0 or > 200)
            {
                throw ValidationFailedException.For(name, "Between 0 and 200.");
            }
        }

        if (first is null && last is null)
        {
            first = 50;
        }

        var after = FromOffsetCursor(c.Argument<string>("after"), "after");
        var before = FromOffsetCursor(c.Argument<string>("before"), "before");
        var where = ToCondition(c.Argument<IReadOnlyDictionary<string, object?>>("where"));
        var order = ToOrder(c.Argument<IEnumerable<object?>>("order"));
        var administrationId = actor.Role == Domain.Shared.Role.Agent ? actor.AdministrationId : c.Argument<string>("administrationId");
        var query = Service<ComplaintListQuery>(c);
        var now = Service<TimeProvider>(c).GetUtcNow();
        var count = last is not null && before is null
            ? (int)Math.Min(int.MaxValue, await query.CountAsync(where, administrationId, now, c.CancellationToken).ConfigureAwait(false))
            : 0;
        var (start, end) = Window(first, after, last, before, () => count);
        IReadOnlyList<ComplaintRow> rows;
        long position;
        try
        {
            // One row more than the window says whether another page follows.
            (rows, position) = await query.SearchAsync(new ComplaintSearch(where, order, start, end - start + 1), administrationId, now, c.CancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw ValidationFailedException.For("where", e.Message);
        }

        var page = rows.Take(end - start).ToList();
        var edges = page.Select((row, i) => new Dictionary<string, object?> { ["cursor"] = OffsetCursor(start + i), ["node"] = row }).ToList();
        return new Dictionary<string, object?>
        {
            ["where"] = where,
            ["administrationId"] = administrationId,
            ["edges"] = edges,
            ["nodes"] = page,
            ["pageInfo"] = new Dictionary<string, object?>
            {
                ["hasNextPage"] = rows.Count > page.Count,
                ["hasPreviousPage"] = start > 0,
                ["startCursor"] = edges.Count > 0 ? edges[0]["cursor"] : null,
                ["endCursor"] = edges.Count > 0 ? edges[^1]["cursor"] : null,
            },
            ["position"] = position.ToString(CultureInfo.InvariantCulture),
        };
    }
}
