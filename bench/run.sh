#!/usr/bin/env bash
# make bench: every workload of ktaskd beside the storage engine's own speed,
# measured in the same run (ratios hold on a noisy machine; absolute times
# do not).  BENCH_ROWS (default 1,000,000) sets the size.  Loopback only.
set -euo pipefail

N=${BENCH_ROWS:-1000000}
WRK_SECONDS=${BENCH_WRK_SECONDS:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BIN=$root/build/ktaskd
OUT=$root/bench/results/latest.json
work=$(mktemp -d /tmp/ktaskd-bench.XXXXXX)
server_pid=""
nginx_pid=""

cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }
note() { echo "bench: $*" >&2; }

# A free port on 127.0.0.1 (the kernel picks one for a moment, we reuse it).
free_port() {
	local p
	for p in $(seq 20000 20100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	echo 0
}

gen_csv() { # gen_csv ROWS ACCOUNT FILE
	awk -v n="$1" -v a="$2" 'BEGIN {
		print "number,account_id"
		for (i = 0; i < n; i++) printf "+1%010d,%s\n", 2000000000 + i, a
	}' > "$3"
}

start_server() { # start_server DB
	"$BIN" serve --db "$1" --listen 127.0.0.1:0 --log-level warn > "$work/server.out" 2> "$work/server.err" &
	server_pid=$!
	for _ in $(seq 1 200); do
		grep -q '^ktaskd listening on ' "$work/server.out" 2>/dev/null && break
		sleep 0.05
	done
	base=$(sed -n 's/^ktaskd listening on //p' "$work/server.out")
	[ -n "$base" ] || { cat "$work/server.err" >&2; exit 1; }
}

stop_server() {
	kill -TERM "$server_pid"
	wait "$server_pid" || true
	server_pid=""
}

json_field() { # json_field FIELD < json: the first occurrence (strings and numbers)
	grep -o "\"$1\":\"\{0,1\}[^\",}]*" | head -n 1 | sed 's/^[^:]*://; s/"//g'
}

# One full pass over ktaskd: ingest, execute, output (and wrk when asked).
# Sets: t_ingest t_exec t_output out_bytes hwm_kb [wrk_rps wrk_p99]
run_ktaskd() { # run_ktaskd ROWS WITH_WRK
	local rows=$1 with_wrk=$2 db="$work/ktaskd-$1.db" creds key acct token task status
	rm -f "$db"*
	creds=$("$BIN" init --db "$db" 2>/dev/null)
	key=$(echo "$creds" | json_field api_key)
	acct=$(echo "$creds" | json_field account_id)
	gen_csv "$rows" "$acct" "$work/in-$rows.csv"
	start_server "$db"
	token=$(curl -sf -X PUT "$base/v2/api_auth" -d "{\"data\":{\"api_key\":\"$key\"}}" | json_field auth_token)

	local t0 t1 t2 t3
	t0=$(now)
	task=$(curl -sf -X PUT -H "X-Auth-Token: $token" -H 'Content-Type: text/csv' \
		--data-binary @"$work/in-$rows.csv" \
		"$base/v2/accounts/$acct/tasks?category=number_management&action=add" | json_field id)
	t1=$(now)
	curl -sf -X PATCH -H "X-Auth-Token: $token" "$base/v2/accounts/$acct/tasks/$task" > /dev/null
	for _ in $(seq 1 60000); do
		status=$(curl -sf -H "X-Auth-Token: $token" "$base/v2/accounts/$acct/tasks/$task" | json_field status)
		[ "$status" = executing ] || break
		sleep 0.02
	done
	t2=$(now)
	[ "$status" = success ] || { note "add task ended $status"; exit 1; }
	curl -sf -H "X-Auth-Token: $token" -o "$work/out.csv" "$base/v2/accounts/$acct/tasks/$task/output"
	t3=$(now)
	out_bytes=$(stat -c %s "$work/out.csv")
	t_ingest=$(calc "$t1 - $t0"); t_exec=$(calc "$t2 - $t1"); t_output=$(calc "$t3 - $t2")

	if [ "$with_wrk" = 1 ]; then
		curl -sf -H "X-Auth-Token: $token" "$base/v2/accounts/$acct/tasks/$task" > "$work/task.json"
		wrk -t2 -c50 -d"${WRK_SECONDS}s" --latency -H "X-Auth-Token: $token" \
			"$base/v2/accounts/$acct/tasks/$task" > "$work/wrk-ktaskd.txt"
		wrk_rps=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk-ktaskd.txt")
		wrk_p99=$(p99_ms "$work/wrk-ktaskd.txt")
		wrk_errors=$(awk '/Non-2xx|Socket errors/ { print }' "$work/wrk-ktaskd.txt")
		[ -z "$wrk_errors" ] || note "wrk on ktaskd: $wrk_errors"
	fi
	hwm_kb=$(awk '/^VmHWM/ { print $2 }' "/proc/$server_pid/status")
	stop_server
}

p99_ms() { # the 99% line of wrk --latency, in ms
	awk '$1 == "99%" {
		v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		if (u == "us") v /= 1000; else if (u == "s") v *= 1000
		printf "%.3f", v }' "$1"
}

# --- set-up ----------------------------------------------------------------
"$root/scripts/deps.sh" bench
make -s build >/dev/null
note "rows: $N; machine: $(nproc) cores"

# --- ktaskd at N/10 then N (memory is compared between the two, so both
# runs do the same things, wrk included) ---------------------------------------
small=$(( N / 10 > 0 ? N / 10 : 1 ))
run_ktaskd "$small" 1
hwm_small_kb=$hwm_kb
run_ktaskd "$N" 1
hwm_kb_full=$hwm_kb

