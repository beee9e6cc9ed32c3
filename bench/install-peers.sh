#!/usr/bin/env bash
# Installs the peers and inputs `make bench` needs, from Debian 12 packages, when missing.
set -euo pipefail
pkgs=(llvm-19 binutils elfutils libjemalloc-dev libjemalloc2 librust-addr2line-dev cargo rustc
      libc6-dbg gdb clang-19 g++ python3)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) != 0 ]]; then
    echo "bench: missing Debian packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "bench: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
    apt-get update -qq && apt-get install -y -qq "${missing[@]}"; }
fi
