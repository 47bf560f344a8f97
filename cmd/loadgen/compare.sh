#!/usr/bin/env bash
# compare.sh: Mlango's delivery-report throughput as a ratio to the reference
# (cmd/refserver: parse form, publish to JetStream, wait for the ack, answer);
# with MODE=ussd, its USSD hops per second as a ratio to the reference's bare
# USSD handler (parse the form, answer the demo's screen: no state, no NATS),
# and both hop p99s at SESSIONS concurrent sessions.
#
# Usage (from anywhere in the module):
#
#   cmd/loadgen/compare.sh [loadgen flags...]
#   ROUNDS=5 cmd/loadgen/compare.sh -n 100000 -c 64
#   MODE=ussd ROUNDS=5 cmd/loadgen/compare.sh -n 60000
#
# It builds ./cmd/mlango, ./cmd/refserver and ./cmd/loadgen into a temp dir,
# then for ROUNDS rounds (default 3) runs the reference on 127.0.0.1:8090 and
# the gateway on 127.0.0.1:8091, each with a fresh data dir, each loaded by
# the same loadgen command, one at a time. The order alternates (ref,gw then
# gw,ref) so drift on the machine hits both. It prints a row per round and the
# median gateway/reference throughput ratio and both median p99s.
#
# Environment (defaults in brackets):
#   MODE [dr]   dr: delivery reports to /api/sms/delivery-reports;
#               ussd: whole demo sessions (loadgen -ussd) to /api/ussd/session
#   ROUNDS [3]  REF_PORT [8090]  GW_PORT [8091]  READY_TIMEOUT [30] seconds
#   TARGET [0.9]  MODE=dr: minimum median gateway/reference throughput ratio
#   SESSIONS [32]  MODE=ussd: concurrent sessions (loadgen -sessions)
#   P99_TARGET_MS [10]  MODE=ussd: the gateway's median hop p99 must be below it
#   GOGC        inherited, like the rest of the environment, by both servers
#               and loadgen (the gateway uses 200 when it is unset); the
#               summary prints what each server process actually had
#   NOISE_LIMIT [0.15], RETRIES [2]  a run during which other processes kept
#               more than NOISE_LIMIT cores busy is repeated up to RETRIES times
#   KEEP=1      keep the temp dir (server logs, loadgen stderr)
#   PIN=1       pin the server to CPU 0 and loadgen to CPU 1 (taskset): the
#               server runs alone on one core (GOMAXPROCS=1) and the ratio is
#               the servers' CPU efficiency alone; by default both share all
#               cores, as the gateway would in production.
# Extra arguments go to loadgen (default: its own defaults, -n 200000 -d 60s
# -c 64 -warmup 5000; with MODE=ussd -n and -warmup count hops, and -c is
# replaced by -sessions). Everything runs on loopback and everything this
# script starts is stopped on exit.
#
# Exit status: 0 if the median ratio meets TARGET (MODE=ussd: the gateway's
# median p99 is below P99_TARGET_MS), 1 if it does not or a loadgen run failed
# (>0.1% non-2xx, or wrong USSD screens), 2 on build failure or a server that
# does not start (e.g. the gateway is not ready yet), 130 on interrupt.
set -uo pipefail

MODE=${MODE:-dr}
ROUNDS=${ROUNDS:-3}
REF_PORT=${REF_PORT:-8090}
GW_PORT=${GW_PORT:-8091}
READY_TIMEOUT=${READY_TIMEOUT:-30}
TARGET=${TARGET:-0.9}
NOISE_LIMIT=${NOISE_LIMIT:-0.15}
RETRIES=${RETRIES:-2}
SESSIONS=${SESSIONS:-32}
P99_TARGET_MS=${P99_TARGET_MS:-10}
LOADGEN_ARGS=("$@")

die() { echo "compare.sh: $*" >&2; exit 2; }

case $MODE in
dr) route=/api/sms/delivery-reports mode_args=() ;;
ussd) route=/api/ussd/session mode_args=(-ussd -sessions "$SESSIONS") ;;
*) die "MODE=$MODE: want dr or ussd" ;;
esac

