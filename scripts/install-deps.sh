#!/usr/bin/env bash
# Installs the Debian 12 packages libsym needs to build and test, only those that are missing.
# Quick (one dpkg-query) when everything is already present.
set -euo pipefail
packages=(
  build-essential pkg-config meson ninja-build
  llvm-19-dev llvm-19 clang-19 lld-19 libclang-rt-19-dev
  libcapstone-dev librange-v3-dev catch2 zlib1g-dev libzstd-dev libdeflate-dev liblzma-dev xz-utils
  libjemalloc-dev libjemalloc2 libgoogle-perftools4 elfutils binutils dwz libc6-dbg
  chromium fonts-dejavu-core
  libdebuginfod-dev debuginfod
  golang-go rustc
  graphviz libxml2-utils
)
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages and not root; run: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
