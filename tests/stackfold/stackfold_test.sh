#!/usr/bin/env bash
# Tests for stackfold. Usage: stackfold_test.sh CASE
#   env STACKFOLD  the stackfold executable
#       SRCDIR     this directory (sources of test programs, fixtures)
# Test programs are compiled here from src/ and run under the system libjemalloc with heap
# profiling on, so that every case works on real dumps of this machine. Exit 0 when every
# assertion holds, 1 otherwise, 77 (skipped) when a needed tool is missing.
set -u

CASE=${1:?usage: stackfold_test.sh CASE}
SF=${STACKFOLD:?set STACKFOLD}
SRC=${SRCDIR:?set SRCDIR}
FIX=$SRC/fixtures
JEMALLOC=${JEMALLOC:-/usr/lib/x86_64-linux-gnu/libjemalloc.so.2}
CC=${CC_FOR_TESTS:-gcc}
CXX=${CXX_FOR_TESTS:-g++}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/stackfold-$CASE.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok $((passed + failed)) - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok $((passed + failed)) - $1"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# check_eq DESCRIPTION ACTUAL EXPECTED
check_eq() {
  if [[ "$2" == "$3" ]]; then
    ok "$1"
  else
    not_ok "$1"
    echo "#   expected: $(printf '%q' "$3")"
    echo "#   actual:   $(printf '%q' "$2")"
  fi
}
# check_near DESCRIPTION ACTUAL EXPECTED TOLERANCE_FRACTION
check_near() {
  if awk -v a="$2" -v e="$3" -v t="$4" 'BEGIN { d = a - e; if (d < 0) d = -d; exit !(a != "" && d <= t * e) }'; then
    ok "$1 ($2 vs $3, tolerance $4)"
  else
    not_ok "$1: $2 is not within $4 of $3"
  fi
}
finish() {
  echo "# $CASE: $passed passed, $failed failed"
  [[ $failed -eq 0 ]]
  exit $?
}
skip() {
  echo "# $CASE: skipped: $1"
  exit 77
}

# sf OUT ERR ARGS...: runs stackfold, stdout to OUT, stderr to ERR; sets RC. Runs it a second
# time and checks the output is byte-identical (determinism), and checks that folded output
# renders (every line "stack COUNT" or, with --base, "stack BEFORE AFTER").
sf() {
  local out=$1 err=$2
  shift 2
  "$SF" "$@" >"$out" 2>"$err"
  RC=$?
  local arg stdin=0
  for arg in "$@"; do [[ $arg == - ]] && stdin=1; done
  if [[ $stdin -eq 0 ]]; then
    "$SF" "$@" >"$out.again" 2>/dev/null
    if ! cmp -s "$out" "$out.again"; then
      not_ok "deterministic output: stackfold $*"
    fi
  fi
  local diff=0 folded=1
  for arg in "$@"; do
    case $arg in
      --base | --base=* | -b) diff=1 ;;
      --format=text | --format=json) folded=0 ;;
    esac
  done
  if [[ $folded -eq 1 ]]; then
    local bad
    bad=$(folded_problems "$out" "$diff")
    if [[ -n "$bad" ]]; then
      not_ok "folded output renders: stackfold $*"
      echo "$bad" | head -5 | sed 's/^/#   /'
    fi
  fi
}

# Prints the lines of a folded file that flamegraph.pl / difffolded would misread.
folded_problems() {
  local file=$1 diff=$2
  awk -v diff="$diff" '
    {
      line = $0
      n = diff ? 2 : 1
      ok = 1
      for (i = 0; i < n; i++) {
        if (!match(line, / [0-9]+$/)) { ok = 0; break }
        line = substr(line, 1, RSTART - 1)
      }
      # line is now the stack: non-empty frames, no ";;", not ending in " DIGITS"
      if (!ok || line == "" || line ~ /;;/ || line ~ /^;/ || line ~ /;$/ || line ~ / [0-9]+$/) {
        print NR ": " $0
      }
      if ($0 ~ /\r/) print NR ": carriage return"
    }' "$file"
}

# value_of FILE REGEX: the summed last column of the lines matching REGEX.
value_of() {
  awk -v re="$2" '$0 ~ re { s += $NF } END { printf "%.0f\n", s }' "$1"
}
count_of() { grep -c -E -- "$2" "$1"; }
total_of() { awk '{ s += $NF } END { printf "%.0f\n", s }' "$1"; }

# profile PREFIX CONF PROGRAM ARGS...: runs the program under jemalloc's profiler and prints
# the path of its final dump.
profile() {
  local prefix=$1 conf=$2
  shift 2
  rm -f "$prefix".*.heap
  LD_PRELOAD=$JEMALLOC MALLOC_CONF="prof:true,prof_final:true,prof_prefix:$prefix,$conf" \
    "$@" >"$prefix.stdout" 2>"$prefix.stderr"
  local dumps=("$prefix".*.f.heap)
  [[ -f "${dumps[0]}" ]] || { echo "no dump from $*" >&2; return 1; }
  echo "${dumps[0]}"
}

need_jemalloc() {
  [[ -f "$JEMALLOC" ]] || skip "no $JEMALLOC"
}

# Allocator names that must never appear after the cut.
ALLOCATOR_RE='libjemalloc|(^|;)(malloc|calloc|realloc|je_[^;]*|prof_[^;]*|imalloc[^;]*|_?_?libc_malloc|operator new[^;]*|[^;]*fallback_impl[^;]*|[^;]*newImpl[^;]*|malloc_usable_size)( |;|$)'

