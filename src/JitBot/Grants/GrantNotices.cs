using System.Globalization;
using JitBot.Requests;
using JitBot.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.Grants;

/// <summary>Hands the outbox's grant notices (<c>GrantExpiring</c>, <c>GrantExtended</c>, <c>GrantRevoked</c>) to <see cref="IGrantNotifier"/>.</summary>
public static class GrantNotices
{
    /// <summary>Delivers one notice; false when its request or grant does not exist (the notice is then dropped).</summary>
    public static async Task<bool> DeliverAsync(IServiceProvider services, IAccessStore store, OutboxMessage message, CancellationToken cancellationToken)
    {
        var notifier = services.GetService<IGrantNotifier>()
                       ?? throw new InvalidOperationException("No IGrantNotifier is registered, so grant notices cannot be sent.");
        var request = await store.FindRequestAsync(message.RequestId, cancellationToken).ConfigureAwait(false);
        var grant = message.GrantId is { } id ? await store.FindGrantAsync(id, cancellationToken).ConfigureAwait(false) : null;
        if (request is null || grant is null) return false;
        switch (message.Kind)
        {
            case NotificationKind.GrantExpiring:
                await notifier.GrantExpiringAsync(request, grant, Time(message.Payload) ?? grant.Grant.ExpiresAt, cancellationToken).ConfigureAwait(false);
                break;
            case NotificationKind.GrantExtended:
                var parts = (message.Payload ?? "").Split('|');
                var to = parts.Length > 1 ? Time(parts[1]) : null;
                await notifier.GrantExtendedAsync(request, grant, Time(parts[0]) ?? grant.Grant.GrantedAt, to ?? grant.Grant.ExpiresAt, cancellationToken).ConfigureAwait(false);
                break;
            case NotificationKind.GrantRevoked:
                await notifier.GrantRevokedAsync(request, grant, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new InvalidOperationException($"{message.Kind} is not a grant notice.");
        }
        return true;
    }

    static DateTimeOffset? Time(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;
}
