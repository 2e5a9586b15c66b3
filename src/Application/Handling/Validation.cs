using System.Globalization;
using System.Text.RegularExpressions;

namespace Idarati.Application.Handling;

/// <summary>
/// Collects field errors of a request and throws them together as one 400. Every text a client sends goes through
/// <see cref="Text"/>: REST bodies and GraphQL inputs alike, so one rule holds at the door.
/// </summary>
public sealed partial class Validation
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public Validation Required(string field, object? value)
    {
        if (value is null || (value is string s && IsBlank(s)))
        {
            Add(field, "This field is required.");
        }

        return this;
    }

    /// <summary>
    /// Text a person typed: at most <paramref name="maxLength"/> characters, no control character but tab, line feed and
    /// carriage return (a NUL cannot even be stored in a PostgreSQL text column), well-formed UTF-16, and, when
    /// required, something left once white space and invisible characters (zero-width spaces, directional marks) go.
    /// </summary>
    public Validation Text(string field, string? value, int maxLength, bool required = true)
    {
        if (required)
        {
            Required(field, value);
        }

        if (value is null)
        {
            return this;
        }

        if (!required && IsBlank(value))
        {
            Add(field, "Empty once white space and invisible characters are removed: leave the field out instead.");
        }

        if (value.Length > maxLength)
        {
            Add(field, $"At most {maxLength} characters.");
        }

        if (TextProblem(value) is { } problem)
        {
            Add(field, problem);
        }

        return this;
    }

    /// <summary>Why <paramref name="value"/> is not acceptable text, or null.</summary>
    public static string? TextProblem(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if ((c < ' ' && c is not ('\t' or '\n' or '\r')) || c == '\u007F')
            {
                return string.Create(CultureInfo.InvariantCulture, $"Control characters are not allowed (U+{(int)c:X4} at {i}).");
            }

            if (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[++i])))
            {
                return "Not valid Unicode text (a lone surrogate).";
            }
        }

        return null;
    }

    /// <summary>Empty once white space and invisible format characters (U+200B, U+200E, U+FEFF, ...) are removed.</summary>
    public static bool IsBlank(string value) =>
        value.All(c => char.IsWhiteSpace(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format);

    /// <summary>An e-mail address: one '@', a local part, a domain with a dot, nothing a mail system would rewrite.</summary>
    public Validation Email(string field, string? value, bool required = true) =>
        Text(field, value, 254, required).Check(field, value is null || EmailShape().IsMatch(value.Trim()), "Not an e-mail address (name@domain.tld).");

    /// <summary>A Moroccan national identity card number (CIN): one or two letters, then digits.</summary>
    public Validation NationalId(string field, string? value, bool required = true) =>
        Text(field, value, 20, required).Check(field, value is null || CinShape().IsMatch(Idarati.Domain.Shared.NationalId.Normalize(value)), "A CIN: one or two letters, then 1 to 8 digits (e.g. AB123456).");

    /// <summary>A phone number in E.164 (+212612345678) or as dialled in Morocco (0612345678); spaces, dots and dashes allowed.</summary>
    public Validation Phone(string field, string? value, bool required = true) =>
        Text(field, value, 30, required).Check(field, value is null || PhoneShape().IsMatch(PhoneSeparators().Replace(value.Trim(), string.Empty)),
            "An E.164 number (+212612345678) or a Moroccan number (0612345678).");

    /// <summary>The identity a complaint or an escalation carries, under <paramref name="prefix"/> ("citizen").</summary>
    public Validation Citizen(string prefix, string? fullName, string? nationalId, string? phone, string? email) =>
        Text($"{prefix}.fullName", fullName, 200).NationalId($"{prefix}.nationalId", nationalId).Phone($"{prefix}.phone", phone).Email($"{prefix}.email", email);

    public Validation Check(string field, bool ok, string message)
    {
        if (!ok)
        {
            Add(field, message);
        }

        return this;
    }

    public void ThrowIfInvalid()
    {
        if (_errors.Count > 0)
        {
            throw new ValidationFailedException(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }
    }

    private void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        if (!list.Contains(message))
        {
            list.Add(message);
        }
    }

    [GeneratedRegex(@"^[^@\s""<>(),;:\[\]\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")]
    private static partial Regex EmailShape();

    [GeneratedRegex("^[A-Z]{1,2}[0-9]{1,8}$")]
    private static partial Regex CinShape();

    [GeneratedRegex(@"^(?:\+[1-9][0-9]{7,14}|0[5-8][0-9]{8})$")]
    private static partial Regex PhoneShape();

    [GeneratedRegex(@"[\s.\-]")]
    private static partial Regex PhoneSeparators();
}
