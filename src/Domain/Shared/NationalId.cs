using System.Globalization;

namespace Idarati.Domain.Shared;

/// <summary>
/// A Moroccan national identity card number (CIN) as the service keeps it: one spelling per card. Letters are
/// capitals and white space (spaces, tabs, no-break spaces) and invisible format characters are dropped, so that
/// "ab 123456", "AB123456" and "Ab\u00a0123 456" are one person. Every door, the unique key and the lookup index use it.
/// </summary>
public static class NationalId
{
    public static string Normalize(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var kept = value.Where(c => !char.IsWhiteSpace(c) && CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.Format);
        return new string([.. kept]).ToUpperInvariant();
    }
}
