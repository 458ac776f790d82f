using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>One request the receiver got: its path, headers and raw body.</summary>
public sealed record ReceivedWebhook(string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.GetValueOrDefault(name.ToLowerInvariant());
}

/// <summary>
/// A webhook receiver on 127.0.0.1 (real Kestrel, random port). It records every request and answers each one
/// with the next scripted answer (200 when none is left); an answer may also hang until the request is abandoned.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    readonly ConcurrentQueue<ReceivedWebhook> received = new();
    readonly ConcurrentQueue<Func<HttpContext, Task>> answers = new();
    readonly SemaphoreSlim arrivals = new(0);

    WebhookReceiver() { }

    WebApplication app = null!;

    public Uri BaseUrl { get; private set; } = null!;
    public Uri Url => new(BaseUrl, "hook");

    public IReadOnlyList<ReceivedWebhook> Received => received.ToList();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        (receiver.app, receiver.BaseUrl) = await LoopbackServer.StartAsync(app => app.Run(receiver.HandleAsync));
        return receiver;
    }

    /// <summary>The next request gets this status and body.</summary>
    public void Answer(int status, string body = "", string? location = null) => answers.Enqueue(async context =>
    {
        context.Response.StatusCode = status;
        if (location is not null) context.Response.Headers.Location = location;
        await context.Response.WriteAsync(body);
    });

    /// <summary>The next request gets no answer until the caller gives up.</summary>
    public void Hang() => answers.Enqueue(async context =>
    {
        try { await Task.Delay(Timeout.Infinite, context.RequestAborted); }
        catch (OperationCanceledException) { }
    });

    /// <summary>The next request gets 200 once <paramref name="release"/> completes.</summary>
    public void AnswerAfter(Task release) => answers.Enqueue(async context =>
    {
        await release.WaitAsync(context.RequestAborted);
        context.Response.StatusCode = 200;
    });

    /// <summary>Waits until <paramref name="count"/> requests have arrived in all.</summary>
    public async Task WaitForAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (received.Count < count) await arrivals.WaitAsync(timeout.Token);
    }

    async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        received.Enqueue(new ReceivedWebhook(context.Request.Path,
            context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), body));
        arrivals.Release();
        if (answers.TryDequeue(out var answer)) await answer(context);
        else context.Response.StatusCode = 200;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
