using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;

namespace Idarati.GraphQL.Validation;

public static partial class Validator
{
    private sealed partial class Walk
    {
        /// <summary>ValuesOfCorrectType and UniqueInputFieldNames for a literal in a position of <paramref name="type"/>.</summary>
        private void Value(Value value, GraphType type)
        {
            if (value is Variable)
            {
                return;
            }

            switch (type)
            {
                case NonNullGraphType when value is NullValue:
                    Report($"Expected value of type \"{type}\", found null.", value);
                    return;
                case NonNullGraphType nonNull:
                    Leaf(value, nonNull.OfType, type);
                    return;
                default:
                    if (value is not NullValue)
                    {
                        Leaf(value, type, type);
                    }

                    return;
            }
        }

        private void Leaf(Value value, GraphType type, GraphType locationType)
        {
            switch (type)
            {
                case ListGraphType list when value is ListValue items:
                    foreach (var item in items.Values)
                    {
                        Value(item, list.OfType);
                    }

                    return;
                case ListGraphType list:
                    Value(value, list.OfType);
                    return;
                case InputObjectGraphType input:
                    InputObject(value, input, locationType);
                    return;
                case EnumGraphType e:
                    if (value is not EnumValue ev)
                    {
                        Report($"Enum \"{e.Name}\" cannot represent non-enum value: {Printer.Print(value)}.", value);
                    }
                    else if (e.ByName(ev.Text) is null)
                    {
                        Report($"Value \"{ev.Text}\" does not exist in \"{e.Name}\" enum.", value);
                    }

                    return;
                case ScalarGraphType scalar:
                    if (value is ListValue or ObjectValue)
                    {
                        Report($"Expected value of type \"{locationType}\", found {Printer.Print(value)}.", value);
                        return;
                    }

                    try
                    {
                        scalar.ParseLiteral(value);
                    }
                    catch (GraphQLCoercionException error)
                    {
                        Report($"Expected value of type \"{locationType}\", found {Printer.Print(value)}; {error.Message}", value);
                    }

                    return;
            }
        }

        private void InputObject(Value value, InputObjectGraphType input, GraphType locationType)
        {
            if (value is not ObjectValue obj)
            {
                Report($"Expected value of type \"{locationType}\", found {Printer.Print(value)}.", value);
                return;
            }

            foreach (var group in obj.Fields.GroupBy(f => f.Name.Value).Where(g => g.Count() > 1))
            {
                foreach (var duplicate in group.Skip(1))
                {
                    Report($"There can be only one input field named \"{group.Key}\".", group.First().Name, duplicate.Name);
                }
            }

            foreach (var field in input.Fields.Where(f => f.Type is NonNullGraphType && !f.HasDefault && obj.Fields.All(o => o.Name.Value != f.Name)))
            {
                Report($"Field \"{input.Name}.{field.Name}\" of required type \"{field.Type}\" was not provided.", value);
            }

            foreach (var field in obj.Fields)
            {
                if (input.Field(field.Name.Value) is { } definition)
                {
                    Value(field.Value, definition.Type);
                }
                else
                {
                    Report($"Field \"{field.Name.Value}\" is not defined by type \"{input.Name}\".", field);
                }
            }

            if (input.IsOneOf)
            {
                if (obj.Fields.Count != 1)
                {
                    Report($"OneOf Input Object \"{input.Name}\" must specify exactly one key.", value);
                }
                else if (obj.Fields[0].Value is NullValue)
                {
                    Report($"Field \"{input.Name}.{obj.Fields[0].Name.Value}\" must be non-null.", value);
                }
            }
        }
    }
}
