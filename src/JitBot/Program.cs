if (args.Length > 0 && args[0] == "policy") return JitBot.Cli.PolicyCli.Run(args[1..], Console.Out, Console.Error);
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/healthz", () => "ok");
app.Run();
return 0;
