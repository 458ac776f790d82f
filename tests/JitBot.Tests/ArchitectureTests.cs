using System.Reflection;

namespace JitBot.Tests;

/// <summary>
/// The boundary that matters most: the Slack wire layer knows nothing about access, and the domain knows
/// nothing about Slack. Only SlackApp/ (and the host) translate between them.
/// </summary>
public class ArchitectureTests
{
    static readonly string[] DomainFolders = ["Common", "Policies", "Commands", "Requests", "Grants", "Providers", "Audit", "Storage"];

    [Fact]
    public void SlackLayer_DoesNotReferenceTheBot()
    {
        var slack = typeof(JitBot.Slack.SlackProtocol).Assembly;
        Assert.DoesNotContain(slack.GetReferencedAssemblies(), a => a.Name == "jitbot");
        Assert.DoesNotContain(slack.GetReferencedAssemblies(), a => a.Name!.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void DomainTypes_DoNotMentionSlackTypesInTheirSignatures()
    {
        var slack = typeof(JitBot.Slack.SlackProtocol).Assembly;
        var bot = typeof(JitBot.Requests.RequestId).Assembly;
        var offenders =
            from type in bot.GetTypes()
            where type.Namespace is { } ns && DomainFolders.Any(f => ns == "JitBot." + f || ns.StartsWith("JitBot." + f + ".", StringComparison.Ordinal))
            from used in SignatureTypes(type).SelectMany(Flatten)
            where used.Assembly == slack
            select $"{type.FullName} uses {used.FullName}";
        Assert.Empty(offenders);
    }

    [Fact]
    public void DomainSources_DoNotImportTheSlackLayer()
    {
        var offenders =
            from folder in DomainFolders
            let path = RepoPaths.Of("src", "JitBot", folder)
            where Directory.Exists(path)
            from file in Directory.EnumerateFiles(path, "*.cs", SearchOption.AllDirectories)
            where File.ReadAllText(file).Contains("JitBot.Slack", StringComparison.Ordinal)
            select Path.GetRelativePath(RepoPaths.Root, file);
        Assert.Empty(offenders);
    }

    [Fact]
    public void ShippedAssemblies_HoldNoTestSupport()
    {
        string[] testOnly = ["PlainEvaluator", "PolicyGenerator", "PolicyWriter"];
        Assembly[] shipped = [typeof(JitBot.Slack.SlackProtocol).Assembly, typeof(JitBot.Requests.RequestId).Assembly];
        var offenders =
            from assembly in shipped
            from type in assembly.GetTypes()
            where testOnly.Contains(type.Name) || type.Namespace?.StartsWith("JitBot.TestSupport", StringComparison.Ordinal) == true
            select $"{assembly.GetName().Name}: {type.FullName}";
        Assert.Empty(offenders);
        Assert.All(shipped, a => Assert.DoesNotContain(a.GetReferencedAssemblies(), r => r.Name == "JitBot.TestSupport"));
    }

    static IEnumerable<Type> Flatten(Type type)
    {
        yield return type;
        if (type.HasElementType) foreach (var t in Flatten(type.GetElementType()!)) yield return t;
        if (type.IsGenericType) foreach (var t in type.GetGenericArguments().SelectMany(Flatten)) yield return t;
    }

    static IEnumerable<Type> SignatureTypes(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (type.BaseType is { } b) yield return b;
        foreach (var i in type.GetInterfaces()) yield return i;
        foreach (var f in type.GetFields(all)) yield return f.FieldType;
        foreach (var p in type.GetProperties(all)) yield return p.PropertyType;
        foreach (var m in type.GetMethods(all))
        {
            yield return m.ReturnType;
            foreach (var p in m.GetParameters()) yield return p.ParameterType;
        }
        foreach (var c in type.GetConstructors(all))
            foreach (var p in c.GetParameters()) yield return p.ParameterType;
    }
}
