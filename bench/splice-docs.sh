#!/usr/bin/env bash
# Rewrites the generated results section of docs/performance.md (between the
# `bench-results:begin` and `bench-results:end` markers) from one result directory.
# Usage: splice-docs.sh [RESULT_DIR]   (default: build-bench/bench-results/latest)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
res=${1:-$root/build-bench/bench-results/latest}
doc=$root/docs/performance.md
grep -q '^<!-- bench-results:begin' "$doc" && grep -q '^<!-- bench-results:end' "$doc" || {
  echo "splice-docs: $doc has no bench-results markers" >&2; exit 1; }
bash "$root/bench/report.sh" "$res" > "$res/results.md"
awk -v f="$res/results.md" '
  /^<!-- bench-results:begin/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
  /^<!-- bench-results:end/ { skip = 0 }
  !skip' "$doc" > "$doc.new"
mv "$doc.new" "$doc"
