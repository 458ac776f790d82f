using System.Reflection;

namespace JitBot.Tests.Slack;

/// <summary>JitBot.Slack knows nothing about access; the domain knows nothing about Slack. SlackApp translates.</summary>
public class BoundaryTests
{
    static readonly Assembly SlackLayer = typeof(JitBot.Slack.SlackProtocol).Assembly;
    static readonly Assembly Bot = typeof(JitBot.Commands.AccessCommandParser).Assembly;

    [Fact]
    public void SlackLayer_ReferencesNeitherTheBotNorAspNetCore()
    {
        var references = SlackLayer.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(references, r => r.StartsWith("jitbot", StringComparison.OrdinalIgnoreCase) && r != SlackLayer.GetName().Name);
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("JitBot.Commands")]
    [InlineData("JitBot.Policies")]
    [InlineData("JitBot.Requests")]
    [InlineData("JitBot.Grants")]
    [InlineData("JitBot.Providers")]
    [InlineData("JitBot.Audit")]
    [InlineData("JitBot.Storage")]
    [InlineData("JitBot.Common")]
    public void DomainFolders_DoNotUseSlackTypes(string ns)
    {
        var offenders = Bot.GetTypes()
            .Where(t => t.Namespace == ns || t.Namespace?.StartsWith(ns + ".", StringComparison.Ordinal) == true)
            .SelectMany(t => UsedTypes(t).Where(u => u.Assembly == SlackLayer).Select(u => $"{t.FullName} uses {u.FullName}"))
            .ToList();
        Assert.Empty(offenders);
    }

    static IEnumerable<Type> UsedTypes(Type t)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var types = new List<Type?> { t.BaseType };
        types.AddRange(t.GetInterfaces());
        types.AddRange(t.GetFields(all).Select(f => f.FieldType));
        types.AddRange(t.GetProperties(all).Select(p => p.PropertyType));
        foreach (var m in t.GetMethods(all).Cast<MethodBase>().Concat(t.GetConstructors(all)))
        {
            if (m is MethodInfo mi) types.Add(mi.ReturnType);
            types.AddRange(m.GetParameters().Select(p => p.ParameterType));
            try
            {
                types.AddRange(m.GetMethodBody()?.LocalVariables.Select(l => l.LocalType) ?? []);
            }
            catch (BadImageFormatException) { }
        }
        return types.OfType<Type>().SelectMany(Expand);
    }

    static IEnumerable<Type> Expand(Type t)
    {
        yield return t;
        if (t.HasElementType) foreach (var e in Expand(t.GetElementType()!)) yield return e;
        if (t.IsGenericType) foreach (var a in t.GetGenericArguments().SelectMany(Expand)) yield return a;
    }
}
