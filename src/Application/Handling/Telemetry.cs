using System.Diagnostics;

namespace Idarati.Application.Handling;

/// <summary>The service's own spans and metrics, beside ASP.NET Core's, Wolverine's, Marten's and Npgsql's (README, Operations).</summary>
public static class Telemetry
{
    /// <summary>The name of the service's activity source and meter (the meter is the host's, from IMeterFactory: Observability).</summary>
    public const string Name = "Idarati";

    /// <summary>Spans of our own: a group commit (linked to every command it wrote), a mail handed to the server.</summary>
    public static readonly ActivitySource Source = new(Name);
}
