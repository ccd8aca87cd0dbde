#!/usr/bin/env bash
# Load: 20 accounts' clients create, start, poll, list, download and delete
# tasks at once for LOAD_SECONDS (default 60), while 1,000 idle connections
# sit open.  Checks: no 5xx, no lost task, the server's memory at the end
# within 10% of its memory after warm-up, and a plain request served fast
# while the idle connections are open.  Loopback only, bounded loops.
set -euo pipefail

SECONDS_TOTAL=${LOAD_SECONDS:-60}   # at least 35
root=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${KTASKD_BIN:-$root/build/ktaskd}
work=$(mktemp -d /tmp/ktaskd-load.XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; wait 2>/dev/null; [ -n "${LOAD_KEEP:-}" ] || rm -rf "$work"' EXIT
field() { grep -o "\"$1\":\"\{0,1\}[^\",}]*" | head -n 1 | sed 's/^[^:]*://; s/"//g'; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }

creds=$("$BIN" init --db "$work/db" 2>/dev/null)
key=$(echo "$creds" | field api_key); master=$(echo "$creds" | field account_id)
"$BIN" serve --db "$work/db" --listen 127.0.0.1:0 --log-level warn > "$work/out" 2> "$work/err" &
pid=$!
for _ in $(seq 1 100); do base=$(sed -n 's/^ktaskd listening on //p' "$work/out"); [ -n "$base" ] && break; sleep 0.05; done
mtoken=$(curl -s -X PUT "$base/v2/api_auth" -d "{\"data\":{\"api_key\":\"$key\"}}" | field auth_token)

client() { # client N: one account's life, until the deadline
	local n=$1 deadline=$2 acct akey tok id st i=0
	local out=$work/client-$n
	acct=$(curl -s -X PUT -H "X-Auth-Token: $mtoken" "$base/v2/accounts/$master" -d "{\"data\":{\"name\":\"load$n\"}}")
	akey=$(echo "$acct" | field api_key); acct=$(echo "$acct" | field id)
	tok=$(curl -s -X PUT "$base/v2/api_auth" -d "{\"data\":{\"api_key\":\"$akey\"}}" | field auth_token)
	: > "$out.codes"; : > "$out.ids"
	while [ "$(date +%s)" -lt "$deadline" ] && [ $i -lt 100000 ]; do
		i=$((i + 1))
		awk -v n=$((RANDOM % 500 + 1)) -v a="$acct" -v b=$((n * 1000000 + i * 1000)) \
			'BEGIN { print "number,account_id"; for (k = 0; k < n; k++) printf "+1%010d,%s\n", 1000000000 + b + k, a }' > "$out.csv"
		id=$(curl -s -w '\n%{http_code}' -X PUT -H "X-Auth-Token: $tok" -H 'Content-Type: text/csv' \
			--data-binary @"$out.csv" "$base/v2/accounts/$acct/tasks?category=number_management&action=add")
		echo "$id" | tail -n 1 >> "$out.codes"
		id=$(echo "$id" | head -n 1 | field id)
		[ -n "$id" ] || continue
		echo "$id" >> "$out.ids"
		curl -s -o /dev/null -w '%{http_code}\n' -X PATCH -H "X-Auth-Token: $tok" "$base/v2/accounts/$acct/tasks/$id" >> "$out.codes"
		for _ in $(seq 1 300); do
			st=$(curl -s -H "X-Auth-Token: $tok" "$base/v2/accounts/$acct/tasks/$id" | field status)
			[ "$st" = executing ] || break
			sleep 0.05
		done
		[ "$st" = success ] || echo "task $id ended '$st'" >> "$work/lost"
		curl -s -o /dev/null -w '%{http_code}\n' -H "X-Auth-Token: $tok" "$base/v2/accounts/$acct/tasks?page_size=20" >> "$out.codes"
		curl -s -o /dev/null -w '%{http_code}\n' -H "X-Auth-Token: $tok" "$base/v2/accounts/$acct/tasks/$id/output" >> "$out.codes"
		if [ $((i % 2)) -eq 0 ]; then
			curl -s -o /dev/null -w '%{http_code}\n' -X DELETE -H "X-Auth-Token: $tok" "$base/v2/accounts/$acct/tasks/$id" >> "$out.codes"
			echo "deleted $id" >> "$out.ids"
		fi
	done
	# Every task not deleted is still there.
	while read -r id; do
		case "$id" in deleted*) continue ;; esac
		grep -q "deleted $id" "$out.ids" && continue
		code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $tok" "$base/v2/accounts/$acct/tasks/$id")
		[ "$code" = 200 ] || echo "task $id lost ($code)" >> "$work/lost"
	done < "$out.ids"
}

warmup=$(( $(date +%s) + 10 ))
deadline=$(( $(date +%s) + SECONDS_TOTAL ))
jobs_pids=()
for n in $(seq 1 20); do client "$n" "$deadline" & jobs_pids+=($!); done

# 1,000 idle connections, opened 5 s in, held 20 s.
sleep 5
(
	ulimit -n 4096
	fds=()
	for _ in $(seq 1 1000); do exec {fd}<>"/dev/tcp/127.0.0.1/${base##*:}" && fds+=("$fd") || break; done
	echo "${#fds[@]}" > "$work/idle"
	sleep 20
) &
jobs_pids+=($!)
sleep 3
t0=$(date +%s.%N)
code=$(curl -s -o /dev/null -m 10 -w '%{http_code}' "$base/v2/tasks")
t1=$(date +%s.%N)
# Warm-up ends once the idle connections have come and gone (30 s in): the
# page caches and connection pools have reached their working size.
sleep 22
rss_warm=$(rss_kb)
for j in "${jobs_pids[@]}"; do wait "$j" || true; done
rss_end=$(rss_kb)
kill -TERM "$pid"; wait "$pid" || { echo "load: server exit status $?"; exit 1; }; pid=""

[ -f "$work/lost" ] || : > "$work/lost"
total=$(cat "$work"/client-*.codes | wc -l)
fivexx=$(cat "$work"/client-*.codes | grep -c '^5' || true)
other=$(cat "$work"/client-*.codes | grep -vc '^[2]' || true)
tasks=$(cat "$work"/client-*.ids | grep -vc '^deleted' || true)
lost=$(wc -l < "$work/lost")
printf 'load: %d requests, %d tasks, 5xx %d, non-2xx %d, lost %d\n' "$total" "$tasks" "$fivexx" "$other" "$lost"
printf 'load: rss after warm-up %d kB, at the end %d kB (%+.1f%%)\n' "$rss_warm" "$rss_end" \
	"$(awk "BEGIN { print ($rss_end - $rss_warm) * 100 / $rss_warm }")"
printf 'load: with %s idle connections open, GET /v2/tasks: %s in %.3f s\n' "$(cat "$work/idle")" "$code" \
	"$(awk "BEGIN { print $t1 - $t0 }")"
[ "$fivexx" -eq 0 ] && [ "$lost" -eq 0 ] && [ "$code" = 200 ] &&
	awk "BEGIN { exit !($rss_end <= $rss_warm * 1.10) }" || { echo "load: FAILED"; [ -f "$work/lost" ] && head "$work/lost"; exit 1; }
echo "load: passed"
