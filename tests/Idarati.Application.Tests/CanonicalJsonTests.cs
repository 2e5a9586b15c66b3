using System.Text;
using Idarati.Application.Audit;

namespace Idarati.Application.Tests;

/// <summary>RFC 8785's own examples, and what jsonb does to a document: the canonical bytes do not change.</summary>
public sealed class CanonicalJsonTests
{
    private static string Canonical(string json) => Encoding.UTF8.GetString(CanonicalJson.Canonicalize(json));

    [Fact]
    public void The_rfcs_example_of_numbers_strings_and_literals_canonicalizes_as_the_rfc_says()
    {
        const string Input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """;
        Assert.Equal("""{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}""", Canonical(Input));
    }

    [Fact]
    public void Members_sort_by_utf16_code_units()
    {
        const string Input = """{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}""";
        Assert.Equal("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\",\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}", Canonical(Input));
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(-1.5, "-1.5")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(0.000001, "0.000001")]
    [InlineData(0.0000001, "1e-7")]
    [InlineData(123456789012345680000.0, "123456789012345680000")]
    [InlineData(9007199254740993.0, "9007199254740992")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    public void Numbers_print_as_ecmascript_prints_them(double value, string expected) => Assert.Equal(expected, CanonicalJson.Number(value));

    [Fact]
    public void A_document_reordered_and_respelled_as_jsonb_returns_it_has_the_same_canonical_bytes()
    {
        const string Written = """{"text":"Réponse \"citée\"","outcome":"favourable","at":"2026-03-02T09:00:00+00:00","count":1.50,"tags":["a","b"]}""";
        const string FromJsonb = """{"at": "2026-03-02T09:00:00+00:00", "tags": ["a", "b"], "text": "R\u00e9ponse \"cit\u00e9e\"", "count": 1.5, "outcome": "favourable"}""";
        Assert.Equal(CanonicalJson.Canonicalize(Written), CanonicalJson.Canonicalize(FromJsonb));
        Assert.NotEqual(CanonicalJson.Canonicalize(Written), CanonicalJson.Canonicalize(Written.Replace("favourable", "unfavourable", StringComparison.Ordinal)));
    }

    [Fact]
    public void Values_copied_as_they_are_written_match_values_respelled()
    {
        // Plain integers and strings without escapes are copied byte for byte; everything else is respelled.
        const string Input = """{"i":"plain é","h":"\u00e9t\u00e9","g":"a\"b","f":1e2,"e":-42,"d":9007199254740993,"c":123456789012345,"b":0,"a":-0,"j":-0.0,"k":[007]}""";
        Assert.Equal("""{"a":0,"b":0,"c":123456789012345,"d":9007199254740992,"e":-42,"f":100,"g":"a\"b","h":"été","i":"plain é","j":0,"k":[7]}""",
            Canonical(Input.Replace("[007]", "[7.0]", StringComparison.Ordinal)));
        Assert.Equal(TamperEvidence.Link(TamperEvidence.Genesis, "s", 1, "t", 1, Input.Replace("[007]", "[7]", StringComparison.Ordinal)),
            TamperEvidence.Link(TamperEvidence.Genesis, "s", 1, "t", 1, Encoding.UTF8.GetBytes("""{"k":[7.0],"j":0,"a":0,"b":0,"c":123456789012345,"d":9007199254740992,"e":-42,"f":100,"g":"a\u0022b","h":"été","i":"plain \u00e9"}""")));
    }

    [Fact]
    public void A_link_hashes_the_previous_hash_and_the_canonical_form_of_the_event()
    {
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            [.. new byte[32], .. Encoding.UTF8.GetBytes("""{"data":{"a":2,"b":"é"},"stream":"complaint-1","timestamp":1772442000000000,"type":"complaint.submitted","version":1}""")]));
        Assert.Equal(expected, TamperEvidence.Link(TamperEvidence.Genesis, "complaint-1", 1, "complaint.submitted", 1772442000000000, """{ "b": "\u00e9", "a": 2.0 }"""));
    }

    /// <summary>RFC 8785 Appendix B: each IEEE 754 double (its bits in hexadecimal) and how the canonical form writes it.</summary>
    public static TheoryData<string, string> AppendixB() => new()
    {
        { "0000000000000000", "0" }, { "8000000000000000", "0" }, { "0000000000000001", "5e-324" }, { "8000000000000001", "-5e-324" },
        { "7fefffffffffffff", "1.7976931348623157e+308" }, { "ffefffffffffffff", "-1.7976931348623157e+308" },
        { "4340000000000000", "9007199254740992" }, { "c340000000000000", "-9007199254740992" }, { "4430000000000000", "295147905179352830000" },
        { "44b52d02c7e14af5", "9.999999999999997e+22" }, { "44b52d02c7e14af6", "1e+23" }, { "44b52d02c7e14af7", "1.0000000000000001e+23" },
        { "444b1ae4d6e2ef4e", "999999999999999700000" }, { "444b1ae4d6e2ef4f", "999999999999999900000" }, { "444b1ae4d6e2ef50", "1e+21" },
        { "3eb0c6f7a0b5ed8c", "9.999999999999997e-7" }, { "3eb0c6f7a0b5ed8d", "0.000001" },
        { "41b3de4355555553", "333333333.3333332" }, { "41b3de4355555554", "333333333.33333325" }, { "41b3de4355555555", "333333333.3333333" },
        { "41b3de4355555556", "333333333.3333334" }, { "41b3de4355555557", "333333333.33333343" },
        { "becbf647612f3696", "-0.0000033333333333333333" }, { "43143ff3c1cb0959", "1424953923781206.2" },
    };

    [Theory]
    [MemberData(nameof(AppendixB))]
    public void Every_number_of_rfc_8785_appendix_b_is_written_as_the_rfc_says(string bits, string expected)
    {
        var value = BitConverter.Int64BitsToDouble(Convert.ToInt64(bits, 16));
        Assert.Equal(expected, CanonicalJson.Number(value));
        // The same through a document, as a stored body is read: the number as the RFC writes it, inside an array.
        Assert.Equal($"[{expected}]", Canonical($"[{value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}]"));
    }

    [Theory]
    [InlineData("7fffffffffffffff")]
    [InlineData("7ff0000000000000")]
    public void Not_a_number_and_infinity_have_no_canonical_form(string bits) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CanonicalJson.Number(BitConverter.Int64BitsToDouble(Convert.ToInt64(bits, 16))));

    [Fact]
    public void A_v2_link_seals_who_acted_for_which_command_and_administration_beside_the_data()
    {
        var envelope = new EventEnvelope("Agent:a@MIN-SANTE", "MIN-SANTE", null, "cmd-1", "cmd-1");
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            [.. new byte[32], .. Encoding.UTF8.GetBytes("""{"actor":"Agent:a@MIN-SANTE","administration":"MIN-SANTE","causation":null,"command":"cmd-1","correlation":"cmd-1","data":{"a":2},"form":"idarati-event-v2","stream":"complaint-1","timestamp":1772442000000000,"type":"complaint.acknowledged","version":2}""")]));
        Assert.Equal(expected, TamperEvidence.Link(TamperEvidence.Genesis, "complaint-1", 2, "complaint.acknowledged", 1772442000000000, """{"a":2.0}""", envelope));
        // Each member counts: another actor, administration or command gives another hash, and so does v1.
        Assert.NotEqual(expected, TamperEvidence.Link(TamperEvidence.Genesis, "complaint-1", 2, "complaint.acknowledged", 1772442000000000, """{"a":2}""", envelope with { Actor = "Agent:b@MIN-SANTE" }));
        Assert.NotEqual(expected, TamperEvidence.Link(TamperEvidence.Genesis, "complaint-1", 2, "complaint.acknowledged", 1772442000000000, """{"a":2}""", envelope with { Administration = null }));
        Assert.NotEqual(expected, TamperEvidence.Link(TamperEvidence.Genesis, "complaint-1", 2, "complaint.acknowledged", 1772442000000000, """{"a":2}""", envelope with { Causation = "x" }));
        Assert.NotEqual(expected, TamperEvidence.Link(TamperEvidence.Genesis, "complaint-1", 2, "complaint.acknowledged", 1772442000000000, """{"a":2}"""));
    }
}
