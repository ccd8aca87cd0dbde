#!/usr/bin/env bash
# Full disk: the database lives on a 3 MiB tmpfs.  Uploads past the space
# must fail cleanly (an error envelope, no crash, nothing half-written), and
# once the tmpfs grows again the same server must accept and run tasks.
# Needs root and mount(2) (skipped otherwise).  Loopback only.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${KTASKD_BIN:-$root/build/ktaskd}
dir=$(mktemp -d /tmp/ktaskd-diskfull.XXXXXX)
pid=""
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	wait 2>/dev/null || true
	umount "$dir" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
if ! mount -t tmpfs -o size=3m tmpfs "$dir" 2>/dev/null; then
	echo "disk_full: SKIPPED (cannot mount a tmpfs here)"
	trap - EXIT; rmdir "$dir"; exit 0
fi
field() { grep -o "\"$1\":\"\{0,1\}[^\",}]*" | head -n 1 | sed 's/^[^:]*://; s/"//g'; }
fail() { echo "disk_full: FAILED: $*" >&2; exit 1; }

creds=$("$BIN" init --db "$dir/db" 2>/dev/null)
key=$(echo "$creds" | field api_key); acct=$(echo "$creds" | field account_id)
"$BIN" serve --db "$dir/db" --listen 127.0.0.1:0 --log-level error > "$dir/out" 2> /dev/null &
pid=$!
for _ in $(seq 1 100); do base=$(sed -n 's/^ktaskd listening on //p' "$dir/out"); [ -n "$base" ] && break; sleep 0.05; done
token=$(curl -s -X PUT "$base/v2/api_auth" -d "{\"data\":{\"api_key\":\"$key\"}}" | field auth_token)
csv=/tmp/ktaskd-diskfull.csv  # ~5 MB: more than the 3 MiB disk holds
awk -v a="$acct" 'BEGIN { print "number,account_id"
	for (i = 0; i < 100000; i++) printf "+1%010d,%s\n", 2000000000 + i, a }' > "$csv"

# 1. Too big for the disk: a clean error, and the server lives on.
reply=$(curl -s -w '\n%{http_code}' -X PUT -H "X-Auth-Token: $token" -H 'Content-Type: text/csv' \
	--data-binary @"$csv" "$base/v2/accounts/$acct/tasks?category=number_management&action=add")
code=$(echo "$reply" | tail -n 1)
echo "disk_full: upload on a full disk: HTTP $code"
case "$code" in 5*) ;; *) fail "expected a 5xx on a full disk, got $code" ;; esac
echo "$reply" | head -n 1 | grep -q '"status":"error"' || fail "no error envelope"
kill -0 "$pid" || fail "the server died"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/v2/tasks")" = 200 ] || fail "not serving"

# 2. Space comes back: the same server takes and runs the task.
mount -o remount,size=256m "$dir" || fail "cannot grow the tmpfs"
id=$(curl -s -X PUT -H "X-Auth-Token: $token" -H 'Content-Type: text/csv' --data-binary @"$csv" \
	"$base/v2/accounts/$acct/tasks?category=number_management&action=add" | field id)
[ -n "$id" ] || fail "upload refused after space came back"
curl -s -X PATCH -H "X-Auth-Token: $token" "$base/v2/accounts/$acct/tasks/$id" > /dev/null
for _ in $(seq 1 600); do
	st=$(curl -s -H "X-Auth-Token: $token" "$base/v2/accounts/$acct/tasks/$id" | field status)
	[ "$st" = executing ] || break
	sleep 0.05
done
[ "$st" = success ] || fail "task ended $st"
# Only the successful upload's task exists: the failed one left nothing.
n=$(curl -s -H "X-Auth-Token: $token" "$base/v2/accounts/$acct/tasks" | grep -o '"id":"' | wc -l)
[ "$n" = 1 ] || fail "$n tasks listed, expected 1"
kill -TERM "$pid"; wait "$pid" || fail "exit status"; pid=""
rm -f "$csv"
echo "disk_full: passed (clean $code on a full disk, full recovery once space returned)"
