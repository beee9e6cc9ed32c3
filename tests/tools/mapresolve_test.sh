#!/usr/bin/env bash
# mapresolve as a tool: GNU addr2line byte-for-byte in --output=gnu, stdin streaming, bad input,
# exit codes, process modes. Usage: mapresolve_test.sh MAPRESOLVE FIXTURE_DIR
set -uo pipefail
M=$1
FX=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# Waits (up to 10 s) until process PID has exec'd a file whose path matches PATTERN.
wait_for_exec() {
  local pid=$1 pattern=$2
  for _ in $(seq 100); do
    grep -q -- "$pattern" "/proc/$pid/maps" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
check() {  # DESCRIPTION COMMAND...: the command must succeed
  local what=$1; shift
  if "$@"; then ok; else bad "$what"; fi
}

# --- GNU addr2line compatibility -------------------------------------------------------------
# Addresses: the first, a middle and the last byte of every function, and addresses outside any
# function, so that "??" answers are compared too, and every PLT entry. Two deliberate
# differences are left out:
# GNU gives an address in the padding after a sized function to that function (it ignores
# symbol sizes; we answer "??"), and for a local symbol after an empty-named STT_FILE (a shared
# library's _init and _fini) it prints the empty file name as ":?" where we print "??:?".
for f in pie_gcc nopie_gcc dwarf4_gcc gz_gcc lld_clang dwarf5_clang multiseg_gcc libfixture.so; do
  {
    nm -S --defined-only "$FX/$f" | awk 'NF == 4 && $3 ~ /[tT]/ && $4 != "_init" && $4 != "_fini" {print $1, $2}' \
      | while read -r start size; do
          printf '%x\n%x\n%x\n' $((16#$start)) $((16#$start + 16#$size / 2)) $((16#$start + 16#$size - 1))
        done
    echo 0; echo 1; echo ffffffff0
    # PLT entries: GNU does not name them ("??", where llvm-symbolizer says "abort@plt").
    readelf -SW "$FX/$f" | sed 's/^ *\[ *[0-9]*\]//' | awk '$1 ~ /^\.plt/ {print $3, $5}' |
      while read -r start size; do
        for ((o = 0; o < 16#$size; o += 8)); do printf '%x\n' $((16#$start + o)); done
      done
  } > "$tmp/addrs"
  for flags in "" "-f" "-a" "-i" "-f -i" "-a -f -i" "-p -f -i" "-a -p -f -i -C" "-s -f" \
               "-f -i -C -s" "-C -f" "-a -p"; do
    # shellcheck disable=SC2086
    addr2line -e "$FX/$f" $flags < "$tmp/addrs" > "$tmp/gnu.out" 2>/dev/null
    # shellcheck disable=SC2086
    "$M" -e "$FX/$f" $flags < "$tmp/addrs" > "$tmp/our.out"
    if cmp -s "$tmp/gnu.out" "$tmp/our.out"; then ok; else
      bad "addr2line $flags -e $f differs:"; diff "$tmp/gnu.out" "$tmp/our.out" | head -10 >&2
    fi
  done
  # Addresses as arguments give the same answers as on stdin.
  # shellcheck disable=SC2046
  "$M" -e "$FX/$f" -f -i $(head -20 "$tmp/addrs") > "$tmp/args.out"
  head -20 "$tmp/addrs" | "$M" -e "$FX/$f" -f -i > "$tmp/stdin.out"
  check "args and stdin agree for $f" cmp -s "$tmp/args.out" "$tmp/stdin.out"
done

# Aliases that only the symbol table names: GNU's choice (binutils' better_fit: covering, then
# function over label, then smaller, then first in the table), on a program without -g whose
# two equal aliases come in the table in the other order than their names sort, and on Debian's
# libstdc++ (.dynsym only: C1/C2 constructors and the like at one address).
mkdir -p "$tmp/alias"
cat > "$tmp/alias/a.c" <<'C'
__attribute__((noinline)) int zeta_name(int x) { return x * 7 + 1; }
int alpha_name(int x) __attribute__((alias("zeta_name")));
int main(int c, char **v) { (void)v; return zeta_name(c); }
C
cc -O2 -o "$tmp/alias/prog" "$tmp/alias/a.c"
alias_at=$(nm "$tmp/alias/prog" | awk '$3 == "zeta_name" {print $1}')
check "aliases: GNU's choice" cmp -s <(addr2line -f -e "$tmp/alias/prog" "$alias_at") \
  <("$M" -f -e "$tmp/alias/prog" "$alias_at")
libstdcxx=$(ldd "$M" | awk '$1 ~ /^libstdc\+\+/ {print $3}')
if [ -n "$libstdcxx" ] && ! readelf -SW "$libstdcxx" | grep -q ' \.symtab '; then
  nm -D -S --defined-only "$libstdcxx" | awk 'NF == 4 && $3 ~ /[tTiW]/ {print $1, $2}' | sort -u |
    awk 'NR % 2 == 0' | while read -r start size; do
      printf '%x\n%x\n' $((16#$start)) $((16#$start + 16#$size / 2))
    done > "$tmp/alias/addrs"
  addr2line -a -f -C -e "$libstdcxx" < "$tmp/alias/addrs" > "$tmp/gnu.out"
  "$M" -a -f -C -e "$libstdcxx" < "$tmp/alias/addrs" > "$tmp/our.out" 2> /dev/null
  check "aliases: libstdc++ (.dynsym only) answers as GNU's ($(grep -c '^0x' "$tmp/gnu.out") addresses)" \
    cmp -s "$tmp/gnu.out" "$tmp/our.out"
fi

# -j: offsets into a section (past its end: ??), and GNU's other options that change nothing.
text_size=$(readelf -SW "$FX/pie_gcc" | awk '$2 == ".text" {print $6}')
for args in "-a -f -i -j .text 0 10 120 $text_size $(printf '%x' $((16#$text_size - 1))) 99999" \
            "-a -p -f -C -j .init 0 4" "-f -i --demangle=gnu-v3 -b elf64-x86-64 -R 11d0" \
            "-f --no-recurse-limit --recurse-limit 11d0"; do
  # shellcheck disable=SC2086
  addr2line -e "$FX/pie_gcc" $args > "$tmp/gnu.out" 2>&1
  # shellcheck disable=SC2086
  "$M" -e "$FX/pie_gcc" $args > "$tmp/our.out" 2>&1
  if cmp -s "$tmp/gnu.out" "$tmp/our.out"; then ok; else
    bad "addr2line $args differs:"; diff "$tmp/gnu.out" "$tmp/our.out" | head -10 >&2
  fi
done
"$M" -e "$FX/pie_gcc" -j .no_such_section 0 > /dev/null 2> "$tmp/err"
check "-j with a missing section: exit 1" test $? = 1
check "-j with a missing section: said" grep -q "pie_gcc: cannot find section .no_such_section" "$tmp/err"
"$M" --maps /dev/null -j .text 0 > /dev/null 2>&1; check "-j without -e: exit 2" test $? = 2
text_at=$(readelf -SW "$FX/pie_gcc" | awk '$2 == ".text" {print $4}')
check "-j with --explain walks from the section's address" \
  grep -qx "Address $(printf '0x%x' $((16#$text_at + 0x20)))" <("$M" -e "$FX/pie_gcc" -j .text -x 20)
check "-v is the version" grep -q "mapresolve (libsym)" <("$M" -v)
check "options after addresses, as GNU addr2line takes them" \
  cmp -s <(addr2line 1140 -e "$FX/pie_gcc" -f 11d0 -i) <("$M" 1140 -e "$FX/pie_gcc" -f 11d0 -i)

# C++: the file:line chains (inline frames included) are GNU's exactly. Function names differ
# on purpose where GNU names the innermost frame after the enclosing function's symbol (an
# inlined lambda called "_M_invoke"), see docs/mapresolve.md. (clang's DWARF 5 is left to the
# llvm-symbolizer sweep of the unit tests: binutils 2.40 loses some of its inline frames.)
for f in cxx_gcc; do
  nm -S --defined-only "$FX/$f" | awk 'NF == 4 && $3 ~ /[tTwW]/ {print $1, $2}' \
    | while read -r start size; do
        printf '%x\n%x\n' $((16#$start)) $((16#$start + 16#$size / 2))
      done > "$tmp/addrs"
  for flags in "-i" "-a -i -p -s" ""; do
    # shellcheck disable=SC2086
    addr2line -e "$FX/$f" $flags < "$tmp/addrs" > "$tmp/gnu.out" 2>/dev/null
    # shellcheck disable=SC2086
    "$M" -e "$FX/$f" $flags < "$tmp/addrs" > "$tmp/our.out"
    if cmp -s "$tmp/gnu.out" "$tmp/our.out"; then ok; else
      bad "addr2line $flags -e $f differs:"; diff "$tmp/gnu.out" "$tmp/our.out" | head -10 >&2
    fi
  done
done

# --symbols-only: the symbol table's answer, no lines, no inline frames.
outer_va=$(nm "$FX/pie_gcc" | awk '$3 == "outer" {print $1}')
"$M" -e "$FX/pie_gcc" --symbols-only -f -i "$outer_va" > "$tmp/symonly.out"
check "--symbols-only: one frame named by the symbol table, no line" \
  test "$(cat "$tmp/symonly.out")" = "$(printf 'outer\n??:?')"

# --- stdin streaming: bad lines are reported with their number, the stream goes on ----------
main_addr=$(nm "$FX/pie_gcc" | awk '$3 == "main" {print $1}')
printf '%s\nnot-an-address\n0x%s\n\n  %s  \n' "$main_addr" "$main_addr" "$main_addr" \
  | "$M" -e "$FX/pie_gcc" -f > "$tmp/out" 2> "$tmp/err"
rc=$?
check "bad stdin line gives exit 1" test "$rc" = 1
check "bad stdin line is named with its number" grep -q "<stdin>:2: 'not-an-address' is not a hexadecimal address; read as 0x0, as GNU addr2line reads it" "$tmp/err"
check "all good lines are answered" test "$(grep -c '^main$' "$tmp/out")" = 3
check "one answer per line, as GNU's (the bad and the empty line: ??)" test "$(grep -c '^??$' "$tmp/out")" = 2
# On one stream the message comes between the answer to line 1 and those to lines 3 to 5
# (answers are written on a thread of their own, messages wait for them).
printf '%s\nnot-an-address\n0x%s\n\n  %s  \n' "$main_addr" "$main_addr" "$main_addr" \
  | "$M" -e "$FX/pie_gcc" -f > "$tmp/both" 2>&1
check "the message for line 2 follows line 1's answer and precedes the others" \
  test "$(grep -n 'not a hexadecimal' "$tmp/both" | cut -d: -f1),$(wc -l < "$tmp/both")" = 3,11
# Lines that are no clean address, as the originals read them, one answer per line: GNU's
# bfd_scan_vma (hex up to the first other character, "-..." is 0, "+..." read as C reads a
# number, too large saturates) and llvm-symbolizer's (the first word, C's bases, else "??"
# with no address). On stdin and as arguments.
printf '%s\n' "0x$main_addr" "" "0xZZ" hello "0x${main_addr}zz" "$main_addr $main_addr" "-1" \
  "+10" "+0x10" "+010" " 0X$main_addr" "0x" "x10" "1ffffffffffffffffff" "$((16#$main_addr))" \
  > "$tmp/weird"
addr2line -a -f -i -e "$FX/pie_gcc" < "$tmp/weird" > "$tmp/gnu.out"
"$M" -a -f -i -e "$FX/pie_gcc" < "$tmp/weird" > "$tmp/our.out" 2> "$tmp/err"
check "odd lines: every answer as GNU addr2line's" cmp -s "$tmp/gnu.out" "$tmp/our.out"
check "odd lines: each said, with its line" \
  test "$(grep -c "^mapresolve: <stdin>:[0-9]*: '.*'" "$tmp/err")" = 11
mapfile -t weird < "$tmp/weird"
addr2line -a -f -e "$FX/pie_gcc" "${weird[@]}" > "$tmp/gnu.out"
"$M" -a -f -e "$FX/pie_gcc" "${weird[@]}" > "$tmp/our.out" 2> /dev/null
check "odd arguments: every answer as GNU addr2line's" cmp -s "$tmp/gnu.out" "$tmp/our.out"
# (Not lines of a bare number: mapresolve reads hex everywhere, llvm-symbolizer decimal.)
grep -v '^ *+*[0-9a-f]*$' "$tmp/weird" | grep -v "^$main_addr " > "$tmp/weird.llvm"
printf '\n' >> "$tmp/weird.llvm"
llvm-symbolizer-19 -a -e "$FX/pie_gcc" < "$tmp/weird.llvm" > "$tmp/llvm.out" 2> /dev/null
"$M" --output=llvm -a -e "$FX/pie_gcc" < "$tmp/weird.llvm" > "$tmp/our.out" 2> /dev/null
check "odd lines: every answer as llvm-symbolizer-19's ($(wc -l < "$tmp/weird.llvm") lines)" \
  cmp -s "$tmp/llvm.out" "$tmp/our.out"
# An ELF32 file's addresses are 32 bits: GNU reads 0x1XXXXXXXX as 0xXXXXXXXX.
entry=$(readelf -h "$FX/foreign_i386" | awk '/Entry point/ {print $4}')
for a in "$entry" "0x1${entry#0x}" 0xffffffffffffffff; do
  addr2line -a -f -e "$FX/foreign_i386" "$a"
done > "$tmp/gnu.out"
for a in "$entry" "0x1${entry#0x}" 0xffffffffffffffff; do
  "$M" -a -f -e "$FX/foreign_i386" "$a" 2> "$tmp/err"
done > "$tmp/our.out"
check "ELF32: addresses wider than 32 bits read as GNU reads them" cmp -s "$tmp/gnu.out" "$tmp/our.out"

# --- coprocess: each answer is flushed before more input arrives ------------------------------
coproc MR { "$M" -e "$FX/pie_gcc" -f; }
mr_pid=$MR_PID  # bash unsets MR_PID when it reaps the coprocess, which may be before the wait
echo "$main_addr" >&"${MR[1]}"
if read -r -t 10 line <&"${MR[0]}" && [ "$line" = main ]; then ok; else bad "coprocess answer not flushed"; fi
exec {MR[1]}>&-
wait "$mr_pid" 2>/dev/null

# --- process modes ---------------------------------------------------------------------------
out=$("$FX/pie_gcc" "$tmp/maps")
outer_ra=$(echo "$out" | awk '$1 == "outer_ra" {print $2}')
lib_fn=$(echo "$out" | awk '$1 == "lib_function" {print $2}')
"$M" --maps "$tmp/maps" -r "$outer_ra" > "$tmp/default.out"
check "default output names the module" grep -q "pie_gcc  offset 0x" "$tmp/default.out"
check "default output shows the inline chain" grep -q "inner at .*fixture.c:[0-9]*:[0-9]* (inlined)" "$tmp/default.out"
"$M" --maps "$tmp/maps" --output=json -r "$outer_ra" "$lib_fn" 0x10 > "$tmp/json.out"
check "json: one object per address" test "$(wc -l < "$tmp/json.out")" = 3
check "json: inline frames" grep -q '"function":"inner".*"inlined":true.*"function":"middle".*"function":"outer".*"inlined":false' "$tmp/json.out"
check "json: unmapped reason" grep -q '"address":"0x10".*"reason":"unmapped"' "$tmp/json.out"
"$M" --maps "$tmp/maps" --output=gnu -f -i -r "$outer_ra" > "$tmp/gnu.out"
check "gnu style in maps mode" test "$(sed -n 1p "$tmp/gnu.out")" = inner

# --explain: the arithmetic, the segment, the symbol, the debug source, the call before a return
# address with its target named, and a warning when there is no call.
"$M" --maps "$tmp/maps" --explain -r "$outer_ra" > "$tmp/explain.out"
start=$(awk '/pie_gcc$/ && $2 ~ /x/ {split($1, r, "-"); print r[1]; exit}' "$tmp/maps")
check "explain: quotes the maps line" grep -q "r-xp .*pie_gcc$" "$tmp/explain.out"
check "explain: file offset arithmetic" grep -q "file offset = addr - start + pgoff = 0x.* - 0x$start + 0x1000 = 0x" "$tmp/explain.out"
check "explain: PT_LOAD and vaddr arithmetic" grep -q "vaddr = off - p_offset + p_vaddr = " "$tmp/explain.out"
check "explain: symbol with value and size" grep -q "Symbol outer (value 0x[0-9a-f]*, size [0-9]*) covers it" "$tmp/explain.out"
check "explain: debug info source" grep -q "Debug info: .*pie_gcc (found through the file itself)" "$tmp/explain.out"
check "explain: inline chain" grep -q "#0 inner at .*(inlined into #1)" "$tmp/explain.out"
check "explain: the call and its target" grep -q "call 0x[0-9a-f]* <capture>" "$tmp/explain.out"
"$M" --maps "$tmp/maps" --explain -r "$(echo "$out" | awk '$1 == "outer" {print $2}')" > "$tmp/explain2.out"
check "explain: warns when no call precedes" grep -q "Warning: no call instruction ends at" "$tmp/explain2.out"
plt=$(objdump -d "$FX/pie_gcc" | awk '/<lib_capture_site@plt>:$/ {print $1; exit}')
"$M" -e "$FX/pie_gcc" --explain "$plt" > "$tmp/explain3.out"
check "explain -e: PLT entries are named" grep -q "Symbol lib_capture_site@plt" "$tmp/explain3.out"
"$M" --maps "$tmp/maps" --explain 0x10 > "$tmp/explain4.out"
check "explain: unmapped" grep -q "No maps line holds 0x10" "$tmp/explain4.out"

# A heap dump's maps section (the dump itself is not needed beyond it).
{ echo "heap_v2/1"; echo "  t*: 0: 0 [0: 0]"; echo; echo "MAPPED_LIBRARIES:"; cat "$tmp/maps"; } > "$tmp/dump.heap"
"$M" --dump "$tmp/dump.heap" --output=gnu -f "$lib_fn" > "$tmp/dump.out"
check "--dump reads MAPPED_LIBRARIES" grep -qx lib_function "$tmp/dump.out"
gzip -c "$tmp/dump.heap" > "$tmp/dump.heap.gz"
"$M" --dump "$tmp/dump.heap.gz" --output=gnu -f "$lib_fn" > "$tmp/dumpgz.out"
check "--dump reads a gzip-compressed dump" grep -qx lib_function "$tmp/dumpgz.out"

# A live process.
sleep 30 & pid=$!
wait_for_exec "$pid" "/sleep$"
sleep_main=$(awk '$6 ~ /sleep$/ && $2 ~ /x/ {split($1, r, "-"); print r[1]; exit}' "/proc/$pid/maps")
"$M" --pid "$pid" "$sleep_main" > "$tmp/pid.out"; rc=$?
kill "$pid" 2>/dev/null
check "--pid works" test "$rc" = 0
check "--pid names the executable" grep -q "/sleep" "$tmp/pid.out"

# A live process whose executable was deleted: read through /proc/PID/map_files.
cp "$(command -v sleep)" "$tmp/doomed"
"$tmp/doomed" 30 & pid=$!
wait_for_exec "$pid" "doomed$"
rm "$tmp/doomed"
doomed_text=$(awk '$2 ~ /x/ && /doomed \(deleted\)$/ {split($1, r, "-"); print r[1]; exit}' "/proc/$pid/maps")
"$M" --pid "$pid" --output=json "$doomed_text" > "$tmp/pid.out"
kill "$pid" 2>/dev/null
check "--pid reads a deleted executable through map_files" grep -q '"module":"/proc/[0-9]*/map_files/.*"vaddr":"0x' "$tmp/pid.out"

# --- a replaced file is reported once, and its addresses still get an answer ------------------
cp "$FX/pie_gcc" "$tmp/prog"; cp "$FX/libfixture.so" "$tmp/"
out=$("$tmp/prog" "$tmp/prog.maps")
a=$(echo "$out" | awk '$1 == "outer" {print $2}'); b=$(echo "$out" | awk '$1 == "main" {print $2}')
cp "$tmp/prog" "$tmp/prog.new" && mv "$tmp/prog.new" "$tmp/prog"
"$M" --maps "$tmp/prog.maps" "$a" "$b" > "$tmp/out" 2> "$tmp/err"
check "replaced file: warned once" test "$(grep -c 'file changed since the snapshot' "$tmp/err")" = 1
check "replaced file: answers say why" test "$(grep -c 'file changed since the snapshot' "$tmp/out")" = 2
"$M" --maps "$tmp/prog.maps" --no-verify --output=gnu -f -i "$a" > "$tmp/out"
check "--no-verify uses the file anyway" grep -qx outer "$tmp/out"

# --- threads change no answer ----------------------------------------------------------------
# libc through its debug file: its compressed sections are inflated, and a batch's compile units
# read, on several threads unless LIBSYM_THREADS=1. Every 37th byte of its code, two ways.
libc=/lib/x86_64-linux-gnu/libc.so.6
read -r text_addr text_size < <(readelf -SW "$libc" | awk '$2 == ".text" { print $4, $6 }')
python3 -c "import sys; a, n = int(sys.argv[1], 16), int(sys.argv[2], 16); print('\n'.join(hex(x) for x in range(a, a + n, 37)))" \
  "$text_addr" "$text_size" > "$tmp/libc.addrs"
"$M" -e "$libc" -a -f -i -C < "$tmp/libc.addrs" > "$tmp/libc.threads"
LIBSYM_THREADS=1 "$M" -e "$libc" -a -f -i -C < "$tmp/libc.addrs" > "$tmp/libc.one"
check "threads: thousands of libc addresses resolved" test "$(grep -c '^0x' "$tmp/libc.one")" -gt 10000
check "threads: libc answers have lines" test "$(grep -c '\.c:[0-9]' "$tmp/libc.one")" -gt 10000
check "threads: the same answers with LIBSYM_THREADS=1" cmp -s "$tmp/libc.threads" "$tmp/libc.one"
LIBSYM_THREADS=1 "$M" -e "$libc" -a -f -C < "$tmp/libc.addrs" > "$tmp/libc.names"
check "threads: without -i, the first frame of each chain" \
  cmp -s "$tmp/libc.names" <(awk '/^0x/ { n = 0 } { if (n++ < 3) print }' "$tmp/libc.threads")

# --- split DWARF: a batch whose units are all skeletons --------------------------------------
# prepare() leaves skeleton units to lookup; a batch with nothing else to share out must still
# be answered (its thread count was once computed as 0 - 1).
mkdir -p "$tmp/split"
printf 'int g(int x);\nint main(int c, char **v) { (void)v; return g(c); }\n' > "$tmp/split/a.c"
printf 'int g(int x) { return x * 3 + 1; }\n' > "$tmp/split/b.c"
(cd "$tmp/split" && cc -O1 -g -gsplit-dwarf a.c b.c -o prog)
split_main=$(nm "$tmp/split/prog" | awk '$3 == "main" { print "0x" $1 }')
split_g=$(nm "$tmp/split/prog" | awk '$3 == "g" { print "0x" $1 }')
printf '%s\n%s\n' "$split_main" "$split_g" | "$M" -e "$tmp/split/prog" -f > "$tmp/split.out"
check "split DWARF batch: answered" test $? = 0
check "split DWARF batch: lines from the .dwo files" \
  test "$(tr '\n' ' ' < "$tmp/split.out")" = "main $tmp/split/a.c:2 g $tmp/split/b.c:1 "

# A .dwo file gone (deleted after the build, not copied with the program): the unit answers
# from the skeleton, and a warning names the file (llvm-symbolizer says nothing).
mkdir -p "$tmp/split/moved"
b_dwo=$(ls "$tmp"/split/*b.dwo)  # prog-b.dwo (GCC 12 compiling and linking at once) or b.dwo
cp "$b_dwo" "$tmp/split/moved/"
rm "$b_dwo"
printf '%s\n%s\n' "$split_main" "$split_g" | "$M" -e "$tmp/split/prog" -f > "$tmp/split.out" 2> "$tmp/split.err"
check "split DWARF, a .dwo missing: answered" test "$(sed -n 3p "$tmp/split.out")" = g
check "split DWARF, a .dwo missing: said once, naming it" \
  test "$(grep -c "warning: $tmp/split/prog: split debug info $b_dwo of $tmp/split/prog (for the unit at 0x[0-9a-f]*) not found" "$tmp/split.err")" = 1
mv "$tmp/split/moved/$(basename "$b_dwo")" "$tmp/split/"

# --- split DWARF in C++: the same answers as without it ------------------------------------
# GCC's skeleton unit has no DW_AT_language (the .dwo has it): the unit must still count as
# C++, or the physical frame of a lambda's _M_manager is left with its short DWARF name.
mkdir -p "$tmp/cxxsplit/whole" "$tmp/cxxsplit/split"
cxx_src=$(cd "$(dirname "$0")/../fixtures/src" && pwd)/cxx_fixture.cpp
(cd "$tmp/cxxsplit/whole" && g++ -O2 -g "$cxx_src" -o prog)
(cd "$tmp/cxxsplit/split" && g++ -O2 -g -gsplit-dwarf "$cxx_src" -o prog)
nm --defined-only "$tmp/cxxsplit/whole/prog" | awk '$2 ~ /^[tT]$/ { print "0x" $1 }' > "$tmp/cxxsplit/addrs"
"$M" -e "$tmp/cxxsplit/whole/prog" -f -i -C < "$tmp/cxxsplit/addrs" > "$tmp/cxxsplit/whole.out"
"$M" -e "$tmp/cxxsplit/split/prog" -f -i -C < "$tmp/cxxsplit/addrs" > "$tmp/cxxsplit/split.out"
check "C++ split DWARF: every function answered as without split DWARF" \
  cmp -s "$tmp/cxxsplit/whole.out" "$tmp/cxxsplit/split.out"
check "C++ split DWARF: a lambda's manager has its full name" \
  grep -q "_Function_handler<.*>::_M_manager(" "$tmp/cxxsplit/split.out"

# --- split DWARF with a corrupt .dwo: LLVM would extract its DIEs unchecked and crash -------
# b.dwo's first DW_TAG_call_site_parameter gets a location expression 0x7fffffff bytes long:
# skipping it sends LLVM's DIE extraction far past the section (llvm-symbolizer-19 crashes).
# The .dwo is checked before LLVM reads it; its unit answers from the line table alone.
mkdir -p "$tmp/baddwo"
printf 'int h(int x);\nint g(int x) { return h(x * 3 + 1) + 1; }\n' > "$tmp/baddwo/b.c"
printf 'int g(int x);\n__attribute__((noinline)) int h(int x) { return x ^ 5; }\nint main(int c, char **v) { (void)v; return g(c); }\n' > "$tmp/baddwo/a.c"
(cd "$tmp/baddwo" && cc -O2 -g -gsplit-dwarf -S -dA b.c -o b.s &&
  awk '{ l[NR] = $0 } END { for (i = 1; i <= NR; i++) {
         if (!done && l[i] ~ /uleb128 .*# DW_AT_location$/ && l[i + 2] ~ /# DW_AT_call_value$/) {
           sub(/uleb128 0x[0-9a-f]+/, "uleb128 0x7fffffff", l[i]); done = 1 }
         print l[i] } }' b.s > bad.s &&
  cc -gsplit-dwarf -c bad.s -o b.o && cc -O2 -g -gsplit-dwarf -c a.c -o a.o && cc a.o b.o -o prog)
check "corrupt .dwo: the corruption is in place" grep -q "uleb128 0x7fffffff" "$tmp/baddwo/bad.s"
bad_g=$(nm "$tmp/baddwo/prog" | awk '$3 == "g" { print "0x" $1 }')
bad_main=$(nm "$tmp/baddwo/prog" | awk '$3 == "main" { print "0x" $1 }')
"$M" -e "$tmp/baddwo/prog" -f -i "$bad_g" "$bad_main" > "$tmp/baddwo.out" 2> "$tmp/baddwo.err"
check "corrupt .dwo: no crash" test $? = 0
check "corrupt .dwo: its unit answers from the symbol and line tables, the other from its .dwo" \
  test "$(tr '\n' ' ' < "$tmp/baddwo.out")" = "g $tmp/baddwo/b.c:2 main $tmp/baddwo/a.c:3 "
check "corrupt .dwo: a warning names it and what is wrong" \
  grep -q "split debug info $tmp/baddwo/b.dwo of .* not used: the DIE at 0x[0-9a-f]* of the unit at 0x0 has a value at 0x[0-9a-f]*, past the end of .debug_info.dwo" "$tmp/baddwo.err"

# --- a file stripped with --strip-debug: its .symtab lost the STT_FILE entries, the debug ----
# file kept them; each function is one symbol from two tables, and names its source file.
mkdir -p "$tmp/stripdebug"
cp "$FX/pie_gcc" "$tmp/stripdebug/prog"
objcopy --only-keep-debug "$tmp/stripdebug/prog" "$tmp/stripdebug/prog.debug"
strip --strip-debug "$tmp/stripdebug/prog"
(cd "$tmp/stripdebug" && objcopy --add-gnu-debuglink=prog.debug prog)
for f in deregister_tm_clones register_tm_clones __do_global_dtors_aux frame_dummy; do
  a=$(nm "$tmp/stripdebug/prog.debug" | awk -v f="$f" '$3 == f { print "0x" $1 }')
  check "--strip-debug: $f names crtstuff.c, as GNU addr2line does" \
    test "$("$M" -e "$tmp/stripdebug/prog" -f "$a" | tr '\n' ' ')" = "$f crtstuff.c:? "
done

# --- a stripped file: nothing names main, but .eh_frame says where it starts (json, --explain) --
main_va=$(printf '0x%x' "0x$(nm "$FX/pie_gcc" | awk '$3 == "main" { print $1 }')")
inside=$(printf '0x%x' $((main_va + 4)))
"$M" -e "$FX/stripped_gcc" --output=json "$inside" > "$tmp/strip.json"
check "stripped: json has no symbol, and main's first byte as function_start" \
  grep -q "\"symbol\":null,\"function_start\":\"$main_va\",\"frames\":\[\]" "$tmp/strip.json"
"$M" -e "$FX/pie_gcc" --output=json "$inside" > "$tmp/named.json"
check "unstripped: no function_start where a symbol names the function" \
  grep -q '"function_start":null' "$tmp/named.json"
# Without section headers at all (sstrip; e_shoff and the counts zeroed): .eh_frame_hdr through
# PT_GNU_EH_FRAME, and the same function start.
python3 -c '
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<Q", d, 0x28, 0)
struct.pack_into("<HHH", d, 0x3c, 0, 0, 0)
open(sys.argv[2], "wb").write(d)' "$FX/stripped_gcc" "$tmp/noshdr"
"$M" -e "$tmp/noshdr" --output=json "$inside" > "$tmp/noshdr.json" 2> /dev/null
check "no section headers: main's first byte as function_start, from PT_GNU_EH_FRAME" \
  grep -q "\"function_start\":\"$main_va\"" "$tmp/noshdr.json"
"$M" -e "$FX/stripped_gcc" --explain "$inside" > "$tmp/strip.explain"
check "stripped: --explain gives the unwind table's start and the offset into it" \
  grep -q "unwind table (.eh_frame) has a function starting at $main_va: $inside - $main_va = +0x4" \
  "$tmp/strip.explain"
check "stripped: the default style gives the function's start" \
  grep -q "(no symbol or debug info covers the address; its function starts at $main_va (+0x4) by .eh_frame)" \
  <("$M" -e "$FX/stripped_gcc" --output=default "$inside")
check "stripped: the GNU style still says ??" \
  test "$("$M" -e "$FX/stripped_gcc" -f "$inside" | head -1)" = "??"

# --explain disassembles only where the address is in an executable segment (not data).
data_va=$(printf '0x%x' "0x$(nm "$FX/pie_gcc" | awk '$3 == "__data_start" { print $1 }')")
"$M" -e "$FX/pie_gcc" --explain "$data_va" > "$tmp/explain_data.out" 2>&1
check "--explain on data: walked" grep -q "PT_LOAD #[0-9]* of .* (RW-)" "$tmp/explain_data.out"
check "--explain on data: no machine code" test "$(grep -c 'Machine code' "$tmp/explain_data.out")" = 0
check "--explain on code: machine code" grep -q 'Machine code' <("$M" -e "$FX/pie_gcc" --explain "$main_va")
# Capstone, loaded at the first disassembly, decodes main's first instruction as objdump does.
first_insn=$(objdump -d --no-show-raw-insn -M intel --start-address="$main_va" \
  --stop-address=$((main_va + 16)) "$FX/pie_gcc" | awk -F'\t' '/^ *[0-9a-f]+:/ {print $2; exit}')
check "--explain on code: capstone decodes the instruction ($first_insn)" grep -Eq \
  "^       $main_va: ${first_insn%% *}" <("$M" -e "$FX/pie_gcc" --explain "$main_va")

# --- a debug file found by build-id but not usable: said, and --explain does not say "none
# found" (it was a silent "??" before) -----------------------------------------------------
mkdir -p "$tmp/baddebug"
strip -o "$tmp/baddebug/prog" "$FX/pie_gcc"
bid=$(readelf -n "$tmp/baddebug/prog" | awk '/Build ID/ {print $3}')
bad_at="$tmp/baddebug/root/.build-id/${bid:0:2}/${bid:2}.debug"
mkdir -p "$(dirname "$bad_at")"
objcopy --only-keep-debug "$FX/pie_gcc" "$tmp/baddebug/full.debug"
for how in "not an ELF file" "section headers unreadable"; do
  if [ "$how" = "not an ELF file" ]; then
    head -c 5000 /dev/urandom > "$bad_at"
  else
    head -c $(($(stat -c %s "$tmp/baddebug/full.debug") - 16)) "$tmp/baddebug/full.debug" > "$bad_at"
  fi
  "$M" -e "$tmp/baddebug/prog" --debug-dir "$tmp/baddebug/root" -f "$main_va" \
    > "$tmp/baddebug/out" 2> "$tmp/baddebug/err"
  check "unusable debug file ($how): still answered" test $? = 0
  check "unusable debug file ($how): said, naming it" \
    grep -q "warning: $tmp/baddebug/prog: debug file $bad_at not used: $how" "$tmp/baddebug/err"
  check "unusable debug file ($how): --explain says it was not used" \
    grep -q "Debug info: none used: debug file $bad_at not used" \
    <("$M" -e "$tmp/baddebug/prog" --debug-dir "$tmp/baddebug/root" --explain "$main_va" 2>/dev/null)
done

# --- MiniDebugInfo: pie_gcc stripped, with its symbol table xz-compressed in .gnu_debugdata --
# (the fixture is made as Fedora's find-debuginfo makes it); eu-addr2line (libdwfl) reads it
# too, GNU's does not.
if command -v xz > /dev/null; then
  mini=$tmp/mini
  mkdir -p "$mini"
  cp "$FX/minidebuginfo_gcc" "$mini/prog"
  cp "$FX/pie_gcc" "$mini/full"
  # mini_names FILE [eu]: sets checked and agreed, the functions named as nm names them in the
  # unstripped file (and, with eu, as eu-addr2line names them in FILE).
  mini_names() {
    checked=0
    agreed=0
    for a in $(nm "$mini/full" | awk '$2 ~ /^[Tt]$/ && $3 != "" { print $1 }'); do
      x=$(printf '0x%x' $((0x$a + 1)))
      want=$(nm "$mini/full" | awk -v a="$a" '$1 == a && $2 ~ /^[Tt]$/ { print $3; exit }')
      ours=$("$M" -e "$1" -f "$x" | head -1)
      eu=$ours
      [ "${2:-}" = eu ] && eu=$(eu-addr2line -f -e "$1" "$x" | head -1)
      checked=$((checked + 1))
      [ "$ours" = "$eu" ] && [ "$ours" = "$want" ] && agreed=$((agreed + 1))
    done
  }
  mini_names "$mini/prog" eu
  check "MiniDebugInfo: every function named as nm and eu-addr2line name it ($agreed of $checked)" \
    test "$checked" -gt 5 -a "$agreed" = "$checked"
  # The same symbols as two xz streams with stream padding between (xz and liblzma read them
  # as one; the streams' indexes are read last to first; elfutils 0.188 reads the first only).
  objcopy --dump-section .gnu_debugdata="$mini/mini.xz" "$mini/prog"
  xz -dc "$mini/mini.xz" > "$mini/mini.elf"
  half=$(($(stat -c %s "$mini/mini.elf") / 2))
  head -c "$half" "$mini/mini.elf" | xz -T1 > "$mini/concat.xz"
  printf '\0\0\0\0\0\0\0\0' >> "$mini/concat.xz"
  tail -c +$((half + 1)) "$mini/mini.elf" | xz -T1 >> "$mini/concat.xz"
  check "MiniDebugInfo in two streams: xz reads them as the one" \
    cmp -s <(xz -dc "$mini/concat.xz") "$mini/mini.elf"
  objcopy --remove-section .gnu_debugdata --add-section .gnu_debugdata="$mini/concat.xz" \
    "$mini/prog" "$mini/concat"
  mini_names "$mini/concat"
  check "MiniDebugInfo in two streams: every function named as nm names it ($agreed of $checked)" \
    test "$checked" -gt 5 -a "$agreed" = "$checked"
  check "MiniDebugInfo: --explain says where the symbols came from" \
    grep -q "symbols also from the file's .gnu_debugdata" \
    <("$M" -e "$mini/prog" --explain "$(printf '0x%x' $((main_va + 1)))")
  # Damaged: not xz, xz cut short, xz followed by other bytes, and 300 MiB of zeros in 46 KiB
  # (refused from the stream's index, before anything is decoded). A warning naming the cause;
  # the file still answers.
  head -c 200 "$mini/mini.xz" > "$mini/cut.xz"
  { cat "$mini/mini.xz"; printf 'trailing'; } > "$mini/trailing.xz"
  head -c 300M /dev/zero | xz -0 -T1 > "$mini/bomb.xz"
  for bad in "/etc/hostname:not an xz stream" \
    "$mini/cut.xz:the xz data is cut short or followed by other bytes" \
    "$mini/trailing.xz:the xz data is cut short or followed by other bytes" \
    "$mini/bomb.xz:decompresses to 314572800 bytes, more than 268435456"; do
    objcopy --remove-section .gnu_debugdata --add-section .gnu_debugdata="${bad%%:*}" \
      "$mini/prog" "$mini/bad"
    "$M" -e "$mini/bad" -f "$(printf '0x%x' $((main_va + 1)))" > "$mini/bad.out" 2> "$mini/bad.err"
    check "MiniDebugInfo from $(basename "${bad%%:*}"): exit 0 and ??" test $? = 0 -a \
      "$(head -1 "$mini/bad.out")" = "??"
    check "MiniDebugInfo from $(basename "${bad%%:*}"): the warning says why (${bad#*:})" \
      grep -q ".gnu_debugdata (MiniDebugInfo) not read: ${bad#*:}; its symbols are missing" \
      "$mini/bad.err"
  done
else
  echo "no xz: MiniDebugInfo checks skipped"
fi

# --- usage and input errors ------------------------------------------------------------------
"$M" 0x1234 > /dev/null 2>&1; check "no source: exit 2" test $? = 2
"$M" --bogus -e "$FX/pie_gcc" > /dev/null 2>&1; check "unknown option: exit 2" test $? = 2
"$M" --maps a --pid 1 > /dev/null 2>&1; check "two sources: exit 2" test $? = 2
"$M" --pid abc 0x1 > /dev/null 2>&1; check "bad pid: exit 2" test $? = 2
"$M" --output=xml -e "$FX/pie_gcc" 0x1 > /dev/null 2>&1; check "bad style: exit 2" test $? = 2
"$M" --maps /nonexistent 0x1 > /dev/null 2> "$tmp/err"; check "missing maps: exit 1" test $? = 1
check "missing maps: message names the file" grep -q "/nonexistent" "$tmp/err"
"$M" --maps /dev/zero 0x1 > /dev/null 2> "$tmp/err"; check "device as maps: exit 1" test $? = 1
"$M" -e /etc/passwd 0x1 > /dev/null 2> "$tmp/err"; check "non-ELF -e: exit 1" test $? = 1
check "non-ELF -e: says why" grep -q "not a valid ELF\|not an ELF" "$tmp/err"
check "non-ELF -e: an error, not a warning (it stops the run)" \
  grep -q "^mapresolve: /etc/passwd: not a valid ELF file" "$tmp/err"
printf 'garbage line\n%s\n' "$(head -1 "$tmp/maps")" > "$tmp/badmaps"
"$M" --maps "$tmp/badmaps" 0x1 > /dev/null 2> "$tmp/err"; check "malformed maps: exit 1" test $? = 1
check "malformed maps: file and line" grep -q "badmaps:1: malformed maps line" "$tmp/err"
for i in $(seq 50); do echo "not a maps line $i"; done > "$tmp/badmaps50"
"$M" --maps "$tmp/badmaps50" 0x1 > /dev/null 2> "$tmp/err"; check "50 bad maps lines: exit 1" test $? = 1
check "50 bad maps lines: the first 20 named, then a count" \
  test "$(grep -c 'badmaps50:[0-9]*: malformed maps line' "$tmp/err")-$(tail -1 "$tmp/err")" = \
  "20-mapresolve: $tmp/badmaps50: 30 more problems like these, not shown"
"$M" --help > "$tmp/help"; grep -q -- "--output=STYLE" "$tmp/help"; check "help" test $? = 0

# --- DWARF that LLVM 19 would read past the end of .debug_info (llvm-symbolizer-19 crashes) ----
for f in broken_unit_die broken_child broken_across; do
  victim=$(nm "$FX/$f" | awk '$3 == "victim" {print $1}')
  other=$(nm "$FX/$f" | awk '$3 == "other" {print $1}')
  "$M" -e "$FX/$f" -f "$victim" "$other" > "$tmp/broken.out" 2> "$tmp/broken.err"
  check "$f: answered from the symbol table" \
    test "$(cat "$tmp/broken.out")" = "$(printf 'victim\n??:?\nother\n??:?')"
  check "$f: the warning names the file and the DIE" \
    grep -q "warning: $FX/$f: debug info of $FX/$f.* the DIE at 0x[0-9a-f]* of the unit at 0x[0-9a-f]* has a value at 0x[0-9a-f]*, past the end of .debug_info" "$tmp/broken.err"
done

# --- llvm-symbolizer-19's output for the same file (--output=llvm) -----------------------------
# Address by address (blocks end with a blank line), except where llvm-symbolizer names no
# function (??): we name those from the separate debug file's symbol table, which it does not
# read. The function that is not inlined is named after the file's own symbol table there, as
# llvm-symbolizer does (libc: getaddrinfo where DWARF says __GI_getaddrinfo, and of the
# aliases ctanf/ctanf32 the one later in .dynsym; C++: ".isra.0.cold" clones).
function_bytes() {  # FILE: every address of every sized function of FILE
  nm -S --defined-only "$1" | awk 'NF == 4 && $3 ~ /[tT]/ {print $1, $2}' |
    while read -r start size; do
      for ((o = 0; o < 16#$size; o++)); do printf '%x\n' $((16#$start + o)); done
    done
}
# Discriminators: every byte of a program whose inlined functions' rows carry them, GNU's
# output byte for byte (its innermost discriminator printed on every frame).
function_bytes "$FX/discriminator_gcc" > "$tmp/disc.addrs"
for flags in "-a -f -i" "-a -p -f -i" "-f"; do
  # shellcheck disable=SC2086
  addr2line -e "$FX/discriminator_gcc" $flags < "$tmp/disc.addrs" > "$tmp/gnu.out"
  # shellcheck disable=SC2086
  "$M" -e "$FX/discriminator_gcc" $flags < "$tmp/disc.addrs" > "$tmp/our.out"
  check "discriminators, $flags: GNU's output" cmp -s "$tmp/gnu.out" "$tmp/our.out"
done
check "discriminators: some inline chains have them" \
  test "$(grep -c '^ (inlined by) .*(discriminator' \
          <(addr2line -e "$FX/discriminator_gcc" -a -p -f -i < "$tmp/disc.addrs"))" -gt 0

same_as_llvm() {  # FILE ADDRESSES: prints "differing/compared"
  sed 's/^/0x/' "$2" > "$tmp/llvm.in"  # llvm-symbolizer reads numbers without 0x as decimal
  llvm-symbolizer-19 -e "$1" < "$tmp/llvm.in" > "$tmp/llvm.out" 2> /dev/null
  "$M" -e "$1" --output=llvm < "$tmp/llvm.in" > "$tmp/our.out" 2> /dev/null
  awk -v RS= 'NR == FNR { ref[FNR] = $0; next }
              ref[FNR] !~ /^\?\?\n/ { n++; if (ref[FNR] != $0) { d++; if (d <= 3) print "  " ref[FNR] " | " $0 > "/dev/stderr" } }
              END { print d + 0 "/" n + 0 }' "$tmp/llvm.out" "$tmp/our.out"
}
for f in pie_gcc nopie_gcc dwarf4_gcc gz_gcc lld_clang dwarf5_clang cxx_gcc cxx_clang libfixture.so; do
  function_bytes "$FX/$f" > "$tmp/llvm.addrs"
  result=$(same_as_llvm "$FX/$f" "$tmp/llvm.addrs")
  check "llvm style: $f answers as llvm-symbolizer-19 ($result differ)" \
    test "${result%/*}" = 0 -a "${result#*/}" -ge 20
done
# A stripped C++ program whose DWARF is in its debug file: llvm-symbolizer has no symbol table
# to name the physical function after and keeps DWARF's short names ("_M_invoke", "main" for
# "main.cold"); so does the llvm style, where the other styles take the debug file's .symtab.
for f in cxx_gcc cxx_clang; do
  objcopy --only-keep-debug "$FX/$f" "$tmp/$f.debug"
  objcopy --strip-all --add-gnu-debuglink="$tmp/$f.debug" "$FX/$f" "$tmp/$f"
  function_bytes "$FX/$f" > "$tmp/llvm.addrs"
  result=$(same_as_llvm "$tmp/$f" "$tmp/llvm.addrs")
  check "llvm style: $f stripped, DWARF in its debug file, answers as llvm-symbolizer-19 ($result differ)" \
    test "${result%/*}" = 0 -a "${result#*/}" -ge 20
done
libc=$(ldd "$M" | awk '$1 ~ /^libc\.so/ {print $3}')
if [ -n "$libc" ] && readelf -n "$libc" | grep -q "Build ID" &&
   [ -d /usr/lib/debug/.build-id ]; then
  read -r start size < <(readelf -SW "$libc" | awk '$2 == ".text" {print $4, $6}')
  awk -v s=$((16#$start)) -v z=$((16#$size)) 'BEGIN { srand(7); for (i = 0; i < 3000; i++)
    printf "%x\n", s + int(rand() * z) }' > "$tmp/llvm.addrs"
  result=$(same_as_llvm "$libc" "$tmp/llvm.addrs")
  check "llvm style: libc answers as llvm-symbolizer-19 ($result differ)" \
    test "${result%/*}" = 0 -a "${result#*/}" -ge 2800
fi

# --- dwz: names kept in the supplementary file (.gnu_debugaltlink, DWARF 5 .debug_sup) --------
# Every byte of every function answers as in the same program before dwz (GNU addr2line names
# an inlined frame after the function it is inlined into there; llvm-symbolizer-19 answers ??).
for f in dwz_gcc dwz_nopie_gcc dwz4_gcc dwz4_nopie_gcc dwz5_gcc dwz5_nopie_gcc; do
  function_bytes "$FX/$f.plain" > "$tmp/dwz.addrs"
  "$M" -e "$FX/$f" -a -f -i -C < "$tmp/dwz.addrs" > "$tmp/dwz.out" 2> "$tmp/dwz.err"
  "$M" -e "$FX/$f.plain" -a -f -i -C < "$tmp/dwz.addrs" > "$tmp/plain.out"
  check "$f: every answer as before dwz" cmp -s "$tmp/dwz.out" "$tmp/plain.out"
  check "$f: no warning" test ! -s "$tmp/dwz.err"
  check "$f: inlined frames named from the supplementary file" grep -qx inner "$tmp/dwz.out"
done
# The DWARF 4 pair's link is relative to the program's directory: elsewhere, the file is not
# found there, but by its build-id under --debug-dir; a file with another build-id is refused.
mkdir -p "$tmp/dwz"
cp "$FX/dwz4_gcc" "$tmp/dwz/"
# An address whose innermost frame is inner (the line before "inner" is then the address).
in_inner=$(function_bytes "$FX/dwz4_gcc.plain" | "$M" -e "$FX/dwz4_gcc.plain" -a -f -i |
  sed -n '/^inner$/{x;p;q};h')
"$M" -e "$tmp/dwz/dwz4_gcc" -f -i "$in_inner" > "$tmp/dwz.out" 2> "$tmp/dwz.err"
check "dwz, supplementary file missing: the physical function still named" grep -qx outer "$tmp/dwz.out"
check "dwz, supplementary file missing: the inlined ones are not" test "$(sed -n 1p "$tmp/dwz.out")" = "??"
check "dwz, supplementary file missing: said, with the places looked at" \
  grep -q "warning: $tmp/dwz/dwz4_gcc: dwz supplementary file dwz4_common.debug (build-id [0-9a-f]*) of $tmp/dwz/dwz4_gcc not found (looked at $tmp/dwz/dwz4_common.debug, " "$tmp/dwz.err"
id=$(readelf -n "$FX/dwz4_common.debug" | awk '/Build ID/ {print $3}')
mkdir -p "$tmp/dwzroot/.build-id/${id:0:2}"
cp "$FX/dwz4_common.debug" "$tmp/dwzroot/.build-id/${id:0:2}/${id:2}.debug"
"$M" -e "$tmp/dwz/dwz4_gcc" --debug-dir "$tmp/dwzroot" -f -i "$in_inner" > "$tmp/dwz.out" 2> "$tmp/dwz.err"
check "dwz, supplementary file by build-id in --debug-dir" test "$(sed -n 1p "$tmp/dwz.out")" = inner
check "dwz, supplementary file by build-id: no warning" test ! -s "$tmp/dwz.err"
cp "$FX/dwz_common.debug" "$tmp/dwz/dwz4_common.debug"
"$M" -e "$tmp/dwz/dwz4_gcc" -f -i "$in_inner" > "$tmp/dwz.out" 2> "$tmp/dwz.err"
check "dwz, another build-id: not used" grep -q "dwz4_common.debug (build-id [0-9a-f]*) of .* not found" "$tmp/dwz.err"
# A supplementary file whose .debug_info was cut in half: no crash, the names it would give are
# missing, and the warning says where the reference led.
objcopy --dump-section .debug_info="$tmp/dwz/info" "$FX/dwz4_common.debug"
head -c $(($(stat -c %s "$tmp/dwz/info") / 2)) "$tmp/dwz/info" > "$tmp/dwz/half"
objcopy --update-section .debug_info="$tmp/dwz/half" "$FX/dwz4_common.debug" "$tmp/dwz/dwz4_common.debug"
"$M" -e "$tmp/dwz/dwz4_gcc" -f -i "$in_inner" > "$tmp/dwz.out" 2> "$tmp/dwz.err"
check "dwz, supplementary file cut: answered" grep -qx outer "$tmp/dwz.out"
check "dwz, supplementary file cut: said" \
  grep -q "warning: $tmp/dwz/dwz4_gcc: dwz supplementary file $tmp/dwz/dwz4_common.debug: no unit of its .debug_info holds 0x[0-9a-f]*, where a DIE is referred to; names kept there are missing" "$tmp/dwz.err"
# Compressed supplementary files, as Debian's debug packages ship them (dh_strip compresses with
# zlib): inflated by libsym as the module's own sections are; every answer as before dwz. A
# damaged stream is said, and the names the program's own DWARF gives still answer.
function_bytes "$FX/dwz4_gcc.plain" > "$tmp/dwz.addrs"
"$M" -e "$FX/dwz4_gcc.plain" -a -f -i -C < "$tmp/dwz.addrs" > "$tmp/plain.out"
for how in zlib zstd zlib-gnu; do
  objcopy --compress-debug-sections=$how "$FX/dwz4_common.debug" "$tmp/dwz/dwz4_common.debug"
  check "dwz, supplementary file compressed ($how): it is" \
    readelf -SW "$tmp/dwz/dwz4_common.debug" | grep -Eq '\.zdebug_info|\.debug_info .* C '
  "$M" -e "$tmp/dwz/dwz4_gcc" -a -f -i -C < "$tmp/dwz.addrs" > "$tmp/dwz.out" 2> "$tmp/dwz.err"
  check "dwz, supplementary file compressed ($how): every answer as before dwz" \
    cmp -s "$tmp/dwz.out" "$tmp/plain.out"
  check "dwz, supplementary file compressed ($how): no warning" test ! -s "$tmp/dwz.err"
done
objcopy --compress-debug-sections=zlib "$FX/dwz4_common.debug" "$tmp/dwz/dwz4_common.debug"
read -r info_at info_size < <(readelf -SW "$tmp/dwz/dwz4_common.debug" | sed 's/^ *\[ *[0-9]*\]//' |
  awk '$1 == ".debug_info" {print $4, $5}')
printf '\377%.0s' $(seq 16) | dd of="$tmp/dwz/dwz4_common.debug" conv=notrunc status=none bs=1 \
  seek=$((16#$info_at + 24 + (16#$info_size - 24) / 2))
"$M" -e "$tmp/dwz/dwz4_gcc" -f -i "$in_inner" > "$tmp/dwz.out" 2> "$tmp/dwz.err"
check "dwz, supplementary file's stream damaged: answered" grep -qx outer "$tmp/dwz.out"
check "dwz, supplementary file's stream damaged: said" \
  grep -q "warning: $tmp/dwz/dwz4_gcc: dwz supplementary file $tmp/dwz/dwz4_common.debug: .debug_info does not inflate to the [0-9]* bytes its header claims (zlib); left out; names kept there are missing" "$tmp/dwz.err"

# --- the tools' own jemalloc ignores MALLOC_CONF (meant for the program being profiled) -------
# Every way jemalloc writes a profile: at intervals, at each new high, at exit (after main
# returns: --help), and an option it does not know, which it would name on stderr.
if grep -aq "<jemalloc>: " "$M" || ldd "$M" | grep -q libjemalloc; then  # static or shared
  conf="prof:true,lg_prof_sample:0,lg_prof_interval:10,prof_gdump:true,prof_final:true"
  conf="$conf,prof_leak:true,prof_prefix:$tmp/own,no_such_option:1"
  main_at=$(nm "$FX/pie_gcc" | awk '$3 == "main" {print $1}')
  MALLOC_CONF=$conf JE_MALLOC_CONF=$conf "$M" -e "$FX/pie_gcc" -f "$main_at" \
    > "$tmp/conf.out" 2> "$tmp/conf.err"
  MALLOC_CONF=$conf "$M" --help > /dev/null 2>> "$tmp/conf.err"
  check "MALLOC_CONF: answered" test "$(sed -n 1p "$tmp/conf.out")" = main
  check "MALLOC_CONF: jemalloc did not read it" test ! -s "$tmp/conf.err"
  check "MALLOC_CONF: no heap profile of the tool's own" test -z "$(ls "$tmp" | grep '^own')"
  # Its own settings (tools/allocator.cpp) are read: where the kernel offers transparent huge
  # pages on request, jemalloc asks for them (madvise: "hg" in the mapping's VmFlags; whether
  # the kernel found a free huge page is the kernel's business). Asked while the tool waits.
  thp=/sys/kernel/mm/transparent_hugepage/enabled
  if grep -q '\[always\]\|\[madvise\]' "$thp" 2>/dev/null; then
    coproc waiting { exec "$M" -e "$FX/pie_gcc" -f; }
    echo "$main_at" >&"${waiting[1]}"
    read -r -t 30 answered <&"${waiting[0]}" || answered=
    asked=$(grep -c '^VmFlags:.* hg' "/proc/$waiting_PID/smaps")
    huge=$(awk '$1 == "AnonHugePages:" {print $2}' "/proc/$waiting_PID/smaps_rollup")
    exec {waiting[1]}>&-
    wait "$waiting_PID"
    check "jemalloc settings: answered while waiting" test "$answered" = main
    check "jemalloc settings: huge pages asked for ($asked mappings; $huge kB in them)" \
      test "$asked" -gt 0
  fi
else
  echo "mapresolve is not linked with jemalloc (allocator=system, or a sanitizer): checks skipped"
fi

# --- Data addresses: variables, not code ---------------------------------------------------------
# Random addresses in every allocated section that is not code (.rodata, .data, .bss, ...) of a
# C and a C++ program with globals, built with gcc and clang: llvm style as llvm-symbolizer-19
# prints them, gnu style as addr2line, except where GNU prints the empty name of an STT_FILE
# symbol as ":?" (the linker's local labels after it, such as __GNU_EH_FRAME_HDR).
mkdir -p "$tmp/data"
cat > "$tmp/data/d.c" <<'EOF_C'
#include <stdio.h>
int counter = 5;
const char greeting[] = "hello world";
struct S { int a; double b; } table[10] = {{1, 2.0}};
static int zeros[64];
int main(void) { zeros[counter] = 1; printf("%s %f %d\n", greeting, table[0].b, zeros[5]); return 0; }
EOF_C
cat > "$tmp/data/cx.cpp" <<'EOF_CXX'
#include <cstdio>
#include <string>
namespace ns { struct K { static int count; static const double table[4]; };
int K::count = 3; const double K::table[4] = {1, 2, 3, 4}; }
static std::string name = "abc";
int get() { static int calls = 0; return ++calls + ns::K::count; }
int main() { std::printf("%d %s %f\n", get(), name.c_str(), ns::K::table[2]); }
EOF_CXX
gcc -O2 -g "$tmp/data/d.c" -o "$tmp/data/d_gcc" && clang-19 -O2 -g "$tmp/data/d.c" -o "$tmp/data/d_clang" &&
  g++ -O2 -g "$tmp/data/cx.cpp" -o "$tmp/data/cx_gcc" &&
  clang++-19 -O2 -g "$tmp/data/cx.cpp" -o "$tmp/data/cx_clang" || bad "data: programs built"
RANDOM=7
for f in d_gcc d_clang cx_gcc cx_clang; do
  exe=$tmp/data/$f
  readelf -SW "$exe" | sed 's/^ *\[ *[0-9]*\]//' |
    awk '$7 ~ /A/ && $7 !~ /X/ && $5 != "000000" {print $3, $5}' |
    while read -r start size; do
      for ((k = 0; k < 40; k++)); do printf '0x%x\n' $((16#$start + (RANDOM * 32768 + RANDOM) % 16#$size)); done
    done > "$tmp/data/addrs"
  check "data: $f, addresses drawn from its allocated sections that are not code" \
    test "$(wc -l < "$tmp/data/addrs")" -ge 200
  llvm-symbolizer-19 --obj="$exe" < "$tmp/data/addrs" > "$tmp/data/llvm.ref"
  "$M" --output=llvm -e "$exe" < "$tmp/data/addrs" > "$tmp/data/llvm.out"
  check "data: $f, $(wc -l < "$tmp/data/addrs") addresses, llvm style as llvm-symbolizer" \
    cmp -s "$tmp/data/llvm.ref" "$tmp/data/llvm.out"
  addr2line -f -e "$exe" < "$tmp/data/addrs" | paste - - | grep -v $'\t:?$' > "$tmp/data/gnu.ref"
  "$M" -f -e "$exe" < "$tmp/data/addrs" | paste - - > "$tmp/data/gnu.all"
  addr2line -f -e "$exe" < "$tmp/data/addrs" | paste - - | awk -F'\t' '{print ($2 == ":?")}' |
    paste - "$tmp/data/gnu.all" | awk -F'\t' '$1 == 0 {print $2 "\t" $3}' > "$tmp/data/gnu.out"
  check "data: $f, gnu style as addr2line ($(wc -l < "$tmp/data/gnu.ref") answers)" \
    cmp -s "$tmp/data/gnu.ref" "$tmp/data/gnu.out"
  # Named by the variable, with its size and the line that declares it (clang names the
  # declaration in the class, gcc the definition).
  at=$(nm "$exe" | awk '$3 == "counter" || $3 == "_ZN2ns1K5countE" {print $1}')
  "$M" --output=default -e "$exe" "0x$at" > "$tmp/data/default.out"
  check "data: $f, the default style names the variable and its declaration" \
    grep -Eq '^    (counter|ns::K::count): data, not code \(4 bytes\), declared at .*(d.c:2|cx.cpp:[34])$' \
    "$tmp/data/default.out"
  "$M" --output=json -e "$exe" "$(printf '0x%x' $((16#$at + 2)))" > "$tmp/data/json.out"
  value=$(printf '0x%x' $((16#$at)))
  check "data: $f, json gives the variable and the reason" grep -Eq \
    '"symbol":\{"name":"[^"]+","value":"'"$value"'","size":4,"offset":"0x2"\}.*"data":\{"name":"(counter|ns::K::count)",.*"line":[234]\},"reason":"data"' \
    "$tmp/data/json.out"
done
check "data: --explain shows the symbol and the variable" grep -Pzq \
  'Symbol counter \(value 0x[0-9a-f]+, size 4\) covers it: .* = \+0x2\n(.*\n)*     No frames: data, not code \(outside every executable section\)\. The variable counter holds it, declared at .*d\.c:2\.' \
  <("$M" --explain -e "$tmp/data/d_gcc" "$(printf '0x%x' $((16#$(nm "$tmp/data/d_gcc" | awk '$3 == "counter" {print $1}') + 2)))")
calls=$(nm "$tmp/data/cx_gcc" | awk '$3 == "_ZZ3getvE5calls" {print $1}')
check "data: a function's static is named as its symbol demangles" \
  grep -q '^    get()::calls: data, not code (4 bytes), declared at .*cx.cpp:6$' \
  <("$M" --output=default -e "$tmp/data/cx_gcc" "0x$calls")

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
