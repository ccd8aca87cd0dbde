#!/usr/bin/env bash
# Crash torture: several accounts' add / assign_to / release tasks run while
# the server is SIGKILLed at random moments (during uploads and during
# start-up recovery too), then everything is checked against a model kept
# by this script, independently of the server:
#   - every task finished, counters equal to its output, and every input row
#     exactly once in the output, in order;
#   - the inventory holds each number once, owned and in the state that the
#     applied rows say;
#   - no task is left half-created by an interrupted upload.
# Usage: tests/torture/torture.sh [ROUNDS] (default 5); TORTURE_SEED=N to replay.
# Loopback only; every loop is bounded.
set -euo pipefail

ROUNDS=${1:-5}
SEED=${TORTURE_SEED:-$(( $(date +%s) % 100000 ))}
root=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${KTASKD_BIN:-$root/build/ktaskd}
work=$(mktemp -d /tmp/ktaskd-torture.XXXXXX)
db=$work/ktaskd.db
pid=""
RANDOM=$SEED
echo "torture: $ROUNDS rounds, seed $SEED, in $work"

cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
fail() { echo "torture: FAILED: $*" >&2; echo "torture: seed $SEED, files kept in $work" >&2; trap - EXIT; cleanup; exit 1; }

field() { grep -o "\"$1\":\"\{0,1\}[^\",}]*" | head -n 1 | sed 's/^[^:]*://; s/"//g'; }

start() {
	: > "$work/out"
	"$BIN" serve --db "$db" --listen 127.0.0.1:0 --workers 2 --lease-seconds 2 \
		--log-level warn > "$work/out" 2>> "$work/err" &
	pid=$!
	for _ in $(seq 1 200); do
		base=$(sed -n 's/^ktaskd listening on //p' "$work/out")
		[ -n "$base" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.02
	done
	fail "server did not start"
}

kill9() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; pid=""; }

api() { # api METHOD PATH [curl args...]
	local m=$1 p=$2
	shift 2
	curl -s -m 30 -X "$m" -H "X-Auth-Token: $token" "$@" "$base$p" || true
}

login() { token=$(curl -s -X PUT "$base/v2/api_auth" -d "{\"data\":{\"api_key\":\"$key\"}}" | field auth_token); }

# --- set-up: the master, three resellers, each with a customer -------------
creds=$("$BIN" init --db "$db" 2>/dev/null)
key=$(echo "$creds" | field api_key)
master=$(echo "$creds" | field account_id)
start; login
declare -a resellers customers
for i in 0 1 2; do
	resellers[$i]=$(api PUT "/v2/accounts/$master" -d "{\"data\":{\"name\":\"r$i\"}}" | field id)
	customers[$i]=$(api PUT "/v2/accounts/${resellers[$i]}" -d "{\"data\":{\"name\":\"c$i\"}}" | field id)
done

# Each chain: add a range to reseller i, assign it to customer i, release
# its first half. The model is what the chain says once all three ran.
declare -a chain_step chain_acct chain_first chain_rows chain_task
nchains=$(( ROUNDS + 2 ))
for c in $(seq 0 $(( nchains - 1 ))); do
	chain_step[$c]=0
	chain_acct[$c]=$(( RANDOM % 3 ))
	chain_first[$c]=$(( 2000000000 + c * 100000 ))
	chain_rows[$c]=$(( 2000 + RANDOM % 30000 ))
	chain_task[$c]=""
done

csv_for() { # csv_for CHAIN STEP > file
	local c=$1 s=$2 a=${chain_acct[$1]} n=${chain_rows[$1]} f=${chain_first[$1]}
	case $s in
	0) awk -v f="$f" -v n="$n" -v a="${resellers[$a]}" 'BEGIN { print "number,account_id"
		for (i = 0; i < n; i++) printf "+1%010d,%s\n", f + i, a }' ;;
	1) awk -v f="$f" -v n="$n" -v a="${customers[$a]}" 'BEGIN { print "number,account_id"
		for (i = 0; i < n; i++) printf "+1%010d,%s\n", f + i, a }' ;;
	2) awk -v f="$f" -v n="$n" 'BEGIN { print "number"
		for (i = 0; i < int(n / 2); i++) printf "+1%010d\n", f + i }' ;;
	esac
}
action_of() { case $1 in 0) echo add ;; 1) echo assign_to ;; 2) echo release ;; esac; }

