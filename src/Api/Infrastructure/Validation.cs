using Idarati.Application.Handling;

namespace Idarati.Api.Infrastructure;

/// <summary>Collects field errors of a request and throws them together as one 400.</summary>
public sealed class Validation
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public Validation Required(string field, object? value)
    {
        if (value is null || (value is string s && string.IsNullOrWhiteSpace(s)))
        {
            Add(field, "This field is required.");
        }

        return this;
    }

    public Validation Text(string field, string? value, int maxLength, bool required = true)
    {
        if (required)
        {
            Required(field, value);
        }

        if (value is not null && value.Length > maxLength)
        {
            Add(field, $"At most {maxLength} characters.");
        }

        return this;
    }

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

        list.Add(message);
    }
}