# --- the storage engine's own speed on the same data -------------------------
base_db="$work/baseline.db"
t0=$(now)
# A new table takes its column names from the header row.
sqlite3 "$base_db" ".import --csv $work/in-$N.csv staging"
t1=$(now)
sqlite3 "$base_db" "CREATE TABLE numbers (number TEXT PRIMARY KEY, account_id TEXT NOT NULL,
	previously_assigned_to TEXT NOT NULL, state TEXT NOT NULL, module_name TEXT NOT NULL,
	auth_by TEXT NOT NULL, features TEXT NOT NULL, created INTEGER NOT NULL,
	modified INTEGER NOT NULL) WITHOUT ROWID;"
t2=$(now)
sqlite3 "$base_db" "BEGIN; INSERT INTO numbers SELECT number, account_id, '', 'in_service',
	'knm_local', account_id, '{}', 63900000000, 63900000000 FROM staging; COMMIT;"
t3=$(now)
sqlite3 -csv -header "$base_db" "SELECT * FROM numbers" > "$work/base-out.csv"
t4=$(now)
b_ingest=$(calc "$t1 - $t0"); b_exec=$(calc "$t3 - $t2"); b_output=$(calc "$t4 - $t3")
b_out_bytes=$(stat -c %s "$work/base-out.csv")

# --- nginx serving the same JSON as a static file ----------------------------
port=$(free_port)
mkdir -p "$work/nginx/www" "$work/nginx/tmp"
cp "$work/task.json" "$work/nginx/www/task.json"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes $(nproc);
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $work/nginx/tmp; proxy_temp_path $work/nginx/tmp;
	fastcgi_temp_path $work/nginx/tmp; uwsgi_temp_path $work/nginx/tmp; scgi_temp_path $work/nginx/tmp;
	server {
		listen 127.0.0.1:$port;
		location / { root $work/nginx/www; default_type application/json; }
	}
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
nginx_pid=$!
sleep 0.5
wrk -t2 -c50 -d"${WRK_SECONDS}s" --latency "http://127.0.0.1:$port/task.json" > "$work/wrk-nginx.txt"
kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=""
n_rps=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk-nginx.txt")
n_p99=$(p99_ms "$work/wrk-nginx.txt")

# --- figures -----------------------------------------------------------------
k_ingest=$(calc "$N / $t_ingest"); bi=$(calc "$N / $b_ingest")
k_exec=$(calc "$N / $t_exec"); be=$(calc "$N / $b_exec")
k_out=$(calc "$out_bytes / 1048576 / $t_output"); bo=$(calc "$b_out_bytes / 1048576 / $b_output")
r_ingest=$(calc "$k_ingest / $bi"); r_exec=$(calc "$k_exec / $be")
r_out=$(calc "$k_out / $bo"); r_api=$(calc "$wrk_rps / $n_rps")
mem_full=$(calc "$hwm_kb_full / 1024"); mem_small=$(calc "$hwm_small_kb / 1024")
mem_ratio=$(calc "$hwm_kb_full / $hwm_small_kb")
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
pass() { awk "BEGIN { print ($1) ? \"yes\" : \"NO\" }"; }

printf '\n%-10s %22s %22s %8s %8s %s\n' workload ktaskd baseline ratio target met
printf '%-10s %16.0f rows/s %16.0f rows/s %8.2f %8s %s\n' ingest "$k_ingest" "$bi" "$r_ingest" ">=0.5" "$(pass "$r_ingest >= 0.5")"
printf '%-10s %16.0f rows/s %16.0f rows/s %8.2f %8s %s\n' execute "$k_exec" "$be" "$r_exec" ">=0.25" "$(pass "$r_exec >= 0.25")"
printf '%-10s %18.1f MB/s %18.1f MB/s %8.2f %8s %s\n' output "$k_out" "$bo" "$r_out" ">=0.5" "$(pass "$r_out >= 0.5")"
printf '%-10s %17.0f req/s %17.0f req/s %8.2f %8s %s\n' api "$wrk_rps" "$n_rps" "$r_api" ">=0.5" "$(pass "$r_api >= 0.5")"
printf '%-10s %11s p99 %6.2f ms %11s p99 %6.2f ms\n' "" "" "$wrk_p99" "" "$n_p99"
printf '%-10s %15.1f MiB at N %12.1f MiB at N/10 %5.2f %8s %s\n' memory "$mem_full" "$mem_small" "$mem_ratio" "<=1.2" "$(pass "$mem_full <= 64 && $mem_ratio <= 1.2")"

cat > "$OUT" <<JSON
{
  "commit": "$commit",
  "rows": $N,
  "machine": {"cpu": "$cpu", "cores": $(nproc)},
  "ingest": {"ktaskd_rows_per_s": $k_ingest, "baseline": "sqlite3 .import", "baseline_rows_per_s": $bi, "ratio": $r_ingest, "target": 0.5},
  "execute": {"ktaskd_rows_per_s": $k_exec, "baseline": "sqlite3 INSERT of the same numbers, one transaction", "baseline_rows_per_s": $be, "ratio": $r_exec, "target": 0.25},
  "output": {"ktaskd_mb_per_s": $k_out, "baseline": "sqlite3 -csv export", "baseline_mb_per_s": $bo, "ratio": $r_out, "target": 0.5},
  "api": {"ktaskd_req_per_s": $wrk_rps, "ktaskd_p99_ms": $wrk_p99, "baseline": "nginx static file", "baseline_req_per_s": $n_rps, "baseline_p99_ms": $n_p99, "ratio": $r_api, "target": 0.5},
  "memory": {"peak_rss_mib_at_n": $mem_full, "peak_rss_mib_at_n_over_10": $mem_small, "ratio": $mem_ratio, "target_mib": 64, "target_ratio": 1.2}
}
JSON
note "written $OUT"
