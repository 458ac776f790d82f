using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace JitBot.Policies;

/// <summary>Three-valued truth: a condition on a tag the request lacks is <see cref="Unknown"/>, never true.</summary>
internal enum Tri : byte
{
    False,
    True,
    Unknown,
}

/// <summary>The request as the indexed evaluator sees it: interned principal tags, the resource's tag values, context.</summary>
internal ref struct EvalInput
{
    public ReadOnlySpan<ulong> Principal;   // (key << 32) | value, interned
    public int[] Resource;                  // value id per resource key, -1 when missing
    public bool IncidentFlag;               // what the request says
    public PolicyCatalog? Catalog;          // to recognise incident channels, only if a rule asks
    byte incidentChannel;                   // 0 not looked at, 1 no, 2 yes
    public string? ChannelName;
    public string? IncidentLabel;           // the open incident's label, null when there is none
    public DateTimeOffset At;
    public TimeZoneInfo PolicyZone;

    public static ulong Pair(int key, int value) => ((ulong)(uint)key << 32) | (uint)value;

    /// <summary>An incident by the request's flag or by the channel's name; the pattern runs only when a rule asks.</summary>
    public bool Incident
    {
        get
        {
            if (IncidentFlag) return true;
            if (incidentChannel == 0) incidentChannel = Catalog is not null && Catalog.IsIncidentChannel(ChannelName) ? (byte)2 : (byte)1;
            return incidentChannel == 2;
        }
    }
}

internal sealed class CMatcher(int key, int[] values, bool negated, bool anyValue)
{
    public int Key { get; } = key;
    /// <summary>Interned values (globs expanded at load), sorted.</summary>
    public int[] Values { get; } = values;
    public bool Negated { get; } = negated;
    public bool AnyValue { get; } = anyValue;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    bool Has(int value)
    {
        if (AnyValue) return true;
        var v = Values;
        if (v.Length <= 8)
        {
            for (var i = 0; i < v.Length; i++) if (v[i] == value) return true;
            return false;
        }
        return Array.BinarySearch(v, value) >= 0;
    }

    public Tri OnPrincipal(ReadOnlySpan<ulong> pairs)
    {
        if (Key < 0) return Tri.Unknown;
        var present = false;
        var hit = false;
        for (var i = 0; i < pairs.Length; i++)
        {
            var p = pairs[i];
            if ((int)(p >> 32) != Key) continue;
            present = true;
            if (Has((int)(uint)p)) { hit = true; break; }
        }
        if (!present) return Tri.Unknown;
        return hit != Negated ? Tri.True : Tri.False;
    }

    public Tri OnResource(int[] values)
    {
        if (Key < 0 || Key >= values.Length) return Tri.Unknown;
        var v = values[Key];
        if (v < 0) return Tri.Unknown;
        return Has(v) != Negated ? Tri.True : Tri.False;
    }
}

internal readonly record struct CJoin(int PrincipalKey, int ResourceKey);

internal sealed class CCondition(CMatcher[] principal, CMatcher[] resource, CJoin[] joins, bool? incident, Regex? channel, TimeWindow? time,
    Regex? incidentLabel = null)
{
    public CMatcher[] Principal { get; } = principal;
    public CMatcher[] Resource { get; } = resource;
    public CJoin[] Joins { get; } = joins;
    public bool? Incident { get; } = incident;
    public Regex? Channel { get; } = channel;
    public TimeWindow? Time { get; } = time;
    public Regex? IncidentLabel { get; } = incidentLabel;

    public Tri Eval(ref EvalInput input, bool includeResource)
    {
        var result = Tri.True;
        if (Incident is { } inc && inc != input.Incident) return Tri.False;
        if (includeResource)
        {
            foreach (var m in Resource)
            {
                var r = m.OnResource(input.Resource);
                if (r == Tri.False) return Tri.False;
                if (r == Tri.Unknown) result = Tri.Unknown;
            }
        }
        foreach (var m in Principal)
        {
            var r = m.OnPrincipal(input.Principal);
            if (r == Tri.False) return Tri.False;
            if (r == Tri.Unknown) result = Tri.Unknown;
        }
        foreach (var j in Joins)
        {
            var rv = j.ResourceKey >= 0 && j.ResourceKey < input.Resource.Length ? input.Resource[j.ResourceKey] : -1;
            if (rv < 0 || j.PrincipalKey < 0) { result = Tri.Unknown; continue; }
            var present = false;
            var hit = false;
            foreach (var p in input.Principal)
            {
                if ((int)(p >> 32) != j.PrincipalKey) continue;
                present = true;
                if ((int)(uint)p == rv) { hit = true; break; }
            }
            if (!present) { result = Tri.Unknown; continue; }
            if (!hit) return Tri.False;
        }
        if (Time is { } t && !t.Contains(input.At, input.PolicyZone)) return Tri.False;
        if (Channel is { } ch)
        {
            if (string.IsNullOrEmpty(input.ChannelName)) result = Tri.Unknown;
            else if (!ch.IsMatch(ChannelText(input.ChannelName))) return Tri.False;
        }
        if (IncidentLabel is { } label)
        {
            // Fail closed like a missing tag: no incident, or one without a label, never satisfies the pattern.
            if (string.IsNullOrEmpty(input.IncidentLabel)) result = Tri.Unknown;
            else if (!label.IsMatch(input.IncidentLabel)) return Tri.False;
        }
        return result;
    }

    public static ReadOnlySpan<char> ChannelText(string name) => name[0] == '#' ? name.AsSpan(1) : name.AsSpan();
}

internal sealed class CRule(RuleSpec spec, CCondition when, CCondition? unless, CCondition[] auto)
{
    public RuleSpec Spec { get; } = spec;
    public CCondition When { get; } = when;
    public CCondition? Unless { get; } = unless;
    public CCondition[] Auto { get; } = auto;

    /// <summary>
    /// Whether the rule applies, with its `when` resource part already known to hold. An `unless` that cannot
    /// be decided (a missing tag) stops an allow rule but never stops a deny or a guard: both ways fail closed.
    /// </summary>
    public bool Applies(ref EvalInput input)
    {
        if (When.Eval(ref input, includeResource: false) != Tri.True) return false;
        if (Unless is null) return true;
        var u = Unless.Eval(ref input, includeResource: true);
        return Spec.Effect == RuleEffect.Allow ? u == Tri.False : u != Tri.True;
    }

    public bool AutoApproves(ref EvalInput input)
    {
        if (Spec.AutoApprove is not { } a) return false;
        if (a.Always) return true;
        foreach (var c in Auto)
            if (c.Eval(ref input, includeResource: true) == Tri.True) return true;
        return false;
    }
}

/// <summary>A resource with everything a decision needs precomputed: tag values and its candidate rules by effect.</summary>
internal sealed class CResource(ResourceSpec spec, ResourceInfo info, int[] values)
{
    public ResourceSpec Spec { get; } = spec;
    public ResourceInfo Info { get; } = info;
    public int[] Values { get; } = values;
    public CRule[] Denies { get; set; } = [];
    public CRule[] Guards { get; set; } = [];
    public CRule[] Allows { get; set; } = [];
}

/// <summary>Interned tags of a person or a group.</summary>
internal sealed class CPrincipalPart(ulong[] pairs)
{
    public ulong[] Pairs { get; } = pairs;
}
