#!/usr/bin/env bash
# soak.sh: hold a steady mixed load (delivery reports, two-way SMS, USSD
# sessions, voice calls) on a freshly started gateway for minutes, printing
# a line per interval with the gateway's RSS (and Go heap, when it serves
# /metrics) and the p99, then a summary of how flat both stayed.
#
# Usage (from anywhere in the module):
#
#   cmd/loadgen/soak.sh [loadgen soak flags...]
#   cmd/loadgen/soak.sh -rate 300 -d 5m -interval 10s
#   cmd/loadgen/soak.sh -mix dlr=40,sms=20,ussd=30,voice=10
#
# It builds ./cmd/mlango and ./cmd/loadgen into a temp dir, starts the
# gateway on 127.0.0.1:GW_PORT with a fresh data dir (embedded JetStream, no
# NATS client port, the request log to a file as in production), waits for
# /readyz, and runs `loadgen -mode soak -base http://127.0.0.1:GW_PORT
# -server-pid PID` (plus -metrics-url when /metrics answers) with the extra
# arguments. Loadgen's defaults: -rate 200 -d 5m -interval 10s -c 64
# -mix dlr=60,sms=15,ussd=15,voice=10 (shares of requests).
#
# Environment (defaults in brackets):
#   GW_PORT [8292]  READY_TIMEOUT [30] seconds
#   GOGC            inherited by the gateway (which uses 200 when unset)
#   KEEP=1          keep the temp dir (gateway log, loadgen output)
#
# Exit status: loadgen's (0, or 1 when more than 0.1% of requests failed);
# 2 on a build failure or a gateway that does not start; 130 on interrupt.
# Everything runs on loopback; everything started here is stopped on exit.
set -uo pipefail

GW_PORT=${GW_PORT:-8292}
READY_TIMEOUT=${READY_TIMEOUT:-30}

die() { echo "soak.sh: $*" >&2; exit 2; }

cd "$(dirname "$0")/../.." || die "cannot cd to the module root"
[[ -f go.mod ]] || die "no go.mod at $(pwd)"
command -v curl >/dev/null || die "curl is needed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlango-soak.XXXXXX") || die "mktemp failed"
gw_pid="" loadgen_pid=""
cleanup() {
	[[ -n $loadgen_pid ]] && { kill -TERM "$loadgen_pid" 2>/dev/null; wait "$loadgen_pid" 2>/dev/null; }
	if [[ -n $gw_pid ]] && kill -0 "$gw_pid" 2>/dev/null; then
		kill -TERM "$gw_pid" 2>/dev/null
		for _ in $(seq 150); do kill -0 "$gw_pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$gw_pid" 2>/dev/null && kill -KILL "$gw_pid" 2>/dev/null
		wait "$gw_pid" 2>/dev/null
	fi
	if [[ ${KEEP:-} == 1 ]]; then echo "soak.sh: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for pkg in mlango loadgen; do
	timeout 600 go build -o "$tmp/$pkg" "./cmd/$pkg" 2>"$tmp/build-$pkg.log" || { cat "$tmp/build-$pkg.log" >&2; die "go build ./cmd/$pkg failed"; }
done

code() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null; }
[[ $(code "http://127.0.0.1:$GW_PORT/") == 000 ]] || die "something already answers on 127.0.0.1:$GW_PORT; stop it or set GW_PORT"

mkdir -p "$tmp/cwd"
(cd "$tmp/cwd" && MLANGO_HTTP_ADDR="127.0.0.1:$GW_PORT" MLANGO_DATA_DIR="$tmp/data" MLANGO_NATS_LISTEN=none \
	MLANGO_LOG_LEVEL=info exec "$tmp/mlango") >"$tmp/gateway.log" 2>&1 &
gw_pid=$!
deadline=$((SECONDS + READY_TIMEOUT))
until [[ $(code "http://127.0.0.1:$GW_PORT/readyz") == 200 ]]; do
	kill -0 "$gw_pid" 2>/dev/null || { tail -n 20 "$tmp/gateway.log" >&2; gw_pid=""; die "the gateway exited before it was ready"; }
	((SECONDS < deadline)) || { tail -n 20 "$tmp/gateway.log" >&2; die "the gateway was not ready after ${READY_TIMEOUT}s"; }
	sleep 0.2
done

metrics=()
[[ $(code "http://127.0.0.1:$GW_PORT/metrics") == 200 ]] && metrics=(-metrics-url "http://127.0.0.1:$GW_PORT/metrics")
echo "soak.sh: $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), GOGC ${GOGC:-unset (the gateway uses 200)}" >&2
echo "soak.sh: loadgen -mode soak -base http://127.0.0.1:$GW_PORT -server-pid $gw_pid ${metrics[*]} $*" >&2

# In the background, so an interrupt is handled at once.
"$tmp/loadgen" -mode soak -base "http://127.0.0.1:$GW_PORT" -server-pid "$gw_pid" "${metrics[@]}" "$@" &
loadgen_pid=$!
wait "$loadgen_pid"
rc=$?
loadgen_pid=""
kill -0 "$gw_pid" 2>/dev/null || { echo "soak.sh: the gateway died during the run; last lines of its log:" >&2; tail -n 20 "$tmp/gateway.log" >&2; rc=1; }
exit $rc
