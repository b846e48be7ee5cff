#!/usr/bin/env bash
# Installs protoc (Debian's protobuf-compiler) when it is missing: the Spark Connect
# protocol crate generates its Rust code with it at build time.
set -euo pipefail
if command -v protoc >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq protobuf-compiler >/dev/null
protoc --version
