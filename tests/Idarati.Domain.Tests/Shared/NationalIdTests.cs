using Idarati.Domain.Shared;

namespace Idarati.Domain.Tests.Shared;

/// <summary>One spelling per card: every door, the unique key and the lookup index normalise a CIN the same way.</summary>
public sealed class NationalIdTests
{
    [Theory]
    [InlineData("AB123456", "AB123456")]
    [InlineData("ab123456", "AB123456")]
    [InlineData(" ab 123 456 ", "AB123456")]
    [InlineData("Ab\u00a0123\t456", "AB123456")]
    [InlineData("\u200bAB123456\u200e", "AB123456")]
    [InlineData("j1", "J1")]
    public void Case_white_space_and_invisible_characters_do_not_make_another_CIN(string spelt, string kept) =>
        Assert.Equal(kept, NationalId.Normalize(spelt));

    [Fact]
    public void Letters_and_digits_are_kept_as_they_are() => Assert.NotEqual(NationalId.Normalize("AB123456"), NationalId.Normalize("AB123457"));
}