# Submit the next step of a chain whose previous task is done.
advance() {
	local c=$1 s=${chain_step[$1]} a=${chain_acct[$1]} t st id
	t=${chain_task[$c]}
	if [ -n "$t" ]; then
		st=$(api GET "/v2/accounts/${resellers[$a]}/tasks/$t" | field status)
		case $st in
		executing|"") return 0 ;;
		pending) api PATCH "/v2/accounts/${resellers[$a]}/tasks/$t" > /dev/null; return 0 ;;
		success) chain_step[$c]=$(( s + 1 )); chain_task[$c]=""; s=$(( s + 1 )) ;;
		*) fail "chain $c step $s task $t ended $st" ;;
		esac
	fi
	[ "$s" -ge 3 ] && return 0
	csv_for "$c" "$s" > "$work/in-$c-$s.csv"
	id=$(api PUT "/v2/accounts/${resellers[$a]}/tasks?category=number_management&action=$(action_of "$s")" \
		-H 'Content-Type: text/csv' --data-binary @"$work/in-$c-$s.csv" | field id)
	[ -n "$id" ] || return 0 # the server died under us: the next round submits again
	chain_task[$c]=$id
	api PATCH "/v2/accounts/${resellers[$a]}/tasks/$id" > /dev/null
}

for round in $(seq 1 "$ROUNDS"); do
	[ -n "$pid" ] || { start || true; login; }
	[ -n "$pid" ] || { start; login; }
	for c in $(seq 0 $(( nchains - 1 ))); do advance "$c"; done
	# An upload the kill will interrupt, now and then.
	if [ $(( RANDOM % 2 )) -eq 0 ]; then
		csv_for 0 0 > "$work/doomed.csv"
		api PUT "/v2/accounts/${resellers[0]}/tasks?category=number_management&action=find" \
			-H 'Content-Type: text/csv' --data-binary @"$work/doomed.csv" > /dev/null &
	fi
	sleep "0.$(( RANDOM % 9 ))$(( RANDOM % 10 ))"
	kill9
	# Sometimes kill again during start-up recovery.
	if [ $(( RANDOM % 3 )) -eq 0 ]; then
		start || true
		sleep "0.0$(( RANDOM % 10 ))"
		kill9
	fi
	wait 2>/dev/null || true
	echo "torture: round $round: killed"
done

# --- let everything finish ----------------------------------------------------
start; login
for _ in $(seq 1 600); do
	done_all=1
	for c in $(seq 0 $(( nchains - 1 ))); do
		advance "$c"
		[ "${chain_step[$c]}" -ge 3 ] || done_all=0
	done
	[ "$done_all" = 1 ] && break
	sleep 0.2
done
[ "$done_all" = 1 ] || fail "chains did not finish"
kill -TERM "$pid"; wait "$pid" || fail "SIGTERM exit status"; pid=""

# --- check everything against the model ---------------------------------------
q() { sqlite3 "$db" "$1"; }
[ "$(q "SELECT count(*) FROM tasks WHERE status = 'uploading'")" = 0 ] || fail "half-created task"
# Every task: all rows done, counters = output, each input row once, in order.
while IFS='|' read -r seq tid total ok failed status; do
	[ "$status" = executing ] && fail "task $tid still executing"
	[ "$status" = pending ] && continue
	[ $(( ok + failed )) -eq "$total" ] || fail "task $tid: $ok + $failed != $total"
	# (chunks end with a line break and sqlite3 adds one: drop empty lines)
	q "SELECT data FROM task_input WHERE id >> 32 = $seq ORDER BY id" | grep -v '^$' | cut -d, -f1 > "$work/i"
	q "SELECT data FROM task_output WHERE id >> 32 = $seq ORDER BY id" | grep -v '^$' | cut -d, -f1 > "$work/o"
	cmp -s "$work/i" "$work/o" || fail "task $tid: output rows differ from input rows"
	[ "$(wc -l < "$work/o")" -eq "$total" ] || fail "task $tid: output has $(wc -l < "$work/o") rows, not $total"
	errs=$(q "SELECT data FROM task_output WHERE id >> 32 = $seq" | grep -v '^$' | grep -c ',[^,]\+$' || true)
	[ "$errs" -eq "$failed" ] || fail "task $tid: $errs error rows, $failed counted"
done < <(q "SELECT seq, id, total_count, success_count, failure_count, status FROM tasks
	WHERE total_count >= 0 AND action IN ('add', 'assign_to', 'release')")
# The inventory, chain by chain.
for c in $(seq 0 $(( nchains - 1 ))); do
	f=$(( chain_first[c] + 10000000000 )); n=${chain_rows[$c]}; half=$(( n / 2 ))
	a=${chain_acct[$c]}
	got=$(q "SELECT count(*), sum(state = 'released' AND account_id = ''),
		sum(state = 'in_service' AND account_id = '${customers[$a]}'
		    AND previously_assigned_to = '${resellers[$a]}')
		FROM numbers WHERE num BETWEEN $f AND $(( f + n - 1 ))")
	want="$n|$half|$(( n - half ))"
	[ "$got" = "$want" ] || fail "chain $c inventory: $got, want $want"
done
echo "torture: $ROUNDS rounds passed (seed $SEED): $nchains chains, every row exactly once"
rm -rf "$work"
