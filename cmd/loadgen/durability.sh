#!/usr/bin/env bash
# durability.sh: what each storage-durability choice costs in delivery-report
# throughput, as ratios to the default measured in the same run:
#
#   default  embedded JetStream, nats.sync default (flush every 2 minutes):
#            an ack means "in nats-server's memory and the page cache"
#   always   embedded JetStream, nats.sync always: fsync before every ack
#   spool    JetStream unreachable (an external nats-server killed after the
#            gateway started): every callback is answered from the spool,
#            written and fsynced (group commit) before its 2xx
#   r3       a three-node nats-server cluster on this machine's loopback,
#            stream.replicas 3: an ack means "in memory on two of three".
#            All three servers share the machine's cores with the gateway
#            and the load generator, so this overstates the CPU cost and
#            understates the network's
#
# Usage: cmd/loadgen/durability.sh [loadgen flags...]   (default -n 30000 -c 64 -warmup 2000 -d 60s)
# Environment: ROUNDS [3] rounds of the three, alternating order; GW_PORT [8092].
# Everything runs on loopback; everything started is stopped on exit.
set -euo pipefail
ROUNDS=${ROUNDS:-3}
GW_PORT=${GW_PORT:-8092}
ARGS=("$@")
[[ ${#ARGS[@]} -gt 0 ]] || ARGS=(-n 30000 -c 64 -warmup 2000 -d 60s)
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
go build -o "$tmp/mlango" ./cmd/mlango
go build -o "$tmp/loadgen" ./cmd/loadgen
go build -o "$tmp/nats-server" github.com/nats-io/nats-server/v2

wait_http() { for _ in $(seq 1 600); do curl -fs -o /dev/null "$1" && return 0; sleep 0.05; done; echo "not ready: $1" >&2; return 1; }

run() { # run MODE ROUND -> prints "MODE rps p99"
	local mode=$1 dir="$tmp/$1-$2" env=(MLANGO_HTTP_ADDR=127.0.0.1:$GW_PORT MLANGO_LOG_LEVEL=error MLANGO_CONFIG= MLANGO_NATS_LISTEN=none)
	mkdir -p "$dir"
	local np=""
	case $mode in
	default) env+=(MLANGO_DATA_DIR=$dir) ;;
	always) env+=(MLANGO_DATA_DIR=$dir MLANGO_NATS_SYNC=always) ;;
	r3)
		for i in 1 2 3; do
			"$tmp/nats-server" -js -sd "$dir/n$i" -a 127.0.0.1 -p $((14990 + i)) -n "n$i" --cluster_name r3 \
				--cluster nats://127.0.0.1:$((14980 + i)) --routes nats://127.0.0.1:14981,nats://127.0.0.1:14982,nats://127.0.0.1:14983 \
				>"$dir/n$i.log" 2>&1 &
			pids+=($!)
		done
		for p in 14991 14992 14993; do for _ in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.05; done; done
		sleep 3 # let the cluster elect a JetStream meta leader; the gateway retries bucket creation anyway
		env+=(MLANGO_DATA_DIR=$dir MLANGO_NATS_URL=nats://127.0.0.1:14991,nats://127.0.0.1:14992,nats://127.0.0.1:14993 MLANGO_STREAM_REPLICAS=3) ;;
	spool)
		"$tmp/nats-server" -js -sd "$dir/ns" -a 127.0.0.1 -p 14999 >"$dir/ns.log" 2>&1 &
		np=$!; pids+=("$np")
		for _ in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/14999) 2>/dev/null && break; sleep 0.05; done
		env+=(MLANGO_DATA_DIR=$dir MLANGO_NATS_URL=nats://127.0.0.1:14999 MLANGO_PUBLISH_TIMEOUT=1s) ;;
	esac
	env "${env[@]}" "$tmp/mlango" >"$dir/gw.log" 2>&1 &
	local gp=$!; pids+=("$gp")
	wait_http "http://127.0.0.1:$GW_PORT/healthz"
	[[ $mode != r3 ]] || wait_http "http://127.0.0.1:$GW_PORT/readyz"
	if [[ $mode == spool ]]; then kill -9 "$np"; wait "$np" 2>/dev/null || true; fi
	local line
	line=$("$tmp/loadgen" -summary -url "http://127.0.0.1:$GW_PORT/api/sms/delivery-reports" -server-pid "$gp" "${ARGS[@]}" 2>"$dir/loadgen.err" | tail -1)
	kill "$gp"; wait "$gp" 2>/dev/null || true
	if [[ $mode == r3 ]]; then pkill -f -- "--cluster_name r3" || true; fi
	echo "$mode $line"
}

declare -A sum
order=(default always spool r3)
for r in $(seq 1 "$ROUNDS"); do
	if (( r % 2 == 0 )); then order=(spool always default); else order=(default always spool r3); fi
	for m in "${order[@]}"; do
		out=$(run "$m" "$r")
		echo "round $r: $out"
		rps=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$out")
		sum[$m]+="$rps "
	done
done
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
d=$(median "${sum[default]}")
for m in default always spool r3; do
	v=$(median "${sum[$m]}")
	awk -v m="$m" -v v="$v" -v d="$d" 'BEGIN {printf "%-8s median %8.0f req/s  ratio to default %.3f\n", m, v, v/d}'
done