case_seed() {
  need_jemalloc
  $CC -O2 -g -o seed "$SRC/src/seed.c" || { not_ok "compile seed.c"; finish; }
  local dump
  dump=$(profile "$WORK/seed" "prof_leak:true,lg_prof_sample:0" ./seed) || { not_ok "seed dump"; finish; }
  ok "seed wrote a dump"
  sf out err "$dump"
  check_eq "exit status 0" "$RC" 0
  check_eq "exactly one stack ends in leak_test" "$(count_of out ';leak_test ')" 1
  check "that stack is main;leak_test with 4096 x 1024 bytes" grep -q -E '^_start;.*;main;leak_test 4194304$' out
  check_eq "no allocator frames anywhere" "$(count_of out "$ALLOCATOR_RE")" 0
  check "no stack is cut down to nothing" test -s out

  sf keep err --keep-allocator "$dump"
  check "--keep-allocator shows the jemalloc frames the cut removes" \
    grep -q -E ';main;leak_test;\[libjemalloc[^;]*\+0x[0-9a-f]+\](;\[libjemalloc[^;]*\])* 4194304$' keep

  sf lines err --lines "$dump"
  check "--lines: main called leak_test on line 12, malloc on line 8" grep -q -E ';main:12;leak_test:8 4194304$' lines

  sf focus err --focus 'leak_t.st' "$dump"
  check_eq "--focus keeps only the matching stack" "$(wc -l <focus)" 1
  sf focus_none err --focus 'no_such_function_xyz' "$dump"
  check_eq "--focus without a match: no output" "$(wc -c <focus_none)" 0
  sf drop err --drop '^main$' "$dump"
  check "--drop removes the frame, the stack stays" grep -q -E '__libc_start_call_main;leak_test 4194304$|;leak_test 4194304$' drop
  check_eq "--drop: no main frame left" "$(count_of drop '(^|;)main(;| )')" 0

  "$SF" --drop '(' "$dump" >/dev/null 2>bad_re
  check_eq "a bad --drop regex is a usage error" "$?" 2
  check "... and says so" grep -q 'bad regular expression for --drop' bad_re

  sf text err --format=text "$dump"
  check "text: Total line first" grep -q -E '^Total: [0-9]+\.[0-9] MB$' <(head -1 text)
  check "text: leak_test is the biggest flat row, 4.0 MB" \
    grep -q -E '^ +4\.0 +[0-9.]+% +[0-9.]+% +4\.0 +[0-9.]+% leak_test$' <(sed -n 2p text)
  sf textb err --format=text --show-bytes "$dump"
  check "text --show-bytes: integer bytes" grep -q -E '^ 4194304 +[0-9.]+% +[0-9.]+%  4194304 +[0-9.]+% leak_test$' textb
  sf textc err --format=text --cum "$dump"
  check "text --cum: rows sorted by cum, largest first" awk 'NR > 2 && $4 + 0 > prev + 0 { exit 1 } NR > 1 { prev = $4 }' textc
  check "text --cum: main (4.0 MB cum, 0 flat) comes before leak_test" awk '$NF == "main" { m = NR } $NF == "leak_test" { l = NR } END { exit !(m > 0 && l > m) }' textc
  check_near "text: flat percentages add up to 100" "$(awk 'NR > 1 { gsub(/%/, "", $2); s += $2 } END { print s }' textb)" 100 0.01

  sf json err --format=json "$dump"
  check "json: metric and unit" grep -q '^{"metric":"inuse_space","unit":"bytes","total":[0-9]*,"stacks":\[' json
  check "json: leak_test frame with module, offset, file and line" grep -q -E \
    '\{"value":4194304,"frames":\[.*\{"function":"leak_test","module":"[^"]*/seed","offset":"0x[0-9a-f]+","file":"[^"]*seed\.c","line":8,"inlined":false,"resolved":true\}\]\}' json
  check_eq "json: braces balance" "$(tr -cd '{' <json | wc -c)" "$(tr -cd '}' <json | wc -c)"
  finish
}

# jemalloc linked statically, as Rust and many C++ services do: the internal frames have real
# names (je_malloc_default, je_prof_tctx_create, prof_backtrace_impl ...) and must be cut by
# name, not by module. jeprof 5.3.0 cuts none of them here.
case_static() {
  local archive=/usr/lib/x86_64-linux-gnu/libjemalloc_pic.a
  [[ -f $archive ]] || skip "no $archive"
  $CC -O2 -g -o static "$SRC/src/static_jemalloc.c" "$archive" -lpthread -lm -ldl -lstdc++ \
    || { not_ok "compile static_jemalloc.c"; finish; }
  rm -f static.*.heap
  MALLOC_CONF="prof:true,prof_final:true,lg_prof_sample:0,prof_prefix:$WORK/static" ./static \
    || { not_ok "run static"; finish; }
  local dump=("$WORK"/static.*.f.heap)
  [[ -f "${dump[0]}" ]] || { not_ok "static wrote a dump"; finish; }
  sf out err "${dump[0]}"
  check_eq "exit status 0" "$RC" 0
  check "grow's stack ends in main;grow" grep -q -E '^_start;.*;main;grow 4096000$' out
  check "calloc (tail-called) and realloc stacks end in main: 512000 + 8192" grep -q -E '^_start;.*;main 520192$' out
  check_eq "no allocator frames anywhere" "$(count_of out "$ALLOCATOR_RE|do_rallocx")" 0
  sf keep err --keep-allocator "${dump[0]}"
  check "--keep-allocator shows the named internals" grep -q ';grow;je_malloc_default;je_prof_tctx_create;je_prof_backtrace;prof_backtrace_impl 4096000$' keep
  finish
}

