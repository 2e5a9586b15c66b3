using System.Text.Json;
using System.Text.Json.Serialization;

namespace Idarati.Application;

/// <summary>How events are stored: camelCase JSON, enums as camelCase strings, names from the domain.</summary>
public static class Serialization
{
    public static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        return options;
    }
}
