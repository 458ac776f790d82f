#!/usr/bin/env bash
# Measures JitBot under load: publishes the bot (Release), starts it against the load tool's stand-in Slack Web
# API on LiteDB or PostgreSQL (LOAD_STORE=litedb, the default, or postgres), and runs one scenario:
#   tools/load.sh [ack] [rate, default 100] [seconds, default 30]
#       signed /access commands at a fixed rate: acknowledgement latency
#   tools/load.sh expire [grants, default 10000] [rate, default 100]
#       that many grants, all expiring within the same minute: how late each is revoked
#   tools/load.sh restart [grants, default 1000]
#       that many grants fall due while the bot is stopped: how soon after /healthz answers all are revoked
# For ack, LOAD_RESOURCES and LOAD_USERS (comma lists) choose what is asked for and by whom; the defaults are a mix
# from examples/policies: auto-approved, approval-required and denied answers. expire and restart ask for 100
# generated dev resources by 100 generated people, so every grant is a distinct access.
# For postgres, JITBOT_TEST_POSTGRES names the server (as in CI); without it a throwaway one is started with
# .ci/postgres.sh. Each run gets a new database (or LiteDB file).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=ack
if [[ "${1:-}" =~ ^(ack|expire|restart)$ ]]; then scenario=$1; shift; fi
store=${LOAD_STORE:-litedb}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "${own_pg:-}" ] && bash .ci/postgres.sh stop "$own_pg"
  rm -rf "$work"
}
trap cleanup EXIT

dotnet publish src/JitBot/JitBot.csproj -c Release -o "$work/bot" >/dev/null
dotnet build tools/JitBot.LoadTest -c Release -o "$work/load" >/dev/null
load() { dotnet "$work/load/JitBot.LoadTest.dll" "$@"; }

# The database.
if [ "$store" = postgres ]; then
  if [ -z "${JITBOT_TEST_POSTGRES:-}" ]; then eval "$(bash .ci/postgres.sh start)"; own_pg=$JITBOT_PG_DIR; fi
  kv() { tr ';' '\n' <<<"$JITBOT_TEST_POSTGRES" | sed -n "s/^$1=//p"; }
  psql=$(ls /usr/lib/postgresql/*/bin/psql | head -1)
  db="jitbot_load_$RANDOM$RANDOM"
  PGPASSWORD=$(kv Password) "$psql" -q -h "$(kv Host)" -p "$(kv Port)" -U "$(kv Username)" -d postgres -c "CREATE DATABASE $db"
  connection="${JITBOT_TEST_POSTGRES/Database=postgres/Database=$db}"
else
  connection="$work/jitbot.db"
fi

# The policy: the examples, plus 100 dev resources and 100 staff for expire and restart.
cp -r examples/policies "$work/policies"
{
  echo "resources:"
  for i in $(seq -w 0 99); do echo "  - {id: load-dev-0$i, tags: {env: dev, owner-team: platform, data-class: internal, kind: service}, provider: {type: record}}"; done
  echo "people:"
  for i in $(seq -w 0 99); do echo "  - {slack: U0LOAD00$i, name: Load $i, tags: {team: platform, employment: staff}}"; done
} >"$work/policies/load.yaml"
load_resources=$(seq -w 0 99 | sed 's/^/load-dev-0/' | paste -sd,)
load_users=$(seq -w 0 99 | sed 's/^/U0LOAD00/' | paste -sd,)

slack_port=$((30000 + RANDOM % 10000)); bot_port=$((slack_port + 1))
dotnet "$work/load/JitBot.LoadTest.dll" fake-slack --port "$slack_port" >"$work/slack.log" 2>&1 &   # not through load(): $! must be dotnet itself
pids+=($!)
export Slack__BotToken=xoxb-load-test Slack__SigningSecret=load-test-secret Slack__ApiBaseUrl="http://127.0.0.1:$slack_port/api/"
export Policies__Path="$work/policies" Storage__Provider="$store" Storage__ConnectionString="$connection"
export ASPNETCORE_URLS="http://127.0.0.1:$bot_port" Logging__LogLevel__Default=Warning
source .ci/example-providers.sh   # the example policy's provider instances (the scenarios never ask for their resources)
bot_pid=
start_bot() { (cd "$work/bot" && exec dotnet jitbot.dll) >>"$work/bot.log" 2>&1 & bot_pid=$!; pids+=("$bot_pid"); }
stop_bot() { kill "$bot_pid"; wait "$bot_pid" 2>/dev/null || true; }
healthy_at() {   # waits for /healthz; prints when it first answered, in Unix milliseconds
  for _ in $(seq 1 3000); do
    if curl -fsS "http://127.0.0.1:$bot_port/healthz" >/dev/null 2>&1; then date +%s%3N; return; fi
    sleep 0.02
  done
  echo "the bot never answered /healthz:" >&2; cat "$work/bot.log" >&2; exit 1
}
grants() { load grants --provider "$store" --connection "$connection" "$@"; }

start_bot
healthy_at >/dev/null
echo "load: $scenario on $store ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%F %H:%M') UTC)"
case "$scenario" in
  ack)
    rate=${1:-100}; seconds=${2:-30}
    resources=${LOAD_RESOURCES:-payments-db-dev,k8s-dev,payments-db-staging,analytics-dev,payments-db}
    users=${LOAD_USERS:-U0PAY0001,U0PLT0001,U0DAT0001,U0CTR0001}
    echo "$rate/s for ${seconds}s against $resources"
    load run --url "http://127.0.0.1:$bot_port/" --secret load-test-secret \
      --rate "$rate" --seconds "$seconds" --resources "$resources" --users "$users"
    ;;
  expire)
    count=${1:-10000}; rate=${2:-100}
    echo "$count grants at $rate/s, all expiring within one minute"
    out=$(load run --url "http://127.0.0.1:$bot_port/" --secret load-test-secret --warmup 0 --same-minute yes \
      --rate "$rate" --seconds $((count / rate)) --resources "$load_resources" --users "$load_users")
    echo "$out"
    end=$(sed -n 's/.*expire-window-end=\([0-9]*\).*/\1/p' <<<"$out")
    sleep $(( (end - $(date +%s%3N)) / 1000 + 15 ))
    stop_bot
    grants
    ;;
  restart)
    count=${1:-1000}
    echo "$count grants fall due while the bot is stopped"
    out=$(load run --url "http://127.0.0.1:$bot_port/" --secret load-test-secret --warmup 0 --same-minute yes \
      --rate 100 --seconds $((count / 100)) --resources "$load_resources" --users "$load_users")
    echo "$out"
    end=$(sed -n 's/.*expire-window-end=\([0-9]*\).*/\1/p' <<<"$out")
    stop_bot
    sleep $(( (end - $(date +%s%3N)) / 1000 + 2 ))
    start_bot
    up=$(healthy_at)
    sleep 20
    stop_bot
    grants --after "$up"
    ;;
esac
