#!/bin/sh
# Install the Debian packages ktaskd needs to build and test, and only when
# one is missing: a no-op on a machine that has them all.
# Usage: scripts/deps.sh [build|test|bench|torture|fuzz]...
set -eu

pkgs="build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev"
for what in "$@"; do
	case "$what" in
	build) ;;
	test) pkgs="$pkgs libcmocka-dev libcurl4-openssl-dev" ;;
	bench) pkgs="$pkgs curl sqlite3 wrk nginx-light" ;;
	torture) pkgs="$pkgs curl sqlite3" ;;
	fuzz) pkgs="$pkgs clang libclang-rt-14-dev" ;;
	*) echo "deps.sh: unknown set '$what'" >&2; exit 2 ;;
	esac
done

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps.sh: installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "deps.sh: missing packages:$missing; run as root or install them" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
