#!/usr/bin/env bash
# Debug info fetched by build-id from a debuginfod server: elfutils' debuginfod serves the one
# separate debug file of a stripped fixture on a free loopback port; mapresolve and stackfold
# must then answer as with the file given locally, through --debuginfod or DEBUGINFOD_URLS, not
# at all with --no-debuginfod, and report a server that is down or silent once per run while
# still printing symbol-table names. Usage: debuginfod_test.sh MAPRESOLVE STACKFOLD FIXTURE_DIR
set -uo pipefail
M=$(realpath "$1")
S=$(realpath "$2")
FX=$(realpath "$3")  # as the fixtures' /proc/self/maps name it
tmp=$(mktemp -d)
server_pid=
silent_pid=
cleanup() {
  for pid in $server_pid $silent_pid; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() {  # DESCRIPTION COMMAND...: the command must succeed
  local what=$1; shift
  if "$@"; then ok; else bad "$what"; fi
}
same() {  # DESCRIPTION EXPECTED_FILE ACTUAL_FILE
  if cmp -s "$2" "$3"; then ok; else bad "$1:"; diff "$2" "$3" | head -10 >&2; fi
}
lines_matching() { grep -c -- "$1" "$2"; }  # PATTERN FILE: how many lines match

# Only what this test sets reaches libdebuginfod; its cache is ours and starts empty.
unset DEBUGINFOD_URLS DEBUGINFOD_PROGRESS DEBUGINFOD_VERBOSE DEBUGINFOD_TIMEOUT \
  DEBUGINFOD_RETRY_LIMIT DEBUGINFOD_MAXTIME DEBUGINFOD_MAXSIZE DEBUGINFOD_HEADERS_FILE
export DEBUGINFOD_CACHE_PATH=$tmp/cache
if ! command -v debuginfod > /dev/null; then
  echo "FAIL: the debuginfod server (Debian package debuginfod) is not installed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# A port nobody listens on right now (the kernel picks it; the socket is closed again).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# 0 when http://127.0.0.1:PORT serves the debug file of build-id ID (no client cache involved).
serves() {  # PORT ID
  python3 - "$1" "$2" <<'EOF' 2> /dev/null
import sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/buildid/{sys.argv[2]}/debuginfo", timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
EOF
}

# buildid_clang is stripped; its debug file is only in the build-id tree of debugroot/.
id=$(readelf -n "$FX/buildid_clang" | awk '/Build ID/ {print $3}')
debug_file=$FX/debugroot/.build-id/${id:0:2}/${id:2}.debug
check "fixture debug file exists" test -f "$debug_file"
mkdir -p "$tmp/srv" "$tmp/app"
cp "$debug_file" "$tmp/srv/buildid_clang.debug"  # the server holds this file and nothing else
prog=$tmp/app/buildid_clang
cp "$FX/buildid_clang" "$prog"
# Same build-id, symbol table kept, no DWARF: names without lines when nothing is fetched.
objcopy --strip-debug "$FX/lld_clang" "$tmp/app/symtab_clang"

# The server: elfutils' debuginfod scanning $tmp/srv. It has no option to bind to loopback only;
# every query goes to 127.0.0.1. A port taken between free_port and the bind is retried.
for _ in 1 2 3; do
  port=$(free_port)
  rm -f "$tmp/db.sqlite"*
  debuginfod -p "$port" -F -d "$tmp/db.sqlite" -t 0 -g 0 -c 1 "$tmp/srv" > "$tmp/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 150); do  # up to 15 s, until it has scanned the file
    kill -0 "$server_pid" 2> /dev/null || break
    serves "$port" "$id" && break 2
    sleep 0.1
  done
  kill "$server_pid" 2> /dev/null; wait "$server_pid" 2> /dev/null; server_pid=
done
if [ -z "$server_pid" ]; then
  echo "FAIL: debuginfod did not start:" >&2; tail -5 "$tmp/server.log" >&2
  echo "$pass passed, $((fail + 1)) failed"
  exit 1
fi
url=http://127.0.0.1:$port
requests() { grep -c "GET /buildid/" "$tmp/server.log"; }

# Addresses: first and middle byte of every function, and one outside all of them.
nm -S --defined-only "$FX/lld_clang" | awk 'NF == 4 && $3 ~ /[tT]/ {print $1, $2}' \
  | while read -r start size; do
      printf '%x\n%x\n' $((16#$start)) $((16#$start + 16#$size / 2))
    done > "$tmp/addrs"
echo 0 >> "$tmp/addrs"

# --- the answers to expect --------------------------------------------------------------------
before=$(requests)  # the readiness probes
"$M" -e "$prog" --debug-dir "$FX/debugroot" -a -f -i < "$tmp/addrs" > "$tmp/local.out"
check "reference: the local debug file gives lines" grep -q "fixture.c:[1-9]" "$tmp/local.out"
"$M" -e "$prog" -a -f -i < "$tmp/addrs" > "$tmp/none.out"
check "without debug info there are no lines" grep -q "^??:0$" "$tmp/none.out"
if cmp -s "$tmp/local.out" "$tmp/none.out"; then bad "without debug info the answers differ"; else ok; fi
check "nothing asked without servers" test "$(requests)" = "$before"

# --- --debuginfod ------------------------------------------------------------------------------
"$M" --debuginfod "$url" -e "$prog" -a -f -i < "$tmp/addrs" > "$tmp/out" 2> "$tmp/err"
check "--debuginfod: exit 0" test $? = 0
same "--debuginfod answers as the local debug file" "$tmp/local.out" "$tmp/out"
check "--debuginfod: no warning" test ! -s "$tmp/err"
check "--debuginfod: the file is in DEBUGINFOD_CACHE_PATH" test -s "$tmp/cache/$id/debuginfo"

rm -rf "$tmp/cache"
"$M" --debuginfod="$url" -e "$prog" --explain "$(head -1 "$tmp/addrs")" > "$tmp/explain.out"
check "--explain: origin debuginfod and the URL" grep -q \
  "Debug info: $tmp/cache/$id/debuginfo (found through debuginfod, downloaded from $url/buildid/$id/debuginfo)" \
  "$tmp/explain.out"
"$M" --debuginfod="$url" -e "$prog" --explain "$(head -1 "$tmp/addrs")" > "$tmp/explain2.out"
check "--explain: the second run takes it from the cache" grep -q \
  "(found through debuginfod, from its cache), build-id $id" "$tmp/explain2.out"

# Several servers in one option, space-separated as in DEBUGINFOD_URLS: one is down.
rm -rf "$tmp/cache"
dead=http://127.0.0.1:$(free_port)
"$M" --debuginfod "$dead $url" -e "$prog" -a -f -i < "$tmp/addrs" > "$tmp/out" 2> "$tmp/err"
same "two servers, one down: answers from the other" "$tmp/local.out" "$tmp/out"
check "two servers, one down: no warning" test ! -s "$tmp/err"

# --- DEBUGINFOD_URLS, and --debuginfod over it --------------------------------------------------
rm -rf "$tmp/cache"
before=$(requests)
DEBUGINFOD_URLS=$url "$M" -e "$prog" -a -f -i < "$tmp/addrs" > "$tmp/out" 2> "$tmp/err"
same "DEBUGINFOD_URLS answers as the local debug file" "$tmp/local.out" "$tmp/out"
check "DEBUGINFOD_URLS: the server was asked" test "$(requests)" -gt "$before"
rm -rf "$tmp/cache"
DEBUGINFOD_URLS=$dead "$M" --debuginfod "$url" -e "$prog" -a -f -i < "$tmp/addrs" > "$tmp/out" 2> "$tmp/err"
same "--debuginfod wins over DEBUGINFOD_URLS" "$tmp/local.out" "$tmp/out"
check "--debuginfod wins: the variable's dead server is not asked" test ! -s "$tmp/err"

# --- --no-debuginfod: no client, no cache, no request ----------------------------------------
rm -rf "$tmp/cache"
before=$(requests)
DEBUGINFOD_URLS=$url "$M" --no-debuginfod -e "$prog" -a -f -i < "$tmp/addrs" > "$tmp/out" 2> "$tmp/err"
same "--no-debuginfod with DEBUGINFOD_URLS set: no debug info" "$tmp/none.out" "$tmp/out"
"$M" --debuginfod "$url" --no-debuginfod -e "$prog" -a -f -i < "$tmp/addrs" > "$tmp/out" 2>> "$tmp/err"
same "--no-debuginfod wins over --debuginfod" "$tmp/none.out" "$tmp/out"
check "--no-debuginfod: no request reached the server" test "$(requests)" = "$before"
check "--no-debuginfod: no client cache was created" test ! -e "$tmp/cache"
check "--no-debuginfod: no warning" test ! -s "$tmp/err"

# --- another machine's files (--sysroot): build-ids from the copies, debug info fetched -------
run=$("$FX/buildid_clang" "$tmp/run.maps")
outer_ra=$(echo "$run" | awk '$1 == "outer_ra" {print $2}')
lib_ra=$(echo "$run" | awk '$1 == "lib_ra" {print $2}')
mkdir -p "$tmp/root/opt/app"
cp "$prog" "$tmp/root/opt/app/buildid_clang"
objcopy --strip-debug "$FX/libfixture.so" "$tmp/root/opt/app/libfixture.so"  # not on the server
grep -F "$FX/" "$tmp/run.maps" | sed "s|$FX/|/opt/app/|" > "$tmp/app.maps"
base=$(awk '$6 == "/opt/app/buildid_clang" {split($1, r, "-"); print r[1]; exit}' "$tmp/app.maps")
outer_va=$(printf '%x' $((outer_ra - 16#$base)))
rm -rf "$tmp/cache"
"$M" --maps "$tmp/app.maps" --sysroot "$tmp/root" --debuginfod "$url" --output=llvm -r \
  "$outer_ra" "$lib_ra" > "$tmp/sysroot.out" 2> "$tmp/sysroot.err"
check "--sysroot: exit 0" test $? = 0
"$M" -e "$prog" --debug-dir "$FX/debugroot" --output=llvm -r "$outer_va" > "$tmp/outer.out"
check "reference: outer's return address has an inline chain" grep -q "fixture.c:[1-9]" "$tmp/outer.out"
check "--sysroot: the fetched debug info gives the inline chain" \
  test "$(head -n "$(wc -l < "$tmp/outer.out")" "$tmp/sysroot.out")" = "$(cat "$tmp/outer.out")"
check "--sysroot: a module the server lacks keeps its symbol-table name" \
  grep -qx "lib_capture_site" "$tmp/sysroot.out"
check "--sysroot: the missing module is reported once" test "$(wc -l < "$tmp/sysroot.err")" = 1
check "--sysroot: the report names the server and the build-id" grep -q \
  "libfixture.so: debuginfod $url has no debug info for build-id [0-9a-f]* (No such file or directory)" \
  "$tmp/sysroot.err"

# Two modules the server does not have: one report for the run.
"$FX/pie_gcc" "$tmp/pie.maps" > "$tmp/pie.run"
mkdir -p "$tmp/root2/opt/app"
objcopy --strip-debug "$FX/pie_gcc" "$tmp/root2/opt/app/pie_gcc"
cp "$tmp/root/opt/app/libfixture.so" "$tmp/root2/opt/app/"
grep -F "$FX/" "$tmp/pie.maps" | sed "s|$FX/|/opt/app/|" > "$tmp/pie2.maps"
pie_outer_ra=$(awk '$1 == "outer_ra" {print $2}' "$tmp/pie.run")
pie_lib_ra=$(awk '$1 == "lib_ra" {print $2}' "$tmp/pie.run")
rm -rf "$tmp/cache"
"$M" --maps "$tmp/pie2.maps" --sysroot "$tmp/root2" --debuginfod "$url" --output=gnu -f -r \
  "$pie_outer_ra" "$pie_lib_ra" > "$tmp/two.out" 2> "$tmp/two.err"
check "two modules not on the server: names still printed" \
  test "$(grep -v '^??' "$tmp/two.out" | tr '\n' ' ')" = "outer lib_capture_site "
check "two modules not on the server: one report" test "$(wc -l < "$tmp/two.err")" = 1
check "two modules not on the server: 'has no debug info'" grep -q "has no debug info" "$tmp/two.err"

# --- stackfold ---------------------------------------------------------------------------------
{
  echo "heap_v2/1"; echo "  t*: 1: 64 [0: 0]"; echo "  t0: 1: 64 [0: 0]"
  echo "@ $outer_ra"; echo "  t*: 1: 64 [0: 0]"; echo "  t0: 1: 64 [0: 0]"
  echo; echo "MAPPED_LIBRARIES:"; cat "$tmp/app.maps"
} > "$tmp/prog.heap"
"$S" --sysroot "$tmp/root" --debug-dir "$FX/debugroot" --lines "$tmp/prog.heap" > "$tmp/fold.local"
check "stackfold reference: inlined frames with lines" grep -q "outer:[0-9]*;middle:[0-9]*;inner:[0-9]* 64" "$tmp/fold.local"
rm -rf "$tmp/cache"
"$S" --sysroot "$tmp/root" --debuginfod "$url" --lines "$tmp/prog.heap" > "$tmp/fold.out" 2> "$tmp/fold.err"
same "stackfold --debuginfod folds as with the local debug file" "$tmp/fold.local" "$tmp/fold.out"
check "stackfold --debuginfod: no warning" test ! -s "$tmp/fold.err"
rm -rf "$tmp/cache"
DEBUGINFOD_URLS=$url "$S" --sysroot "$tmp/root" --no-debuginfod --lines "$tmp/prog.heap" > "$tmp/fold.out"
check "stackfold --no-debuginfod: no debug info" grep -q "\[buildid_clang+0x[0-9a-f]*\] 64" "$tmp/fold.out"
check "stackfold --no-debuginfod: no client cache was created" test ! -e "$tmp/cache"

# --- the server is down: one warning per run, symbol-table answers still printed --------------
kill "$server_pid"; wait "$server_pid" 2> /dev/null; server_pid=
rm -rf "$tmp/cache"
"$M" -e "$tmp/app/symtab_clang" -a -f < "$tmp/addrs" > "$tmp/names.out"
check "reference: symbol-table names" grep -qx "outer" "$tmp/names.out"
start=$(date +%s%N)
"$M" --debuginfod "$url" -e "$tmp/app/symtab_clang" -a -f < "$tmp/addrs" > "$tmp/out" 2> "$tmp/err"
rc=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "server down: exit 0 (a warning, not an input error)" test "$rc" = 0
same "server down: the symbol-table answers" "$tmp/names.out" "$tmp/out"
check "server down: exactly one warning line" test "$(wc -l < "$tmp/err")" = 1
check "server down: it names the server and the cause" grep -q \
  "^mapresolve: warning: .*symtab_clang: debuginfod $url failed for build-id $id: Connection refused; no more debuginfod queries in this run$" \
  "$tmp/err"
check "server down: fails fast (${elapsed_ms} ms)" test "$elapsed_ms" -lt 5000
"$M" --maps "$tmp/pie2.maps" --sysroot "$tmp/root2" --debuginfod "$url" --output=gnu -f -r \
  "$pie_outer_ra" "$pie_lib_ra" > "$tmp/two.out" 2> "$tmp/two.err"
check "server down, two modules: names still printed" \
  test "$(grep -v '^??' "$tmp/two.out" | tr '\n' ' ')" = "outer lib_capture_site "
check "server down, two modules: one warning" test "$(lines_matching debuginfod "$tmp/two.err")" = 1
"$S" --sysroot "$tmp/root" --debuginfod "$url" "$tmp/prog.heap" > "$tmp/fold.out" 2> "$tmp/fold.err"
check "stackfold, server down: exit 0" test $? = 0
check "stackfold, server down: one warning" \
  test "$(lines_matching "^stackfold: warning: .*debuginfod $url failed.*Connection refused" "$tmp/fold.err")" = 1

# --- a fetched file is checked like a local one: the wrong file in the cache is not used -------
rm -rf "$tmp/cache"
mkdir -p "$tmp/cache/$id"
cp "$FX/debuglink_gcc.debug" "$tmp/cache/$id/debuginfo"  # another program's debug file
"$M" --debuginfod "$url" -e "$prog" -a -f -i < "$tmp/addrs" > "$tmp/out" 2> "$tmp/err"
same "a fetched file of another build-id: not used" "$tmp/none.out" "$tmp/out"
check "a fetched file of another build-id: one warning saying so" \
  test "$(lines_matching "debuginfod: .*/debuginfo, served for build-id $id, does not have that build-id; not used" "$tmp/err")" = 1

# --- a server that never answers: DEBUGINFOD_TIMEOUT is honoured --------------------------------
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True); time.sleep(30)' > "$tmp/silent.port" &
silent_pid=$!
for _ in $(seq 50); do [ -s "$tmp/silent.port" ] && break; sleep 0.1; done
rm -rf "$tmp/cache"
start=$(date +%s%N)
DEBUGINFOD_TIMEOUT=1 DEBUGINFOD_RETRY_LIMIT=0 "$M" --debuginfod "http://127.0.0.1:$(cat "$tmp/silent.port")" \
  -e "$tmp/app/symtab_clang" -f "$(head -1 "$tmp/addrs")" > "$tmp/out" 2> "$tmp/err"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "silent server: gives up after DEBUGINFOD_TIMEOUT (${elapsed_ms} ms)" test "$elapsed_ms" -lt 8000
check "silent server: one warning with the cause" \
  test "$(lines_matching "debuginfod http://127.0.0.1:[0-9]* failed for build-id $id: Timer expired" "$tmp/err")" = 1
check "silent server: the name is still printed" test "$(head -1 "$tmp/out")" = "$(sed -n 2p "$tmp/names.out")"

# --- usage -------------------------------------------------------------------------------------
"$M" --debuginfod > /dev/null 2>&1; check "--debuginfod without URL: exit 2" test $? = 2
# (Through a file: grep -q would close a pipe early and the tool's write could fail on it.)
"$M" --help > "$tmp/help"; grep -q -- "--no-debuginfod" "$tmp/help"
check "mapresolve --help lists --no-debuginfod" test $? = 0
"$S" --help > "$tmp/help"; grep -q -- "--debuginfod=URL" "$tmp/help"
check "stackfold --help lists --debuginfod" test $? = 0

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
