using Npgsql;

namespace Idarati.Projections.Indicators;

/// <summary>
/// Which complaints an indicator counts: those submitted by <see cref="AsOf"/> (and after <see cref="After"/> when given),
/// of one administration when <see cref="AdministrationId"/> is given (the one that owns each now), each step counted
/// as it stood at <see cref="AsOf"/>. A year of a department is a scope (after the end of the year before, as of the end of
/// the year: a date means the end of that day in Morocco on both bounds); so is the whole portal to date.
/// </summary>
public sealed record ComplaintScope(DateTimeOffset AsOf, DateTimeOffset? After = null, string? AdministrationId = null)
{
    /// <summary>The condition on the complaint list (alias <c>c</c>) over the parameters <see cref="AddParameters"/> adds: $1 as of, $2 after, $3 administration.</summary>
    public const string Where = "c.submitted_at <= $1 AND ($2::timestamptz IS NULL OR c.submitted_at > $2) AND ($3::text IS NULL OR c.administration_id = $3)";

    public void AddParameters(NpgsqlBatchCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = AsOf.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)After?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)AdministrationId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
    }
}
