#!/usr/bin/env bash
# Makes real jemalloc heap dumps (heap_v2) of three real programs, cached in OUTDIR:
#   clang.heap   clang-19 compiling one generated C++ file (-O2 -g); dumped at exit
#   python.heap  /usr/bin/python3 running bench/alloc.py (PYTHONMALLOC=malloc so every object
#                goes through malloc); dumped by mallctl("prof.dump") while the data is alive
#   gdb.heap     gdb -batch reading the DWARF of the big generated binary (59 shared
#                libraries: python, guile, ncurses, ...); dumped at exit
# and OUTDIR/NAME.prog with the program path jeprof needs.
# Usage: make-dumps.sh OUTDIR BIG_BINARY CPP_SOURCE [LG_PROF_SAMPLE]
set -euo pipefail
out=$1 big=$2 cpp=$3 lg=${4:-12}
here=$(cd "$(dirname "$0")" && pwd)
je=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
mkdir -p "$out"

# run NAME PROG ARGS...: runs the program with jemalloc profiling, keeps the largest dump
# (a program may start helpers that write small dumps of their own).
run() {
  local name=$1; shift
  local prog=$1
  if [[ -s $out/$name.heap && -s $out/$name.prog ]]; then return 0; fi
  local tmp=$out/tmp-$name
  rm -rf "$tmp"; mkdir -p "$tmp"
  (cd "$tmp" && env LD_PRELOAD=$je \
      MALLOC_CONF=prof:true,prof_final:${FINAL:-true},lg_prof_sample:$lg,prof_prefix:$tmp/$name \
      "$@" > "$tmp/stdout" 2> "$tmp/stderr") || {
    echo "make-dumps: $name failed:" >&2; tail -5 "$tmp/stderr" >&2; return 1; }
  local best
  best=$(ls -S "$tmp"/"$name".*.heap 2>/dev/null | head -1)
  [[ -n $best ]] || { echo "make-dumps: $name wrote no dump" >&2; return 1; }
  mv "$best" "$out/$name.heap"
  readlink -f "$(command -v "$prog")" > "$out/$name.prog"
  rm -rf "$tmp"
}

run clang clang-19 -std=c++17 -O2 -g -w -c "$cpp" -o /dev/null
FINAL=false PYTHONMALLOC=malloc run python /usr/bin/python3 "$here/alloc.py"
run gdb gdb -batch -nx -ex 'info functions work_1_' -ex 'info types Rec' \
    -ex 'info line gen_0::render' -ex 'info scope gen_2::make' "$big"
