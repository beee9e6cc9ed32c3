#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time on a working copy of its corpus (the checked-in
# seeds plus the ELF fixtures built by the tests). Crashes are left in BUILD/fuzz-artifacts/;
# minimize one with `BUILD/fuzz/fuzz_T -minimize_crash=1 FILE` and add it to
# fuzz/regressions/T/ so that every test run replays it.
# Usage: run.sh BUILD_DIR SECONDS
# With FUZZ_RUNS=N set, each target runs exactly N inputs from seed 1 instead: the same result on
# every run of the same tree (what CI uses, so that a landing never depends on luck).
set -uo pipefail
build=$(realpath "$1")
seconds=${2:-60}
src=$(cd "$(dirname "$0")" && pwd)
fixtures=$build/tests/fixtures
status=0
for target in maps heap_profile elf pipeline; do
  work=$build/fuzz-corpus/$target
  artifacts=$build/fuzz-artifacts/$target/
  mkdir -p "$work" "$artifacts"
  cp -n "$src/corpus/$target"/* "$work"/ 2>/dev/null || true
  cp -n "$src/regressions/$target"/* "$work"/ 2>/dev/null || true
  case $target in
    elf) for f in libfixture.so pie_gcc lld_clang dwarf5_clang gz_gcc debuglink_gcc.debug \
                  broken_child broken_across sound_across minidebuginfo_gcc; do
           cp -n "$fixtures/$f" "$work/seed_$f" 2>/dev/null || true; done ;;
    pipeline) cp -n "$fixtures/pipeline.seed" "$work/" 2>/dev/null || true ;;
  esac
  if [ -n "${FUZZ_RUNS:-}" ]; then
    bound=(-runs="$FUZZ_RUNS" -seed=1)
    echo "== fuzz_$target for $FUZZ_RUNS inputs (seed 1)"
  else
    bound=(-max_total_time="$seconds")
    echo "== fuzz_$target for ${seconds}s"
  fi
  "$build/fuzz/fuzz_$target" "$work" "${bound[@]}" -max_len=1048576 \
    -timeout=10 -rss_limit_mb=4096 -artifact_prefix="$artifacts" -print_final_stats=1 \
    > "$build/fuzz-$target.log" 2>&1
  rc=$?
  grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec|^stat::new_units_added|^#[0-9]+.*DONE' \
    "$build/fuzz-$target.log" | sed 's/^/   /'
  if [ $rc -ne 0 ]; then
    echo "   fuzz_$target FAILED (exit $rc); see $build/fuzz-$target.log and $artifacts"
    status=1
  fi
done
exit $status
