// Stand-ins so the Slack side compiles before the policy engine and the lifecycle are merged.
// Delete this file when both are in main.
#pragma warning disable CA1822

namespace JitBot.Policies
{
    public static class PendingPolicyStandIn
    {
        public static WebApplicationBuilder AddPolicies(this WebApplicationBuilder builder) => builder;
    }
}

namespace JitBot.Hosting
{
    public static class PendingCoreStandIn
    {
        public static WebApplicationBuilder AddJitBotCore(this WebApplicationBuilder builder) => builder;
    }
}

namespace JitBot.Cli
{
    public static class PolicyCli
    {
        public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
        {
            stderr.WriteLine("jitbot policy: not available in this build.");
            return 2;
        }
    }
}