cd "$(dirname "$0")/../.." || die "cannot cd to the module root"
[[ -f go.mod ]] || die "no go.mod at $(pwd)"
command -v curl >/dev/null || die "curl is needed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlango-compare.XXXXXX") || die "mktemp failed"
server_pid=""

stop_server() {
	[[ -n $server_pid ]] || return 0
	if kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null
		for _ in $(seq 150); do # up to 15s for a graceful stop
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$server_pid" 2>/dev/null; then
			echo "compare.sh: pid $server_pid ignored SIGTERM for 15s; killing it" >&2
			kill -KILL "$server_pid" 2>/dev/null
		fi
	fi
	wait "$server_pid" 2>/dev/null
	server_pid=""
}

loadgen_pid=""
cleanup() {
	if [[ -n $loadgen_pid ]]; then
		kill -TERM "$loadgen_pid" 2>/dev/null
		wait "$loadgen_pid" 2>/dev/null
	fi
	stop_server
	if [[ ${KEEP:-} == 1 ]]; then
		echo "compare.sh: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

server_cpu=() loadgen_cpu=()
if [[ ${PIN:-} == 1 ]]; then
	command -v taskset >/dev/null || die "PIN=1 needs taskset"
	server_cpu=(taskset -c 0) loadgen_cpu=(taskset -c 1)
fi

bin=$tmp/bin
mkdir -p "$bin"
for pkg in refserver loadgen mlango; do
	if ! timeout 600 go build -o "$bin/$pkg" "./cmd/$pkg" 2>"$tmp/build-$pkg.log"; then
		cat "$tmp/build-$pkg.log" >&2
		die "go build ./cmd/$pkg failed; nothing to compare (is the gateway written yet?)"
	fi
done

# http_code URL [curl args...]: the status code, or 000 if nothing answered.
http_code() {
	local url=$1
	shift
	curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url" 2>/dev/null
}

port_free() {
	local code
	code=$(http_code "http://127.0.0.1:$1/")
	[[ $code == 000 ]] || die "something already answers on 127.0.0.1:$1 (HTTP $code); stop it or set REF_PORT/GW_PORT"
}

# wait_ready NAME URL WANT LOG: poll URL until it answers WANT ("any" = any
# HTTP answer), the server dies, or READY_TIMEOUT passes.
wait_ready() {
	local name=$1 url=$2 want=$3 log=$4 code deadline=$((SECONDS + READY_TIMEOUT))
	while ((SECONDS < deadline)); do
		if ! kill -0 "$server_pid" 2>/dev/null; then
			echo "compare.sh: $name exited before it was ready; last lines of $log:" >&2
			tail -n 20 "$log" >&2
			server_pid=""
			exit 2
		fi
		code=$(http_code "$url")
		if [[ $want == any && $code != 000 ]] || [[ $code == "$want" ]]; then
			return 0
		fi
		sleep 0.2
	done
	echo "compare.sh: $name not ready after ${READY_TIMEOUT}s ($url last answered ${code:-nothing}); last lines of $log:" >&2
	tail -n 20 "$log" >&2
	exit 2
}

# run_loadgen URL LABEL: one run against the server in $server_pid; sets
# last_line to its summary line. Bounded by -d plus a margin. A run during
# which other processes kept more than NOISE_LIMIT cores busy is repeated (up
# to RETRIES times) against the same server.
loadgen_failed=0
last_line=""
run_loadgen() {
	local rc try label
	for ((try = 0; try <= RETRIES; try++)); do
		label=$2
		((try > 0)) && label=$2r$try
		# In the background so that an interrupt is handled at once (bash runs
		# traps during wait, not while a foreground child runs).
		timeout 900 "${loadgen_cpu[@]}" "$bin/loadgen" -summary -url "$1" -run "$label" \
			-server-pid "$server_pid" "${mode_args[@]}" "${LOADGEN_ARGS[@]}" >"$tmp/loadgen-$label.out" 2>"$tmp/loadgen-$label.err" &
		loadgen_pid=$!
		wait "$loadgen_pid"
		rc=$?
		loadgen_pid=""
		last_line=$(<"$tmp/loadgen-$label.out")
		[[ -n $last_line ]] || { cat "$tmp/loadgen-$label.err" >&2; die "loadgen $label printed no summary"; }
		echo "  $label: $last_line" >&2
		if ((rc != 0)); then
			loadgen_failed=1
			echo "compare.sh: loadgen $label exited $rc:" >&2
			cat "$tmp/loadgen-$label.err" >&2
			return
		fi
		awk -v o="$(get other_cores "$last_line")" -v l="$NOISE_LIMIT" 'BEGIN {exit !(o + 0 > l + 0)}' || return
		echo "  (other processes kept $(get other_cores "$last_line") cores busy during $label: repeating it)" >&2
	done
}

run_ref() { # ROUND
	local dir=$tmp/ref$1 log=$tmp/ref$1.log
	port_free "$REF_PORT"
	"${server_cpu[@]}" "$bin/refserver" -addr "127.0.0.1:$REF_PORT" -data "$dir" >"$log" 2>&1 &
	server_pid=$!
	wait_ready refserver "http://127.0.0.1:$REF_PORT$route" any "$log"
	ref_gogc=$(gogc_of "$server_pid")
	run_loadgen "http://127.0.0.1:$REF_PORT$route" "ref$1-$$"
	ref_line[$1]=$last_line
	stop_server
	rm -rf "$dir"
}

run_gw() { # ROUND
	local dir=$tmp/gw$1 log=$tmp/gw$1.log
	port_free "$GW_PORT"
	mkdir -p "$dir/cwd"
	# Run in an empty cwd so no stray mlango.yaml is picked up. stdout (one
	# JSON line per request at info) goes to a file, as it would in production.
	(cd "$dir/cwd" && MLANGO_HTTP_ADDR="127.0.0.1:$GW_PORT" MLANGO_DATA_DIR="$dir/data" \
		MLANGO_NATS_LISTEN=none MLANGO_LOG_LEVEL=info exec "${server_cpu[@]}" "$bin/mlango") >"$log" 2>&1 &
	server_pid=$!
	wait_ready gateway "http://127.0.0.1:$GW_PORT/readyz" 200 "$log"
	gw_gogc=$(gogc_of "$server_pid")
	run_loadgen "http://127.0.0.1:$GW_PORT$route" "gw$1-$$"
	gw_line[$1]=$last_line
	stop_server
	rm -rf "$dir"
}

# gogc_of PID: the GOGC in the process's environment as it started, or
# "unset" (Linux /proc; "?" elsewhere).
gogc_of() {
	[[ -r /proc/$1/environ ]] || { echo "?"; return; }
	local v
	v=$(tr '\0' '\n' <"/proc/$1/environ" | sed -n 's/^GOGC=//p')
	echo "${v:-unset}"
}
ref_gogc="?" gw_gogc="?"

get() { # KEY LINE: the value of KEY=... in a loadgen -summary line
	local kv
	for kv in $2; do
		[[ $kv == "$1="* ]] && { echo "${kv#*=}"; return; }
	done
	echo "?"
}

median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "?"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

declare -a ref_line gw_line
for ((r = 1; r <= ROUNDS; r++)); do
	if ((r % 2)); then
		echo "round $r/$ROUNDS: reference, then gateway" >&2
		run_ref "$r"
		run_gw "$r"
	else
		echo "round $r/$ROUNDS: gateway, then reference" >&2
		run_gw "$r"
		run_ref "$r"
	fi
done

unit=rps
[[ $MODE == ussd ]] && unit=hops/s
echo
printf '%-6s %10s %9s %10s %9s %7s %11s %11s %9s %6s\n' round "ref_$unit" ref_p99 "gw_$unit" gw_p99 ratio ref_us/req gw_us/req cpu_ratio other
ratios=() cpu_ratios=() ref_p99s=() gw_p99s=()
for ((r = 1; r <= ROUNDS; r++)); do
	rr=$(get rps "${ref_line[$r]}") gr=$(get rps "${gw_line[$r]}")
	rp=$(get p99_ms "${ref_line[$r]}") gp=$(get p99_ms "${gw_line[$r]}")
	ratio=$(awk -v g="$gr" -v f="$rr" 'BEGIN {if (f > 0) printf "%.3f", g / f; else print "?"}')
	other=$(awk -v a="$(get other_cores "${ref_line[$r]}")" -v b="$(get other_cores "${gw_line[$r]}")" 'BEGIN {printf "%.2f", (a > b ? a : b)}')
	# cpu_ratio: reference/gateway server CPU per request. Unlike throughput
	# it does not depend on how the cores are shared with loadgen.
	cpu_ratio=$(awk -v f="$(get server_us_per_req "${ref_line[$r]}")" -v g="$(get server_us_per_req "${gw_line[$r]}")" \
		'BEGIN {if (g > 0 && f > 0) printf "%.3f", f / g; else print "?"}')
	printf '%-6s %10s %8sms %10s %8sms %7s %11s %11s %9s %6s\n' "$r" "$rr" "$rp" "$gr" "$gp" "$ratio" \
		"$(get server_us_per_req "${ref_line[$r]}")" "$(get server_us_per_req "${gw_line[$r]}")" "$cpu_ratio" "$other"
	ratios+=("$ratio") cpu_ratios+=("$cpu_ratio") ref_p99s+=("$rp") gw_p99s+=("$gp")
done
med_ratio=$(printf '%s\n' "${ratios[@]}" | median)
med_gw_p99=$(printf '%s\n' "${gw_p99s[@]}" | median)
med_ref_p99=$(printf '%s\n' "${ref_p99s[@]}" | median)
echo
if [[ $MODE == ussd ]]; then
	echo "median hops/s ratio gateway/reference: $med_ratio (reference: a bare handler, no state)"
	echo "median server CPU-per-hop ratio reference/gateway: $(printf '%s\n' "${cpu_ratios[@]}" | median)"
	echo "median hop p99 at $SESSIONS concurrent sessions: reference ${med_ref_p99}ms, gateway ${med_gw_p99}ms (target: gateway < ${P99_TARGET_MS}ms)"
else
	echo "median throughput ratio gateway/reference: $med_ratio (target >= $TARGET)"
	echo "median server CPU-per-request ratio reference/gateway: $(printf '%s\n' "${cpu_ratios[@]}" | median)"
	echo "median p99: reference ${med_ref_p99}ms, gateway ${med_gw_p99}ms"
fi
echo "(us/req: server CPU per request (per hop with MODE=ussd); cpu_ratio: ref/gw server CPU per request; other: cores busy"
echo " with anything but loadgen and the server during the run, the visible noise; runs above $NOISE_LIMIT were retried)"
echo "loadgen flags: ${mode_args[*]}${mode_args[*]:+ }${LOADGEN_ARGS[*]:-(defaults)}${PIN:+ (PIN=1: server on CPU 0, loadgen on CPU 1)}"
echo "GOGC: ${GOGC-unset} in this environment; the reference ran with ${ref_gogc}, the gateway with ${gw_gogc}" \
	"(unset: the gateway sets 200 itself, the reference keeps Go's 100)"

if ((loadgen_failed)); then
	echo "FAIL: a loadgen run had more than 0.1% non-2xx answers or wrong screens (see above)"
	exit 1
fi
if [[ $MODE == ussd ]]; then
	met=$(awk -v m="$med_gw_p99" -v t="$P99_TARGET_MS" 'BEGIN {print (m + 0 < t + 0) ? 1 : 0}')
else
	met=$(awk -v m="$med_ratio" -v t="$TARGET" 'BEGIN {print (m + 0 >= t + 0) ? 1 : 0}')
fi
if ((met)); then
	echo "PASS"
else
	echo "BELOW TARGET"
	exit 1
fi
