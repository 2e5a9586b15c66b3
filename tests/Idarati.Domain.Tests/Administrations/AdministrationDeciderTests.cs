using Idarati.Domain.Administrations;
using Idarati.Domain.Shared;
using static Idarati.Domain.Administrations.AdministrationCommand;
using static Idarati.Domain.Administrations.AdministrationEvent;

namespace Idarati.Domain.Tests.Administrations;

public sealed class AdministrationDeciderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly Actor Admin = new("root", Role.Admin);
    private static readonly AdministrationProfile Profile = new("DGI", "المديرية العامة للضرائب", "Direction Générale des Impôts", AdministrationKind.PublicEstablishment, "Rabat-Salé-Kénitra");

    private static Spec<AdministrationCommand, AdministrationEvent, AdministrationState> Administration() => new(AdministrationDecider.Decider);

    [Fact]
    public void An_administrator_registers_an_administration() =>
        Administration().When(new Register(Admin, T0, Profile)).Then(new Registered(Profile, Admin.ToString(), T0));

    [Fact]
    public void Registering_the_same_profile_again_changes_nothing() =>
        Administration().Given(new Registered(Profile, "x", T0)).When(new Register(Admin, T0, Profile)).ThenNothing();

    [Fact]
    public void Registering_another_profile_under_a_taken_id_is_refused() =>
        Administration().Given(new Registered(Profile, "x", T0)).When(new Register(Admin, T0, Profile with { NameFr = "Autre" })).ThenFails("already-registered");

    [Fact]
    public void Only_an_administrator_manages_administrations() =>
        Administration().When(new Register(new Actor("s", Role.Supervisor), T0, Profile)).ThenFails("forbidden");

    [Fact]
    public void An_administration_is_deactivated_once() =>
        Administration().Given(new Registered(Profile, "x", T0), new Deactivated("Fusion", "x", T0)).When(new Deactivate(Admin, T0, "Fusion")).ThenNothing();

    [Fact]
    public void Deactivation_takes_an_active_administration_out_of_service() =>
        Assert.IsType<AdministrationState.Inactive>(Administration().Given(new Registered(Profile, "x", T0)).When(new Deactivate(Admin, T0, "Fusion")).ThenState());

    [Fact]
    public void An_unknown_administration_is_not_deactivated() =>
        Administration().When(new Deactivate(Admin, T0, "r")).ThenFails("not-registered");
}
