#!/bin/sh
# Debian packages of bench/run's protocol scenarios (h2c, tls-*, grpc-*, db) only; the build and
# the tests do not need them (scripts/install-deps.sh has those). bench/run calls this when a tool
# is missing; run it as root.
#   h2load (nghttp2-client), wrk: load generators; h2o, nginx-light: HTTP/2 and TLS peers;
#   libgrpc++-dev, protobuf-compiler(-grpc), libprotobuf-dev, g++, pkg-config: the gRPC C++ peer;
#   python3-aiohttp, python3-asyncpg: the async-db peer; postgresql-15: the database both use.
set -eu
pkgs="nghttp2-client wrk h2o nginx-light libgrpc++-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
g++ pkg-config python3-aiohttp python3-asyncpg postgresql-15 postgresql-client-15 curl openssl"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $pkgs || { apt-get update -q && apt-get install -y -q --no-install-recommends $pkgs; }