case_threads() {
  need_jemalloc
  $CC -O2 -g -pthread -o threads "$SRC/src/threads.c" || { not_ok "compile threads.c"; finish; }
  local dump
  dump=$(profile "$WORK/thr" "lg_prof_sample:0,prof_sys_thread_name:true" ./threads) || { not_ok "threads dump"; finish; }
  sf all err "$dump"
  check_eq "exit status 0" "$RC" 0
  local a b m total
  a=$(value_of all ';worker_a_alloc [0-9]+$')
  b=$(value_of all ';worker_b_alloc [0-9]+$')
  m=$(value_of all ';main;main_alloc [0-9]+$')
  total=$(total_of all)
  check_eq "thread A: 100 x 4096 bytes" "$a" 409600
  check_eq "thread B: 37 x 1024 bytes" "$b" 37888
  check_eq "main thread: 5 x 65536 bytes" "$m" 327680
  check "the thread name with a space is in the dump header (parsed, not an error)" grep -q -E '^  t[0-9]+: .* work er A$' "$dump"
  check_eq "no parse errors for named threads" "$(wc -c <err)" 0

  local uids uid sum=0 a_uid="" b_uid="" m_uid=""
  uids=$(awk '/^@/ { exit } /^  t[0-9]+:/ { sub(/^  t/, ""); sub(/:.*/, ""); print }' "$dump")
  for uid in $uids; do
    sf "t$uid" err --thread "$uid" "$dump"
    sum=$((sum + $(total_of "t$uid")))
    [[ $(value_of "t$uid" ';worker_a_alloc [0-9]+$') == 409600 ]] && a_uid="$a_uid $uid"
    [[ $(value_of "t$uid" ';worker_b_alloc [0-9]+$') == 37888 ]] && b_uid="$b_uid $uid"
    [[ $(value_of "t$uid" ';main_alloc [0-9]+$') == 327680 ]] && m_uid="$m_uid $uid"
  done
  check_eq "exactly one thread uid holds worker A's bytes" "$(wc -w <<<"$a_uid")" 1
  check_eq "exactly one thread uid holds worker B's bytes" "$(wc -w <<<"$b_uid")" 1
  check_eq "exactly one thread uid holds main's bytes" "$(wc -w <<<"$m_uid")" 1
  check "three different threads" test "$a_uid" != "$b_uid" -a "$a_uid" != "$m_uid" -a "$b_uid" != "$m_uid"
  check_eq "per-thread totals add up to the whole (exact with lg_prof_sample:0)" "$sum" "$total"
  check_eq "worker A's thread has none of worker B's stacks" \
    "$(count_of "t${a_uid# }" 'worker_b_alloc')" 0
  sf none err --thread 9999 "$dump"
  check_eq "an absent thread: no output" "$(wc -c <none)" 0
  check "an absent thread: a warning" grep -q 'thread 9999 does not appear' err
  finish
}

inline_checks() {
  local label=$1 dump=$2
  sf def err "$dump"
  check "$label: the inlined helper is a frame of its own" grep -q -E ';main;outer_fn;inl_alloc 2048000$' def
  sf noinl err --no-inline "$dump"
  check "$label: --no-inline shows the physical function" grep -q -E ';main;outer_fn 2048000$' noinl
  check_eq "$label: --no-inline hides the inlined frame" "$(count_of noinl inl_alloc)" 0
  sf mark err --inline-marker "$dump"
  check "$label: --inline-marker marks it _[i]" grep -q -F ';main;outer_fn;inl_alloc_[i] 2048000' mark
  check_eq "$label: only inlined frames are marked" "$(count_of mark 'outer_fn_\[i\]|main_\[i\]')" 0
  sf both err --inline-marker --lines "$dump"
  check "$label: --lines with the marker: NAME:LINE_[i]" grep -q -E ';outer_fn:10;inl_alloc:7_\[i\] 2048000$' both
}

case_inline() {
  need_jemalloc
  $CC -O2 -g -o inline_gcc "$SRC/src/inline.c" || { not_ok "compile inline.c (gcc)"; finish; }
  local dump
  dump=$(profile "$WORK/ig" "lg_prof_sample:0" ./inline_gcc) || { not_ok "inline dump"; finish; }
  inline_checks gcc "$dump"
  if command -v clang-19 >/dev/null; then
    clang-19 -O2 -g -o inline_clang "$SRC/src/inline.c" || { not_ok "compile inline.c (clang-19)"; finish; }
    dump=$(profile "$WORK/ic" "lg_prof_sample:0" ./inline_clang) || { not_ok "inline dump (clang)"; finish; }
    inline_checks clang-19 "$dump"
  fi
  finish
}

case_shlib() {
  need_jemalloc
  $CC -O2 -g -fPIC -shared -o libsfshared.so "$SRC/src/shared_lib.c" || { not_ok "compile shared_lib.c"; finish; }
  $CC -O2 -g -fPIC -shared -o sfplugin.so "$SRC/src/plugin.c" || { not_ok "compile plugin.c"; finish; }
  $CC -O2 -g -o shlib_main "$SRC/src/shlib_main.c" -L. -lsfshared -Wl,-rpath,"$WORK" -ldl ||
    { not_ok "compile shlib_main.c"; finish; }
  local dump
  dump=$(profile "$WORK/sh" "lg_prof_sample:0" ./shlib_main "$WORK/sfplugin.so") || { not_ok "shlib dump"; finish; }
  sf out err "$dump"
  check_eq "exit status 0" "$RC" 0
  check "the linked library's function is named" grep -q -E ';main;shared_alloc 153600$' out
  check "the dlopen'ed plugin's function is named" grep -q -E ';main;plugin_alloc 51200$' out
  check_eq "no allocator frames (calloc path too)" "$(count_of out "$ALLOCATOR_RE")" 0

  # --maps instead of the dump's own section gives the same answer.
  sed -n '/^MAPPED_LIBRARIES:/,$p' "$dump" | tail -n +2 >maps.txt
  sed '/^MAPPED_LIBRARIES:/,$d' "$dump" >nomaps.heap
  sf viamaps err --maps maps.txt nomaps.heap
  check "--maps FILE gives the same stacks" cmp -s out viamaps
  sf raw err nomaps.heap
  check_eq "without maps: exit status 0" "$RC" 0
  check "without maps: said once on stderr" test "$(grep -c 'no MAPPED_LIBRARIES section' err)" -eq 1
  check_eq "without maps: frames are raw hex addresses" \
    "$(grep -c -v -E '^(0x[0-9a-f]+;)*0x[0-9a-f]+ [0-9]+$' raw)" 0

  # Another machine's dump: the files live under a sysroot.
  mkdir -p "sysroot$WORK"
  cp shlib_main libsfshared.so sfplugin.so "sysroot$WORK/"
  mv sfplugin.so sfplugin.so.away
  sf sys err --sysroot "$WORK/sysroot" "$dump"
  check "--sysroot: the plugin is found under the sysroot" grep -q -E ';main;plugin_alloc 51200$' sys
  sf nosys err "$dump"
  check "... and not without it" grep -q -E ';main;\[sfplugin\.so\+0x[0-9a-f]+\] 51200$' nosys
  mv sfplugin.so.away sfplugin.so

  # The library is rebuilt after the dump: a different inode at the same path.
  cp libsfshared.so libsfshared.so.new && mv -f libsfshared.so.new libsfshared.so
  sf changed err "$dump"
  check_eq "a replaced library is reported once" "$(grep -c 'libsfshared.so.*file changed since the snapshot' err)" 1
  check "its frames print as [module+offset]" grep -q -E ';main;\[libsfshared\.so\+0x[0-9a-f]+\] 153600$' changed
  check "the other modules still resolve" grep -q -E ';main;plugin_alloc 51200$' changed
  sf noverify err --no-verify "$dump"
  check "--no-verify uses the file anyway" grep -q -E ';main;shared_alloc 153600$' noverify

  # The plugin file is gone: reported, frames keep module+offset.
  rm -f sfplugin.so
  sf gone err "$dump"
  check "a missing module is reported" grep -q 'sfplugin.so.*file not found' err
  check "its frames print as [sfplugin.so+0x...]" grep -q -E ';main;\[sfplugin\.so\+0x[0-9a-f]+\] 51200$' gone
  finish
}

cxx_checks() {
  local label=$1 dump=$2
  sf out err "$dump"
  check_eq "$label: exit status 0" "$RC" 0
  check "$label: new Obj: leaf is make_objects()" grep -q -E ';main;make_objects\(\) 48000$' out
  check "$label: new char[5000]: leaf is make_arrays()" grep -q -E ';main;make_arrays\(\) 51200$' out
  check "$label: nothrow new[]: leaf is make_nothrow()" grep -q -E ';main;make_nothrow\(\) 61440$' out
  check "$label: aligned new: leaf is make_aligned()" grep -q -E ';main;make_aligned\(\) 3840$' out
  check_eq "$label: no operator new / fallback_impl / malloc_usable_size / jemalloc frames" \
    "$(count_of out "$ALLOCATOR_RE")" 0
  sf keep err --keep-allocator "$dump"
  check "$label: --keep-allocator: frames follow make_objects()" grep -q -E ';make_objects\(\);[^ ]+ 48000$' keep
}

case_cxx_new() {
  need_jemalloc
  $CXX -O2 -g -o cxx_gcc "$SRC/src/cxx_new.cpp" || { not_ok "compile cxx_new.cpp"; finish; }
  local dump
  dump=$(profile "$WORK/cg" "lg_prof_sample:0" ./cxx_gcc) || { not_ok "cxx dump"; finish; }
  cxx_checks g++ "$dump"
  if command -v clang++-19 >/dev/null; then
    clang++-19 -O2 -g -o cxx_clang "$SRC/src/cxx_new.cpp" || { not_ok "compile cxx_new.cpp (clang++-19)"; finish; }
    dump=$(profile "$WORK/cc" "lg_prof_sample:0" ./cxx_clang) || { not_ok "cxx dump (clang)"; finish; }
    cxx_checks clang++-19 "$dump"
  fi
  finish
}

case_sampled() {
  need_jemalloc
  $CC -O2 -g -o sampled "$SRC/src/sampled.c" || { not_ok "compile sampled.c"; finish; }
  local dump
  # R = 4096: about 1560 samples of the small blocks, so 15 % is about six standard deviations.
  dump=$(profile "$WORK/sa" "lg_prof_sample:12" ./sampled) || { not_ok "sampled dump"; finish; }
  check "the dump is sampled" grep -q '^heap_v2/4096$' "$dump"
  sf out err "$dump"
  check_near "100000 x 64 B, unbiased bytes" "$(value_of out ';main;small_allocs [0-9]+$')" 6400000 0.15
  check_near "10 x 3 MiB, unbiased bytes" "$(value_of out ';main;big_allocs [0-9]+$')" 31457280 0.15
  sf objs err --inuse-objects "$dump"
  check_near "100000 small objects, unbiased count" "$(value_of objs ';main;small_allocs [0-9]+$')" 100000 0.15
  check_near "10 big objects, unbiased count" "$(value_of objs ';main;big_allocs [0-9]+$')" 10 0.15
  # The raw numbers are far from the truth: the per-line correction did the work.
  local raw
  raw=$(grep -A1 -E '^@' "$dump" | awk '/t\*:/ { sub(/:.*/, "", $2); n += $2 } END { print n }')
  check "raw sampled object counts are much smaller than the truth" test "$raw" -lt 20000
  finish
}

# The metric options, on a run with prof_accum:true.
case_metrics() {
  need_jemalloc
  $CC -O2 -g -o accum "$SRC/src/accum.c" || { not_ok "compile accum.c"; finish; }
  local dump
  dump=$(profile "$WORK/ac" "lg_prof_sample:0,prof_accum:true" ./accum) || { not_ok "accum dump"; finish; }
  sf in err "$dump"
  check_eq "inuse_space: the freed blocks are gone" "$(count_of in ';churn ')" 0
  check_eq "inuse_space: held blocks" "$(value_of in ';main;hold [0-9]+$')" 81920
  sf as err --alloc-space "$dump"
  check_eq "alloc_space: 500 x 8192 allocated and freed" "$(value_of as ';main;churn [0-9]+$')" 4096000
  check_eq "alloc_space: held blocks too" "$(value_of as ';main;hold [0-9]+$')" 81920
  check_eq "alloc_space with accum data: no warning" "$(count_of err 'accum')" 0
  sf ao err --alloc-objects "$dump"
  check_eq "alloc_objects: 500" "$(value_of ao ';main;churn [0-9]+$')" 500
  sf io err --inuse-objects "$dump"
  check_eq "inuse_objects: 10" "$(value_of io ';main;hold [0-9]+$')" 10
  sf jo err --alloc-objects --format=json "$dump"
  check "json names the metric and unit" grep -q '^{"metric":"alloc_objects","unit":"objects",' jo
  "$SF" --inuse-space --alloc-space "$dump" >/dev/null 2>&1
  check_eq "two metrics: usage error" "$?" 2
  finish
}

case_fixtures() {
  local expected
  # Every jemalloc line kind: thread names with spaces, bare @, accum pairs, no maps.
  sf out err "$FIX/jemalloc_v2.heap"
  check_eq "jemalloc_v2: exit status 0" "$RC" 0
  expected=$'0x400030;0x400020;0x400010 3072\n0x400030;0x400020;0x400011 2048\n[no frames] 2304'
  check_eq "jemalloc_v2: folded, root first, sorted, bare @ is its own stack" "$(cat out)" "$expected"
  check_eq "jemalloc_v2: missing maps said once" "$(grep -c 'jemalloc_v2.heap: no MAPPED_LIBRARIES section' err)" 1
  sf objs err --inuse-objects "$FIX/jemalloc_v2.heap"
  check_eq "jemalloc_v2: inuse_objects" "$(cat objs)" \
    $'0x400030;0x400020;0x400010 3\n0x400030;0x400020;0x400011 2\n[no frames] 2'
  sf alloc err --alloc-space "$FIX/jemalloc_v2.heap"
  check_eq "jemalloc_v2: alloc_space includes the all-freed 0: 0 [4: 400] record" "$(cat alloc)" \
    $'0x400030;0x400020;0x400010 3072\n0x400030;0x400020;0x400011 3624\n0x400040 400\n[no frames] 2304'
  sf t1 err --thread 1 "$FIX/jemalloc_v2.heap"
  check_eq "jemalloc_v2: --thread 1" "$(cat t1)" '0x400030;0x400020;0x400011 2048'
  sf t0 err --thread 0 --alloc-objects "$FIX/jemalloc_v2.heap"
  check_eq "jemalloc_v2: --thread 0 --alloc-objects" "$(cat t0)" \
    $'0x400030;0x400020;0x400010 3\n0x400040 4\n[no frames] 2'
  sf text err --format=text --show-bytes "$FIX/jemalloc_v2.heap"
  expected='Total: 7424 B
    3072  41.4%  41.4%     3072  41.4% 0x400010
    2304  31.0%  72.4%     2304  31.0% [no frames]
    2048  27.6% 100.0%     2048  27.6% 0x400011
       0   0.0% 100.0%     5120  69.0% 0x400020
       0   0.0% 100.0%     5120  69.0% 0x400030'
  check_eq "jemalloc_v2: text table" "$(cat text)" "$expected"
  sf js err --format=json "$FIX/jemalloc_v2.heap"
  check "jemalloc_v2: json" grep -q -F '{"value":2304,"frames":[{"function":"[no frames]","module":null,"offset":null,"file":null,"line":null,"inlined":false,"resolved":false}]}' js

  # CRLF line ends: the same answer.
  check "the CRLF fixture really has CRLF" grep -q $'\r$' "$FIX/jemalloc_v2_crlf.heap"
  sf crlf err "$FIX/jemalloc_v2_crlf.heap"
  check_eq "CRLF: exit status 0" "$RC" 0
  check "CRLF: same output as LF" cmp -s out crlf

  # jemalloc 5.3 pre-biased counts: 92: 5888 at R=16384 is 1510273.9 bytes (jeprof prints the
  # truncated 1510273); rounded here.
  sf samp err "$FIX/jemalloc_sampled.heap"
  check_eq "jemalloc_sampled: unbiased per line, rounded" "$(cat samp)" \
    $'[app+0x1ff];[app+0x100] 31457280\n[app+0x1ff];[app+0xff] 1510274'
  check_eq "jemalloc_sampled: the missing module is reported once" "$(grep -c 'stackfold-fixture/app' err)" 1
  check_eq "jemalloc_sampled: a missing module is a warning, not an input error" "$RC" 0
  sf sampo err --inuse-objects "$FIX/jemalloc_sampled.heap"
  check_eq "jemalloc_sampled: objects" "$(value_of sampo '0xff\] [0-9]+$')" \
    "$(awk 'BEGIN { n = 92; s = 5888; k = 1 / (1 - exp(-(s / n) / 16384)); printf "%.0f", n * k }')"
  sf sampa err --alloc-space "$FIX/jemalloc_sampled.heap"
  check "alloc metric without accum data: a warning" grep -q 'prof_accum:true' err
  check_eq "alloc metric without accum data: nothing to print" "$(wc -c <sampa)" 0

  # gperftools: heapprofile (unsampled), repeated stacks summed, a path with a space.
  sf gp err "$FIX/gperf_heapprofile.heap"
  check_eq "gperftools heapprofile" "$(cat gp)" $'[libfoo.so+0x1fff];[libfoo.so+0xfff] 3000\n[libfoo.so+0x2fff] 2000'
  check "gperftools: the path with a space is named in the warning" grep -q '/nonexistent/stackfold dir/libfoo.so' err
  sf gpa err --alloc-space "$FIX/gperf_heapprofile.heap"
  check_eq "gperftools heapprofile: alloc_space" "$(cat gpa)" $'[libfoo.so+0x1fff];[libfoo.so+0xfff] 6000\n[libfoo.so+0x2fff] 4000'
  sf gpt err --thread 0 "$FIX/gperf_heapprofile.heap"
  check "gperftools has no threads: --thread warns" grep -q 'no per-thread counts' err

  # heap_v2/R in a gperftools header, and the "--- Memory map: ---" spelling.
  sf gv2 err "$FIX/gperf_heapv2.heap"
  local big small
  big=$(awk 'BEGIN { n = 1; s = 1048576; k = 1 / (1 - exp(-(s / n) / 524288)); printf "%.0f", s * k }')
  small=$(awk 'BEGIN { n = 100; s = 6400; k = 1 / (1 - exp(-(s / n) / 524288)); printf "%.0f", s * k }')
  check_eq "gperftools heap_v2/R, --- Memory map: ---" "$(cat gv2)" \
    "[libbar.so+0x1fff] $small"$'\n'"[libbar.so+0xfff] $big"
  # heap/2R: the older rule, counts divided by (s/n)/R when that is below 1.
  sf gv1 err "$FIX/gperf_heap2R.heap"
  check_eq "gperftools heap/2R" "$(cat gv1)" $'0x401000 5242880\n0x402000 1048576'
  sf gv1o err --inuse-objects "$FIX/gperf_heap2R.heap"
  check_eq "gperftools heap/2R objects" "$(cat gv1o)" $'0x401000 52429\n0x402000 1'

  # Broken files: every problem named by file and line, exit 1, the rest still printed.
  sf br err "$FIX/broken_counts.heap"
  check_eq "broken counts: exit status 1" "$RC" 1
  check_eq "broken counts: partial output" "$(cat br)" $'0x400013 1024\n0x400020;0x400010 2048'
  local f=$FIX/broken_counts.heap
  check "broken counts: bad address named with file:line" grep -q -F "stackfold: $f:7: expected hexadecimal return addresses after '@', got '0xZZ': '@ 0x400011 0xZZ'" err
  check "broken counts: orphan counts line" grep -q -F "stackfold: $f:8: counts line outside of a record" err
  check "broken counts: bad number" grep -q -F "stackfold: $f:10: expected counts" err
  check "broken counts: garbage line" grep -q -F "stackfold: $f:14: expected '@ ADDR...'" err
  check "broken counts: cut counts line" grep -q -F "stackfold: $f:16: expected counts 'OBJECTS: BYTES [OBJECTS: BYTES]': '  t*: 5: 50'" err
  sf tr err "$FIX/truncated.heap"
  check_eq "truncated: exit status 1" "$RC" 1
  check "truncated: the cut line is named" grep -q -F "stackfold: $FIX/truncated.heap:8: expected counts" err
  check_eq "truncated: what parsed is printed" "$(cat tr)" '0x400020;0x400010 2048'
  sf bm err "$FIX/bad_maps.heap"
  check_eq "bad maps line: exit status 1" "$RC" 1
  check "bad maps line: named by file and line" grep -q -F "stackfold: $FIX/bad_maps.heap:10: malformed maps line" err
  check_eq "bad maps line: the good maps lines still work" "$(cat bm)" '[libok.so+0x1000] 4096'
  sf gb err "$FIX/garbage.heap"
  check_eq "garbage: exit status 1" "$RC" 1
  check "garbage: not a heap profile, file and line named" grep -q -F "stackfold: $FIX/garbage.heap:1: not a heap profile" err
  check_eq "garbage: no output" "$(wc -c <gb)" 0
  : >empty.heap
  sf em err empty.heap
  check_eq "empty file: exit status 1" "$RC" 1
  check "empty file: said" grep -q 'empty.heap: empty input' err
  sf mix err "$FIX/garbage.heap" no-such-file.heap "$FIX/jemalloc_v2.heap"
  check_eq "bad and missing files among good ones: exit status 1" "$RC" 1
  check "... the good dump is still folded" cmp -s out mix
  check "... the missing file is named" grep -q 'no-such-file.heap: No such file or directory' err
  mkfifo fifo.heap
  timeout 20 "$SF" fifo.heap >fifo.out 2>err
  check_eq "a FIFO is refused, not read (exit 1, no hang)" "$?" 1
  check "... because it is not a regular file" grep -q 'FIFO' err

  # A maps path with ';' must not split a frame.
  sed 's#/nonexistent/libbar.so#/nonexistent/lib;semi.so#' "$FIX/gperf_heapv2.heap" >semi.heap
  sf semi err semi.heap
  check "';' in a module name becomes ':'" grep -q -F '[lib:semi.so+0xfff]' semi

  # Usage errors.
  "$SF" >/dev/null 2>&1
  check_eq "no arguments: exit 2" "$?" 2
  "$SF" --format=xml "$FIX/jemalloc_v2.heap" >/dev/null 2>&1
  check_eq "unknown format: exit 2" "$?" 2
  "$SF" --thread=abc "$FIX/jemalloc_v2.heap" >/dev/null 2>&1
  check_eq "non-numeric --thread: exit 2" "$?" 2
  "$SF" --no-such-option "$FIX/jemalloc_v2.heap" >/dev/null 2>&1
  check_eq "unknown option: exit 2" "$?" 2
  "$SF" --help >help.txt 2>&1
  check_eq "--help: exit 0" "$?" 0
  check "--help documents the formats" grep -q -- '--format=FORMAT' help.txt
  finish
}

case_inputs() {
  need_jemalloc
  $CC -O2 -g -o seed "$SRC/src/seed.c" || { not_ok "compile seed.c"; finish; }
  $CC -O2 -g -pthread -o threads "$SRC/src/threads.c" || { not_ok "compile threads.c"; finish; }
  local a b t
  a=$(profile "$WORK/a" "lg_prof_sample:0" ./seed) || { not_ok "dump a"; finish; }
  b=$(profile "$WORK/b" "lg_prof_sample:0" ./seed) || { not_ok "dump b"; finish; }
  t=$(profile "$WORK/t" "lg_prof_sample:0" ./threads) || { not_ok "dump t"; finish; }
  sf one err "$a"
  # Two runs of one program: summed into one stack, each dump symbolized with its own maps
  # (the load addresses differ between runs under ASLR).
  sf sum err "$a" "$b"
  check_eq "two dumps summed" "$(value_of sum ';main;leak_test [0-9]+$')" 8388608
  check_eq "... into one stack" "$(count_of sum ';main;leak_test ')" 1
  # Two different programs: each dump needs its own maps to be named at all.
  sf mixed err "$a" "$t"
  check_eq "different programs summed: seed's stack" "$(value_of mixed ';main;leak_test [0-9]+$')" 4194304
  check_eq "different programs summed: thread A's stack" "$(value_of mixed ';worker_a_alloc [0-9]+$')" 409600

  # --base: difffolded's two columns, BEFORE AFTER.
  sf diff err --base "$a" "$b"
  check "--base: same stack in both, two columns" grep -q -E ';main;leak_test 4194304 4194304$' diff
  sf diff2 err --base "$t" "$a"
  check "--base: only in the new dump" grep -q -E ';main;leak_test 0 4194304$' diff2
  check "--base: only in the base dump" grep -q -E ';worker_a_alloc 409600 0$' diff2
  check_eq "--base: no negative numbers" "$(count_of diff2 ' -[0-9]')" 0
  sf difft err --base "$t" --format=text --show-bytes "$a"
  check "--base text: the difference, negative where the base was bigger" grep -q -E '^ *-409600 .* worker_a_alloc$' difft
  sf diffj err --base "$t" --format=json "$a"
  check "--base json: base values" grep -q -E '"base_total":[0-9]+,' diffj

  # Compressed and standard input.
  gzip -c "$a" >a.heap.gz
  sf gz err a.heap.gz
  check "gzip input: same output" cmp -s one gz
  head -c 1000 "$a" | gzip -c >two.gz
  tail -c +1001 "$a" | gzip -c >>two.gz
  sf gz2 err two.gz
  check "gzip input with two members: both read, as one text" cmp -s one gz2
  sf in err - <"$a"
  check "stdin: same output" cmp -s one in
  gzip -c "$a" | "$SF" - >ingz 2>err
  check "gzip on stdin: same output" cmp -s one ingz
  head -c 200 a.heap.gz >cut.gz
  sf cutgz err cut.gz
  check_eq "truncated gzip: exit 1" "$RC" 1
  check "truncated gzip: said" grep -q 'cut.gz: gzip:' err
  printf 'nonsense\n' | "$SF" - >/dev/null 2>err
  check "stdin is called <stdin> in messages" grep -q '^stackfold: <stdin>:1: not a heap profile' err
  finish
}

# jeprof 5.3.0 as an oracle where it is right, with notes where it is not.
case_jeprof() {
  need_jemalloc
  command -v jeprof >/dev/null || skip "no jeprof"
  command -v perl >/dev/null || skip "no perl"
  $CC -O2 -g -o seed "$SRC/src/seed.c" || { not_ok "compile seed.c"; finish; }
  local dump
  dump=$(profile "$WORK/seed" "lg_prof_sample:0" ./seed) || { not_ok "seed dump"; finish; }
  sf ours err "$dump"
  jeprof --collapsed ./seed "$dump" >theirs 2>/dev/null </dev/null
  # jeprof tags functions it found with nm as name<hexaddr>; take those off. On this stack
  # (dynamic, stripped libjemalloc) its allocator stripping works: nm names the jemalloc frame
  # "malloc", which is on its list.
  sed -E 's/<[0-9a-f]+>//g' theirs >theirs.clean
  check_eq "jeprof agrees on the leak_test stack and value" \
    "$(grep ';leak_test ' theirs.clean)" "$(grep ';leak_test ' ours)"
  jeprof --text ./seed "$dump" >theirs.txt 2>/dev/null </dev/null
  sf ourtext err --format=text "$dump"
  check_eq "jeprof --text agrees on the total" "$(head -1 theirs.txt)" "$(head -1 ourtext)"
  check_eq "jeprof --text agrees on the top row" "$(sed -n 2p theirs.txt)" "$(sed -n 2p ourtext)"
  # Where jeprof is wrong, stackfold differs on purpose (not asserted on jeprof's side, which
  # may change):
  #  - a static function in a stripped library (libstdc++'s emergency pool set-up) gets its
  #    exported neighbour's name ("std::__throw_ios_failure...@@GLIBCXX"), because jeprof's
  #    nm lookup ignores symbol sizes; stackfold prints [libstdc++.so.6+0xOFFSET];
  #  - the <hexaddr> tags and the line order (Perl hash order) differ between runs;
  #  - values are truncated toward zero (1510273.9 -> 1510273); stackfold rounds;
  #  - with operator new, jeprof 5.3.0 leaves "malloc_usable_size" (really jemalloc's static
  #    newImpl named after a neighbour) as the leaf; stackfold cuts everything in
  #    libjemalloc*.
  if grep -q '@@GLIBCXX' theirs.clean; then
    echo "# note: jeprof named a stripped libstdc++ frame: $(grep -o '[^;]*@@GLIBCXX[^;<]*' theirs.clean | head -1)"
  fi
  check_eq "stackfold never borrows a versioned neighbour name" "$(count_of ours '@@GLIBCXX')" 0

  # Sampled: jeprof truncates, stackfold rounds; they differ by at most 1 per stack.
  $CC -O2 -g -o sampled "$SRC/src/sampled.c" || { not_ok "compile sampled.c"; finish; }
  dump=$(profile "$WORK/sa" "lg_prof_sample:12" ./sampled) || { not_ok "sampled dump"; finish; }
  sf sours err "$dump"
  jeprof --collapsed ./sampled "$dump" 2>/dev/null </dev/null | sed -E 's/<[0-9a-f]+>//g' >stheirs
  local ours_v theirs_v
  ours_v=$(value_of sours ';main;small_allocs [0-9]+$')
  theirs_v=$(value_of stheirs ';main;small_allocs [0-9]+$')
  check "sampled small_allocs: jeprof (truncated) and stackfold (rounded) differ by 0 or 1 ($theirs_v, $ours_v)" \
    test "$ours_v" -ge "$theirs_v" -a "$((ours_v - theirs_v))" -le 1 -a "$theirs_v" -gt 0

  # C++ new: jeprof 5.3.0 agrees on the values but leaves "malloc_usable_size" as the leaf (see
  # above); stackfold ends the stack in the user function.
  $CXX -O2 -g -o cxx "$SRC/src/cxx_new.cpp" || { not_ok "compile cxx_new.cpp"; finish; }
  dump=$(profile "$WORK/cx" "lg_prof_sample:0" ./cxx) || { not_ok "cxx dump"; finish; }
  sf cours err "$dump"
  jeprof --collapsed ./cxx "$dump" 2>/dev/null </dev/null | sed -E 's/<[0-9a-f]+>//g' >ctheirs
  check_eq "operator new: jeprof agrees on the value through make_objects()" \
    "$(value_of ctheirs ';make_objects\(\)(;[^ ]*)? [0-9]+$')" "$(value_of cours ';make_objects\(\) [0-9]+$')"
  echo "# note: jeprof's leaf under make_objects(): $(grep -o 'make_objects()[^ ]*' ctheirs | head -1)"

  # Many distinct stacks: after merging jeprof's per-address lines by name, every user stack
  # and value is the same.
  $CC -O2 -g -o many "$SRC/src/many_stacks.c" || { not_ok "compile many_stacks.c"; finish; }
  dump=$(profile "$WORK/mn" "lg_prof_sample:0" ./many 11) || { not_ok "many dump"; finish; }
  sf mours err "$dump"
  jeprof --collapsed ./many "$dump" 2>/dev/null </dev/null | sed -E 's/<[0-9a-f]+>//g' |
    awk '{ v = $NF; $NF = ""; s[$0] += v } END { for (k in s) print k s[k] }' | LC_ALL=C sort >mtheirs
  check "a thousand distinct stacks" test "$(grep -c ";leaf " mours)" -ge 1024
  check "jeprof agrees on every one of them, names and values" \
    cmp -s <(grep ';leaf ' mours) <(grep ';leaf ' mtheirs)
  finish
}

case "$CASE" in
  seed) case_seed ;;
  static) case_static ;;
  threads) case_threads ;;
  inline) case_inline ;;
  shlib) case_shlib ;;
  cxx_new) case_cxx_new ;;
  sampled) case_sampled ;;
  metrics) case_metrics ;;
  fixtures) case_fixtures ;;
  inputs) case_inputs ;;
  jeprof) case_jeprof ;;
  *) echo "unknown case $CASE" >&2; exit 2 ;;
esac
