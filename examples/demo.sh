#!/usr/bin/env bash
# make demo: build the leaking example, run it under jemalloc's heap profiler, and resolve its
# addresses with the project's tools. Usage: demo.sh BUILD_DIR
set -euo pipefail
build=$(realpath "${1:-build}")
here=$(cd "$(dirname "$0")" && pwd)
out=$build/demo
rm -rf "$out" && mkdir -p "$out"
mapresolve=$build/tools/mapresolve
stackfold=$build/tools/stackfold
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say "gcc -O2 -g examples/leak.c -o $out/leak"
gcc -O2 -g "$here/leak.c" -o "$out/leak"

jemalloc=$(ls /usr/lib/*/libjemalloc.so.2 | head -1)
say "MALLOC_CONF=prof:true,prof_leak:true,lg_prof_sample:0,prof_final:true LD_PRELOAD=$jemalloc $out/leak $out/leak.maps"
read -r fn ret printf_addr < <(cd "$out" && MALLOC_CONF=prof:true,prof_leak:true,lg_prof_sample:0,prof_final:true,prof_prefix:"$out/jeprof" \
  LD_PRELOAD=$jemalloc ./leak "$out/leak.maps" 2> "$out/leak.stderr")
echo "leak_test at $fn, return address into main $ret, printf at $printf_addr"
sed 's/^/  /' "$out/leak.stderr" | head -5

say "mapresolve --maps $out/leak.maps $fn $printf_addr"
"$mapresolve" --maps "$out/leak.maps" "$fn" "$printf_addr"

say "mapresolve --maps $out/leak.maps --return-address $ret"
"$mapresolve" --maps "$out/leak.maps" --return-address "$ret"

say "mapresolve --maps $out/leak.maps --output=gnu -a -f -i -p -r $ret   # addr2line-style"
"$mapresolve" --maps "$out/leak.maps" --output=gnu -a -f -i -p -r "$ret"

dump=$(ls "$out"/jeprof.*.heap 2>/dev/null | head -1 || true)
if [ -n "$dump" ]; then
  say "head -3 $dump"
  head -3 "$dump"
  # The stack holding the most bytes, leaf first, as raw return addresses.
  stack=$(awk '/^@/ {s = $0} /^  t\*:/ && s != "" {split($0, f, /[: ]+/); if (f[4] + 0 > best) {best = f[4] + 0; top = s}; s = ""} END {sub(/^@ /, "", top); print top}' "$dump")
  say "mapresolve --dump $dump --return-address $stack"
  # shellcheck disable=SC2086
  "$mapresolve" --dump "$dump" --return-address $stack
  if [ -x "$stackfold" ]; then
    say "stackfold $dump"
    "$stackfold" "$dump"
    say "stackfold --format=text $dump"
    "$stackfold" --format=text "$dump"
  fi
  # The walk for the first frame of that stack inside the leaking program itself.
  range=$(awk '$2 ~ /x/ && $NF ~ /\/leak$/ {print $1; exit}' "$dump")
  lo=$((16#${range%-*})) hi=$((16#${range#*-}))
  for pc in $stack; do
    if (( 16#${pc#0x} >= lo && 16#${pc#0x} < hi )); then
      say "mapresolve --dump $dump --explain --return-address $pc"
      "$mapresolve" --dump "$dump" --explain --return-address "$pc"
      break
    fi
  done
  if [ -x "$stackfold" ]; then
    say "stackfold --format=svg -o $out/leak.svg $dump   # interactive flame graph"
    "$stackfold" --format=svg -o "$out/leak.svg" "$dump" && ls -l "$out/leak.svg"
    say "stackfold --format=dot -o $out/leak.dot $dump   # call graph, like jeprof --gif"
    "$stackfold" --format=dot -o "$out/leak.dot" "$dump" && ls -l "$out/leak.dot"
    if command -v dot >/dev/null; then
      dot -Tsvg "$out/leak.dot" -o "$out/leak-callgraph.svg" && ls -l "$out/leak-callgraph.svg"
    fi
    say "stackfold --format=pprof -o $out/leak.pb.gz $dump   # for go tool pprof"
    "$stackfold" --format=pprof -o "$out/leak.pb.gz" "$dump" && ls -l "$out/leak.pb.gz"
    if command -v go >/dev/null; then
      go tool pprof -top "$out/leak.pb.gz" 2>/dev/null | head -8
    fi
  fi
  echo "Open $out/leak.svg in a browser; or the classic way: $stackfold $dump | flamegraph.pl > leak.svg"
fi
