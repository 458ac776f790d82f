using JitBot.Requests;
using JitBot.Storage;
using JitBot.Tests.Storage;
using MsFakeTime = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace JitBot.Tests.Requests;

/// <summary>Short ids as people see them, and how what they type is read back (over a real store).</summary>
public sealed class ShortIdsTests : IAsyncLifetime
{
    readonly MsFakeTime _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    readonly LiteDbTestDatabase _database = new();
    IAccessStore _store = null!;
    ShortIds _ids = null!;
    static CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync()
    {
        _store = _database.Open(new OutboxSignal(), _time);
        await _store.MigrateAsync(Ct);
        _ids = new ShortIds(_store);
        await GrantAsync("grt_p3n8d2w6z0ab", "U0ME");
        await GrantAsync("grt_p3n8d7aaaaaa", "U0ME");
        await GrantAsync("grt_q1x0aaaaaaaa", "U0ME");
        await GrantAsync("grt_zz99aaaaaaaa", "U0SOMEONE");
    }

    public async Task DisposeAsync()
    {
        _database.Close(_store);
        await _database.DisposeAsync();
    }

    async Task GrantAsync(string id, string user)
    {
        var now = _time.GetUtcNow();
        var request = new AccessRequest(new RequestId("req_" + id[4..]), user, "payments-db", TimeSpan.FromHours(1), null, null, null, false,
            RequestState.Granted, now, now, "policy", DecisionJsonTests.RichDecision(), []);
        var grant = new GrantRecord(new Grant(new GrantId(id), request.Id, user, "payments-db", now, now.AddHours(1), GrantState.Active, null),
            "fake", "fake:" + id);
        await using var tx = await _store.BeginAsync(Ct);
        await tx.InsertRequestAsync(request, null, Ct);
        await tx.InsertGrantAsync(grant, Ct);
        await tx.CommitAsync(Ct);
    }

    static Func<GrantRecord, CancellationToken, ValueTask<bool>> HeldBy(string user) => (g, _) => ValueTask.FromResult(g.Grant.UserId == user);

    [Fact]
    public void Short_IsTheFirstSixCharactersAfterThePrefix()
    {
        Assert.Equal("p3n8d2", new GrantId("grt_p3n8d2w6z0ab").Short);
        Assert.Equal("7k2m9x", new RequestId("req_7k2m9x4q1c3v").Short);
        Assert.Equal(6, GrantId.New().Short.Length);
        Assert.Equal("abc", new GrantId("grt_abc").Short); // never longer than what there is
    }

    [Theory]
    [InlineData("grt_q1x0aaaaaaaa")]   // the whole id
    [InlineData("q1x0aaaaaaaa")]       // without its prefix
    [InlineData("q1x0")]               // a prefix of 4
    [InlineData("`Q1X0AA`")]           // as copied from Slack, any case
    [InlineData("grt_q1xo")]           // o read as 0
    [InlineData("qlx0")]               // l read as 1
    public async Task Grant_IsFoundByEveryFormPeopleType(string typed)
    {
        var match = await _ids.GrantAsync(typed, HeldBy("U0ME"), Ct);

        Assert.Null(match.Problem);
        Assert.Equal("grt_q1x0aaaaaaaa", match.Found!.Grant.Id.Value);
    }

    [Fact]
    public async Task Grant_AmbiguousPrefix_AsksForMoreCharacters_AndTheShortIdIsEnough()
    {
        var ambiguous = await _ids.GrantAsync("p3n8", HeldBy("U0ME"), Ct);
        Assert.Null(ambiguous.Found);
        Assert.Equal("`p3n8` fits 2 of your grants (`p3n8d2`, `p3n8d7`); type more characters of the one you mean.", ambiguous.Problem);

        Assert.Equal("grt_p3n8d2w6z0ab", (await _ids.GrantAsync("p3n8d2", HeldBy("U0ME"), Ct)).Found!.Grant.Id.Value);
        Assert.Equal("grt_p3n8d7aaaaaa", (await _ids.GrantAsync("p3n8d7", HeldBy("U0ME"), Ct)).Found!.Grant.Id.Value);
    }

    [Fact]
    public async Task Grant_OnlyThoseThePersonMayActOnCount_AndOthersAreAnsweredLikeUnknownOnes()
    {
        var notMine = await _ids.GrantAsync("zz99", HeldBy("U0ME"), Ct);
        var unknown = await _ids.GrantAsync("zz98", HeldBy("U0ME"), Ct);

        Assert.Null(notMine.Found);
        Assert.Equal("You have no grant `zz99` that you can act on. `/access list` shows your grants with their ids.", notMine.Problem);
        Assert.Equal(notMine.Problem!.Replace("zz99", "zz98"), unknown.Problem);
        Assert.Equal("grt_zz99aaaaaaaa", (await _ids.GrantAsync("zz99", HeldBy("U0SOMEONE"), Ct)).Found!.Grant.Id.Value);
    }

    [Theory]
    [InlineData("", "Say which grant: type its id as Slack shows it, e.g. `p3n8d2`. `/access list` shows yours.")]
    [InlineData("p3n", "`p3n` is too short: type at least 4 characters of the grant id, e.g. `p3n8d2`.")]
    [InlineData("p3n8-d2", "\"p3n8-d2\" is not a grant id. Grant ids are letters and digits such as `p3n8d2`; `/access list` shows yours.")]
    [InlineData("grt_p3n8d2w6z0ab0", "\"grt_p3n8d2w6z0ab0\" is not a grant id. Grant ids are letters and digits such as `p3n8d2`; `/access list` shows yours.")]
    [InlineData("req_p3n8d2", "`req_p3n8d2` is the id of a request, not of a grant. `/access list` shows each grant with its id.")]
    [InlineData("p3n8%", "\"p3n8%\" is not a grant id. Grant ids are letters and digits such as `p3n8d2`; `/access list` shows yours.")]
    public async Task Grant_BadInput_GetsASentenceSayingWhatToType(string typed, string expected)
    {
        var match = await _ids.GrantAsync(typed, HeldBy("U0ME"), Ct);

        Assert.Null(match.Found);
        Assert.Equal(expected, match.Problem);
    }

    [Fact]
    public async Task Request_IsFoundByItsShortId_AndAGrantIdIsNamedAsSuch()
    {
        Func<AccessRequest, CancellationToken, ValueTask<bool>> mine = (r, _) => ValueTask.FromResult(r.RequesterId == "U0ME");

        Assert.Equal("req_q1x0aaaaaaaa", (await _ids.RequestAsync("q1x0aa", mine, Ct)).Found!.Id.Value);
        Assert.Equal("req_q1x0aaaaaaaa", (await _ids.RequestAsync("req_q1x0aaaaaaaa", mine, Ct)).Found!.Id.Value);
        Assert.Equal("`grt_q1x0aa` is the id of a grant, not of a request. `/access list` shows each request with its id.",
            (await _ids.RequestAsync("grt_q1x0aa", mine, Ct)).Problem);
        Assert.Contains("fits 2 of your requests", (await _ids.RequestAsync("p3n8d", mine, Ct)).Problem);
    }

    [Fact]
    public void Pick_ShowsLongerIdsWhenShortOnesCollide()
    {
        string[] candidates = ["grt_abcdefgh0000", "grt_abcdefgh1111", "grt_abcdefxx0000"];

        var match = ShortIds.Pick("grt_abcd", candidates, c => c, GrantId.Prefix, "grant");

        Assert.Equal("`abcd` fits 3 of your grants (`abcdefgh0`, `abcdefgh1`, `abcdefxx0`); type more characters of the one you mean.", match.Problem);
    }
}
