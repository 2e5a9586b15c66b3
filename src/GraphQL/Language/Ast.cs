namespace Idarati.GraphQL.Language;

/// <summary>Every node knows where it starts and ends in the document.</summary>
public abstract record Node(Span Span);

public sealed record Name(string Value, Span Span) : Node(Span)
{
    public override string ToString() => Value;
}

public sealed record Document(IReadOnlyList<Definition> Definitions, Span Span) : Node(Span);

public abstract record Definition(Span Span) : Node(Span);

public enum OperationType
{
    Query,
    Mutation,
    Subscription,
}

public sealed record OperationDefinition(
    OperationType Operation, Name? Name, IReadOnlyList<VariableDefinition> VariableDefinitions, IReadOnlyList<Directive> Directives,
    SelectionSet SelectionSet, Span Span) : Definition(Span);

public sealed record FragmentDefinition(Name Name, NamedType TypeCondition, IReadOnlyList<Directive> Directives, SelectionSet SelectionSet, Span Span) : Definition(Span);

public sealed record VariableDefinition(Variable Variable, TypeReference Type, Value? DefaultValue, IReadOnlyList<Directive> Directives, Span Span) : Node(Span);

public sealed record SelectionSet(IReadOnlyList<Selection> Selections, Span Span) : Node(Span);

public abstract record Selection(IReadOnlyList<Directive> Directives, Span Span) : Node(Span);

public sealed record Field(Name? Alias, Name Name, IReadOnlyList<Argument> Arguments, IReadOnlyList<Directive> Directives, SelectionSet? SelectionSet, Span Span)
    : Selection(Directives, Span)
{
    /// <summary>The key of the field in the response: its alias, else its name.</summary>
    public string ResponseKey => (Alias ?? Name).Value;
}

public sealed record FragmentSpread(Name Name, IReadOnlyList<Directive> Directives, Span Span) : Selection(Directives, Span);

public sealed record InlineFragment(NamedType? TypeCondition, IReadOnlyList<Directive> Directives, SelectionSet SelectionSet, Span Span) : Selection(Directives, Span);

public sealed record Argument(Name Name, Value Value, Span Span) : Node(Span);

public sealed record Directive(Name Name, IReadOnlyList<Argument> Arguments, Span Span) : Node(Span);

public abstract record TypeReference(Span Span) : Node(Span);

public sealed record NamedType(Name Name, Span Span) : TypeReference(Span)
{
    public override string ToString() => Name.Value;
}

public sealed record ListType(TypeReference Type, Span Span) : TypeReference(Span)
{
    public override string ToString() => $"[{Type}]";
}

public sealed record NonNullType(TypeReference Type, Span Span) : TypeReference(Span)
{
    public override string ToString() => $"{Type}!";
}

public abstract record Value(Span Span) : Node(Span);

public sealed record Variable(Name Name, Span Span) : Value(Span);

public sealed record IntValue(string Text, Span Span) : Value(Span);

public sealed record FloatValue(string Text, Span Span) : Value(Span);

public sealed record StringValue(string Text, bool Block, Span Span) : Value(Span);

public sealed record BooleanValue(bool Boolean, Span Span) : Value(Span);

public sealed record NullValue(Span Span) : Value(Span);

public sealed record EnumValue(string Text, Span Span) : Value(Span);

public sealed record ListValue(IReadOnlyList<Value> Values, Span Span) : Value(Span);

public sealed record ObjectField(Name Name, Value Value, Span Span) : Node(Span);

public sealed record ObjectValue(IReadOnlyList<ObjectField> Fields, Span Span) : Value(Span);
