#!/bin/sh
# Installs the Debian packages a make target needs, only if missing.
# Usage: scripts/install-deps.sh build|test
# Runs apt-get as root; otherwise prints the command to run and fails.
set -eu

build_pkgs="gcc make libc6-dev pkg-config ragel liburing-dev python3 python3-jinja2 libjansson-dev libbrotli-dev libdeflate-dev libssl-dev libnghttp2-dev libpq-dev"
test_pkgs="openssl python3-pytest python3-jsonschema python3-hypothesis curl clang-format python3-websockets python3-brotli clang-14 libclang-rt-14-dev python3-seccomp python3-h2 nghttp2-client postgresql-15 postgresql-client-15 python3-grpcio protobuf-compiler python3-protobuf"

case "${1:-build}" in
build) want="$build_pkgs" ;;
test) want="$build_pkgs $test_pkgs" ;;
*) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "ringspec: installing missing Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "ringspec: not root; run: sudo apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists may be absent or stale on a fresh machine.
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
