#!/usr/bin/env bash
# Measures JitBot under load: publishes the bot (Release), starts it against the load tool's stand-in Slack Web
# API on LiteDB or PostgreSQL, and runs one scenario (docs/performance.md says what each measures):
#   tools/load.sh [ack] [rate, default 100] [seconds, default 30]
#       signed /access commands at a fixed rate: acknowledgement latency
#   tools/load.sh expire [grants, default 10000] [rate, default 100]
#       that many grants, all expiring within one minute: revocation and expiry-notice lateness
#   tools/load.sh restart [grants, default 1000]
#       that many grants fall due while the bot is stopped: how soon after /healthz all are revoked and noticed
#   tools/load.sh steady [rate, default 100] [seconds, default 300]
#       /access at a steady rate: acknowledgement latency and the notice backlog over time
#   tools/load.sh compare [rate, default 100] [seconds, default 30]
#       the same load against a minimal Bolt app that only acknowledges, then against the bot, per path: p99 ratio
#   tools/load.sh sweep [rates, default 200,400,600,800,1000,1200] [seconds per step, default 10]
#       compare at each rate: the highest rate before p99 passes 1 s, for Bolt and the bot on each path
# Environment:
#   LOAD_STORE=litedb|postgres   the store (default litedb); for postgres, JITBOT_TEST_POSTGRES names the server
#                                (as in CI), or a throwaway one is started with .ci/postgres.sh
#   LOAD_SLACK_LATENCY=45ms      the fake Slack's answer time (default 0), LOAD_SLACK_JITTER=10ms its spread (±)
#   LOAD_SLACK_LIMITS=on         Slack's per-channel limits on chat.postMessage, chat.update and chat.postEphemeral
#                                (HTTP 429 + Retry-After); LOAD_SLACK_RATE (default 1/s) and LOAD_SLACK_BURST (5)
#   LOAD_PATHS="auto approval"   compare and sweep: which paths (auto-approved, approval needed); steady uses the
#                                first (default auto)
#   LOAD_RESOURCES, LOAD_USERS   ack: comma lists of what is asked for and by whom (default: a mix from
#                                examples/policies: auto-approved, approval-required and denied)
#   LOAD_NOTICE_WAIT=900         expire, restart: at most this many seconds for the expiry notices to arrive (the
#                                wait also ends when the fake Slack gets no call for 60 s)
#   LOAD_DRAIN=30                steady: seconds to let the backlog drain after the last command
#   LOAD_OUT=dir                 keep the fake Slack's call record, the commands sent and the bot's log there
# The generated policy adds, to a copy of examples/policies, 100 dev resources (auto-approved for staff), 100
# staging resources owned by payments (approval by @payments-oncall for others) and as many platform staff as the
# run needs for every request to be a distinct person × resource. Each run gets a new database (or LiteDB file).
set -euo pipefail
cd "$(dirname "$0")/.."
# At high rates the bot and the load generator hold thousands of sockets: a limit of 1,024 open files stalls them.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
scenario=ack
if [[ "${1:-}" =~ ^(ack|expire|restart|steady|compare|sweep)$ ]]; then scenario=$1; shift; fi
store=${LOAD_STORE:-litedb}
work=$(mktemp -d)
pids=()
cleanup() {
  # Only processes still this script's children: a process that ended and was waited for gives its id back, and the
  # system may have handed it to someone else's process since (ids wrap at pid_max, 32768 on many machines).
  for pid in "${pids[@]}"; do
    [ "$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$$" ] && kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true # they may still be writing into $work
  if [ -n "${LOAD_OUT:-}" ]; then mkdir -p "$LOAD_OUT"; cp "$work"/*.tsv "$work"/*.log "$LOAD_OUT"/ 2>/dev/null || true; fi
  [ -n "${own_pg:-}" ] && bash .ci/postgres.sh stop "$own_pg"
  rm -rf "$work"
}
trap cleanup EXIT

# How many requests the run makes, so the policy has enough people for each to be a distinct grant.
case "$scenario" in
  ack) requests=0 ;;
  expire) requests=${1:-10000} ;;
  restart) requests=${1:-1000} ;;
  steady) requests=$(( ${1:-100} * (${2:-300} + 5) )) ;;
  compare) requests=$(( ${1:-100} * (${2:-30} + 5) )) ;;
  sweep) requests=$(( ($(tr ',' '+' <<<"${1:-200,400,600,800,1000,1200}") ) * (${2:-10} + 2) )) ;;
esac
people=$(( (requests + 99) / 100 )); [ "$people" -lt 100 ] && people=100

dotnet publish src/JitBot/JitBot.csproj -c Release -a "$(dpkg --print-architecture)" -o "$work/bot" >/dev/null   # as the Dockerfile
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

# The policy: the examples, plus the generated resources and people.
cp -r examples/policies "$work/policies"
{
  echo "resources:"
  for i in $(seq -w 0 99); do echo "  - {id: load-dev-0$i, tags: {env: dev, owner-team: platform, data-class: internal, kind: service}, provider: {type: record}}"; done
  for i in $(seq -w 0 99); do echo "  - {id: load-stg-0$i, tags: {env: staging, owner-team: payments, data-class: internal, kind: service}, provider: {type: record}}"; done
  echo "people:"
  for ((i = 0; i < people; i++)); do printf '  - {slack: U0LOAD%05d, name: Load %d, tags: {team: platform, employment: staff}}\n' "$i" "$i"; done
} >"$work/policies/load.yaml"
load_users=$(for ((i = 0; i < people; i++)); do printf 'U0LOAD%05d\n' "$i"; done | paste -sd,)
path_resources() { seq -w 0 99 | sed "s/^/load-$([ "$1" = approval ] && echo stg || echo dev)-0/" | paste -sd,; }

slack_port=$((30000 + RANDOM % 10000)); bot_port=$((slack_port + 1)); bolt_port=$((slack_port + 2))
limit_rate=${LOAD_SLACK_RATE:-1}; limit_burst=${LOAD_SLACK_BURST:-5}
limits=${LOAD_SLACK_LIMITS:-off}
calls="$work/calls.tsv"
dotnet "$work/load/JitBot.LoadTest.dll" fake-slack --port "$slack_port" --latency "${LOAD_SLACK_LATENCY:-0ms}" \
  --jitter "${LOAD_SLACK_JITTER:-0ms}" --limits "$limits" --limit-rate "$limit_rate" --limit-burst "$limit_burst" \
  --record "$calls" >"$work/slack.log" 2>&1 &   # not through load(): $! must be dotnet itself
pids+=($!)
hooks="http://127.0.0.1:$slack_port/hooks/"   # each command's response_url: late answers go there, as to Slack's
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
limit_args=(); [ "$limits" = on ] && limit_args=(--limit-rate "$limit_rate" --limit-burst "$limit_burst")
notices() { load notices --provider "$store" --connection "$connection" --calls "$calls" "${limit_args[@]}" "$@"; }
send() {   # send <url> <rate> <seconds> <resources> [more run options]
  load run --url "$1" --secret load-test-secret --rate "$2" --seconds "$3" --resources "$4" --users "$load_users" --response-base "$hooks" "${@:5}"
}
ended_notices() { grep -c $'\t200\t.*\t:lock: Your access to ' "$calls" || true; }
await_notices() {   # waits until <count> expiry DMs arrived, Slack got no call for 60 s, or LOAD_NOTICE_WAIT passed
  local want=$1 seen=-1 still=0 deadline=$(( $(date +%s) + ${LOAD_NOTICE_WAIT:-900} ))
  while [ "$(date +%s)" -lt "$deadline" ] && [ "$(ended_notices)" -lt "$want" ]; do
    local now; now=$(wc -l <"$calls")
    if [ "$now" = "$seen" ]; then still=$((still + 5)); [ "$still" -ge 60 ] && return; else seen=$now; still=0; fi
    sleep 5
  done
}
p99_of() { sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' <<<"$1"; }
start_bolt() {
  cp tools/bolt-ack/package.json tools/bolt-ack/package-lock.json tools/bolt-ack/app.js "$work/" && mkdir -p "$work/bolt" && mv "$work"/{package.json,package-lock.json,app.js} "$work/bolt/"
  (cd "$work/bolt" && npm ci --no-audit --no-fund --silent >/dev/null)
  (cd "$work/bolt" && SLACK_SIGNING_SECRET=load-test-secret PORT=$bolt_port exec node app.js) >"$work/bolt.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 500); do
    curl -s -o /dev/null "http://127.0.0.1:$bolt_port/" && return
    sleep 0.02
  done
  echo "the Bolt app never started:" >&2; cat "$work/bolt.log" >&2; exit 1
}

start_bot
healthy_at >/dev/null
echo "load: $scenario on $store ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), open files $(ulimit -n), $(date -u '+%F %H:%M') UTC);" \
  "fake Slack: latency ${LOAD_SLACK_LATENCY:-0ms} ± ${LOAD_SLACK_JITTER:-0ms}, per-channel limits $limits$([ "$limits" = on ] && echo " ($limit_rate/s, burst $limit_burst)")"
bot_url="http://127.0.0.1:$bot_port/"
case "$scenario" in
  ack)
    rate=${1:-100}; seconds=${2:-30}
    resources=${LOAD_RESOURCES:-payments-db-dev,k8s-dev,payments-db-staging,analytics-dev,payments-db}
    users=${LOAD_USERS:-U0PAY0001,U0PLT0001,U0DAT0001,U0CTR0001}
    echo "$rate/s for ${seconds}s against $resources"
    load run --url "$bot_url" --secret load-test-secret --rate "$rate" --seconds "$seconds" --resources "$resources" --users "$users" --response-base "$hooks"
    ;;
  expire)
    count=${1:-10000}; rate=${2:-100}
    echo "$count grants at $rate/s, all expiring within one minute"
    out=$(send "$bot_url" "$rate" $((count / rate)) "$(path_resources auto)" --warmup 0 --same-minute yes)
    echo "$out"
    end=$(sed -n 's/.*expire-window-end=\([0-9]*\).*/\1/p' <<<"$out")
    sleep $(( (end - $(date +%s%3N)) / 1000 + 15 ))
    await_notices "$count"
    stop_bot
    notices
    ;;
  restart)
    count=${1:-1000}
    echo "$count grants fall due while the bot is stopped"
    out=$(send "$bot_url" 100 $((count / 100)) "$(path_resources auto)" --warmup 0 --same-minute yes)
    echo "$out"
    end=$(sed -n 's/.*expire-window-end=\([0-9]*\).*/\1/p' <<<"$out")
    stop_bot
    sleep $(( (end - $(date +%s%3N)) / 1000 + 2 ))
    start_bot
    up=$(healthy_at)
    sleep 20
    await_notices "$count"
    stop_bot
    notices --after "$up"
    ;;
  steady)
    rate=${1:-100}; seconds=${2:-300}; path=${LOAD_PATHS:-auto}; path=${path%% *}
    echo "$rate/s for ${seconds}s, $path path; then ${LOAD_DRAIN:-30} s to drain"
    send "$bot_url" "$rate" "$seconds" "$(path_resources "$path")" --sent-log "$work/sent.tsv" || true
    sleep "${LOAD_DRAIN:-30}"
    stop_bot
    load backlog --calls "$calls" --sent "$work/sent.tsv"
    ;;
  compare|sweep)
    start_bolt
    if [ "$scenario" = compare ]; then rates=${1:-100}; seconds=${2:-30}; warmup=5; else rates=${1:-200,400,600,800,1000,1200}; seconds=${2:-10}; warmup=2; fi
    echo "Bolt (only acks) and the bot, ${seconds}s per step after a ${warmup}s warm-up, paths: ${LOAD_PATHS:-auto approval}"
    echo "| rate | path | Bolt p99 | bot p99 | ratio | bot result |"
    echo "|---:|---|---:|---:|---:|---|"
    offset=0
    declare -A best_bolt=() best_bot=() failed_bolt=() failed_bot=()
    for rate in ${rates//,/ }; do
      for path in ${LOAD_PATHS:-auto approval}; do
        bolt=$(send "http://127.0.0.1:$bolt_port/" "$rate" "$seconds" "$(path_resources "$path")" --warmup "$warmup" | tail -1) || true
        bot=$(send "$bot_url" "$rate" "$seconds" "$(path_resources "$path")" --warmup "$warmup" --offset "$offset" | tail -1) || true
        offset=$((offset + rate * (seconds + warmup)))
        a=$(p99_of "$bolt"); b=$(p99_of "$bot")
        echo "| $rate/s | $path | $a ms | $b ms | $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f×", b / a }') | $bot |"
        # The highest rate before p99 first passes 1 s (a later, luckier step does not count).
        if awk -v v="$a" 'BEGIN { exit !(v != "" && v <= 1000) }'; then [ -z "${failed_bolt[$path]:-}" ] && best_bolt[$path]=$rate; else failed_bolt[$path]=1; fi
        if awk -v v="$b" 'BEGIN { exit !(v != "" && v <= 1000) }'; then [ -z "${failed_bot[$path]:-}" ] && best_bot[$path]=$rate; else failed_bot[$path]=1; fi
      done
    done
    for path in ${LOAD_PATHS:-auto approval}; do
      echo "highest rate with p99 ≤ 1 s, $path path: Bolt ${best_bolt[$path]:-none}/s, bot ${best_bot[$path]:-none}/s"
    done
    echo "Slack calls: $(cut -f2,3 "$calls" | sort | uniq -c | awk '{ printf "%s%s %s (%s)", (NR > 1 ? ", " : ""), $2, $1, $3 }')"
    ;;
esac
