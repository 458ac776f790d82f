using JitBot.Policies;

namespace JitBot.Tests.Policies;

/// <summary>List items are read while a file is parsed; these check that it changes nothing a user sees.</summary>
public class StreamedReadingTests
{
    [Theory]
    [InlineData("yaml", "resources:\n  - {id: a-db, tags: {owner-team: payments}}\n  - {id: b-db, tags: {owner-team: nobody}}\n  - {id: c-db, tags: [oops\n")]
    [InlineData("json", "{\"resources\": [\n {\"id\": \"a-db\", \"tags\": {\"owner-team\": \"payments\"}},\n {\"id\": \"b-db\", \"tags\": {\"owner-team\": \"nobody\"}},\n {\"id\": \"c-db\", \"tags\": [\"oops\"\n")]
    public void AFileThatTurnsOutMalformed_ContributesOnlyItsSyntaxProblem(string syntax, string text)
    {
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog), ("rules.yaml", "rules: []"), ($"more.{syntax}", text));
        var result = t.Load();
        Assert.Null(result.Snapshot);
        var p = Assert.Single(result.Problems);
        Assert.Equal(($"more.{syntax}", "bad-yaml"), (p.File, p.Code));
    }

    [Theory]
    [InlineData("yaml", "resources:\n  - {id: a-db, tags: {owner-team: payments}}\nresources:\n  - {id: b-db, tags: {owner-team: payments}}\n", 3, 1)]
    [InlineData("json", "{\"resources\": [{\"id\": \"a-db\", \"tags\": {\"owner-team\": \"payments\"}}],\n \"resources\": [{\"id\": \"b-db\", \"tags\": {\"owner-team\": \"payments\"}}]}", 2, 2)]
    public void ARepeatedListKey_IsReported_AndOnlyTheFirstIsRead(string syntax, string text, int line, int column)
    {
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog), ("rules.yaml", "rules: []"), ($"more.{syntax}", text));
        var result = t.Load();
        var p = Assert.Single(result.Problems);
        Assert.Equal(($"more.{syntax}", line, column, "duplicate-key"), (p.File, p.Line, p.Column, p.Code));
    }

    [Fact]
    public void ItemsOfAnUnknownKey_AreNotRead_AndTheKeyIsReported()
    {
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog), ("rules.yaml", "rules: []"),
            ("more.yaml", "resourcez:\n  - {id: a-db, tags: {owner-team: payments}}\n"));
        var p = Assert.Single(t.Load().Problems);
        Assert.Equal(("unknown-key", 1, 1), (p.Code, p.Line, p.Column));
        Assert.Contains("did you mean `resources`", p.Message);
    }

    [Fact]
    public void ItemsKeepTheirOrderAndPlaces_WhateverTheKeyOrder()
    {
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog),
            ("more.yaml", "rules:\n  - {id: r1, effect: allow, when: {resource: {env: dev}}}\nresources:\n  - {id: x-db, tags: {owner-team: payments, env: dev}}\n  - {id: y-db, tags: {owner-team: ghosts}}\n"));
        var result = t.Load();
        var p = Assert.Single(result.Problems);
        Assert.Equal(("more.yaml", 5, 5, "unknown-team"), (p.File, p.Line, p.Column, p.Code));
    }
}
