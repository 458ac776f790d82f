#!/usr/bin/env bash
# Measures /access acknowledgement latency: publishes the bot (Release), starts it on LiteDB against the load
# tool's stand-in Slack Web API, and sends signed commands at a fixed rate.
#   tools/load.sh [rate per second, default 100] [seconds, default 30]
# LOAD_RESOURCES and LOAD_USERS (comma lists) choose what is asked for and by whom; the defaults are a mix
# from examples/policies: auto-approved, approval-required and denied answers.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-100}
seconds=${2:-30}
resources=${LOAD_RESOURCES:-payments-db-dev,k8s-dev,payments-db-staging,analytics-dev,payments-db}
users=${LOAD_USERS:-U0PAY0001,U0PLT0001,U0DAT0001,U0CTR0001}
work=$(mktemp -d)
dotnet publish src/JitBot/JitBot.csproj -c Release -o "$work/bot" >/dev/null
dotnet build tools/JitBot.LoadTest -c Release -o "$work/load" >/dev/null
slack_port=$((30000 + RANDOM % 10000)); bot_port=$((slack_port + 1))
dotnet "$work/load/JitBot.LoadTest.dll" fake-slack --port "$slack_port" >"$work/slack.log" 2>&1 &
slack_pid=$!
export Slack__BotToken=xoxb-load-test Slack__SigningSecret=load-test-secret Slack__ApiBaseUrl="http://127.0.0.1:$slack_port/api/"
export Policies__Path="$PWD/examples/policies" Storage__ConnectionString="$work/jitbot.db"
export ASPNETCORE_URLS="http://127.0.0.1:$bot_port" Logging__LogLevel__Default=Warning
(cd "$work/bot" && exec dotnet jitbot.dll) >"$work/bot.log" 2>&1 &
bot_pid=$!
trap 'kill $bot_pid $slack_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$bot_port/healthz" >/dev/null 2>&1 && break; sleep 1; done
echo "load: $rate/s for ${seconds}s against $resources ($(nproc) cores, $(date -u +%F))"
dotnet "$work/load/JitBot.LoadTest.dll" run --url "http://127.0.0.1:$bot_port/" --secret load-test-secret \
  --rate "$rate" --seconds "$seconds" --resources "$resources" --users "$users"
