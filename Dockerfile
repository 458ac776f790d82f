# syntax=docker/dockerfile:1
# JitBot: build with the .NET SDK, run on the smaller ASP.NET Core runtime as a non-root user.
# CI cannot run a Docker engine; .ci/publish-smoke runs the same `dotnet publish` and starts its output.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# The platform being built for (BuildKit sets it: amd64, arm64): the bot is compiled ahead of time for it (ReadyToRun).
ARG TARGETARCH
WORKDIR /source
# Restore first, from the project files only, so the layer is cached until dependencies change.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/JitBot.Slack/JitBot.Slack.csproj src/JitBot.Slack/
COPY src/JitBot/JitBot.csproj src/JitBot/
RUN dotnet restore src/JitBot/JitBot.csproj -a $TARGETARCH
COPY src/ src/
RUN dotnet publish src/JitBot/JitBot.csproj -c Release -a $TARGETARCH -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# Example policies so the image starts as it is; mount your own policy repository over /policies.
COPY examples/policies /policies
# The .NET images ship a non-root user "app" ($APP_UID); the LiteDB file lives on the /data volume.
RUN mkdir -p /data && chown -R $APP_UID /data
USER $APP_UID
# The example policy names three provider instances. Its postgres instance (payments-db-readonly) and webhook
# instance (deploy-prod) point at hosts that are not there, so their grants fail saying so until you set your own.
# The webhook secret and the token signing key are secrets and are not in the image: give them at `docker run`
# (Providers__webhook__deploys__Secret, Providers__token__internal__SigningKey; see README), or mount a policy
# without those resources. Without them the bot stops at start-up with a sentence naming the setting.
ENV ASPNETCORE_URLS=http://+:8080 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    Policies__Path=/policies \
    Storage__ConnectionString=/data/jitbot.db \
    Providers__postgres__payments__ConnectionString="Host=payments-db;Database=payments;Username=jitbot_admin" \
    Providers__webhook__deploys__Url="http://deploy-hooks:8081/jitbot/events"
VOLUME ["/data"]
EXPOSE 8080
# The runtime image has no curl: let the orchestrator probe GET /healthz (e.g. a Kubernetes httpGet probe).
ENTRYPOINT ["dotnet", "jitbot.dll"]
