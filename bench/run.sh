#!/usr/bin/env bash
# libsym benchmark: `make bench` (see docs/performance.md).
#
# mapresolve against llvm-symbolizer-19, GNU addr2line, eu-addr2line and gimli's addr2line
# crate (bench/gimli-driver); stackfold against `jeprof --collapsed`. Every peer comes from a
# Debian 12 package; every input is built or recorded on this machine and cached under
# build-bench/bench-inputs.
#
# Environment:
#   BENCH_QUICK=1     a few small cases, 2 timed runs each; docs/performance.md is left alone
#   BENCH_RUNS=N      timed runs per case (default 3; cases with one address, and stackfold and
#                     the file baselines on each dump, get 2N+1)
#   BENCH_TIMEOUT=S   a run still going after S seconds is killed and reported (default 300)
#   BENCH_BUILD=DIR   the release build to use and to cache inputs in (default build-bench)
#   BENCH_DOCS=0      do not update the results section of docs/performance.md
#
# Every case: one untimed warm-up round (its output is kept and checked against
# llvm-symbolizer), then N rounds; in each round every tool runs once, in the same order, as
# a fresh process reading the addresses from a file on stdin and writing to /dev/null.
set -euo pipefail
# Nobody may fetch debug info over the network while timed (eu-addr2line and we both would).
unset DEBUGINFOD_URLS
export LC_ALL=C

root=$(cd "$(dirname "$0")/.." && pwd)
bench=$root/bench
bb=${BENCH_BUILD:-$root/build-bench}
quick=${BENCH_QUICK:-0}
runs=${BENCH_RUNS:-$([[ $quick == 1 ]] && echo 2 || echo 3)}
timeout_s=${BENCH_TIMEOUT:-300}
inputs=$bb/bench-inputs
stamp=$(date -u +%Y%m%d-%H%M%S)
res=$bb/bench-results/$stamp
mkdir -p "$res" "$inputs"
ln -sfn "$stamp" "$bb/bench-results/latest"
t_start=$(date +%s)
log() { printf '[bench %4ds] %s\n' "$(( $(date +%s) - t_start ))" "$*"; }

# ---------------------------------------------------------------------------------------
# 1. Peers, tools, helpers
# ---------------------------------------------------------------------------------------
log "peers: Debian packages"
bash "$bench/install-peers.sh"

log "release build of mapresolve and stackfold in $bb"
if [[ ! -f $bb/build.ninja ]]; then
  meson setup "$bb" --buildtype=release -Dwerror=true >/dev/null
fi
ninja -j1 -C "$bb" tools/mapresolve tools/stackfold >/dev/null
mapresolve=$bb/tools/mapresolve
stackfold=$bb/tools/stackfold

helpers=$bb/bench-helpers
mkdir -p "$helpers"
# touchfiles -z inflates with what libsym's release build inflates with: libdeflate if installed.
deflate=()
if pkg-config --exists libdeflate; then deflate=(-DHAVE_LIBDEFLATE -ldeflate); fi
for h in runone touchfiles; do
  if [[ ! -x $helpers/$h || $bench/helpers/$h.c -nt $helpers/$h || $0 -nt $helpers/$h ]]; then
    cc -O2 -Wall -Werror -o "$helpers/$h" "$bench/helpers/$h.c" -lz -lzstd "${deflate[@]}"
  fi
done
runone=$helpers/runone

log "gimli driver (cargo, offline, Debian's vendored crates)"
# Debian's cargo with Debian's rustc when both are there (reproducible on any Debian 12);
# else whatever cargo is on PATH. Cargo.lock is version 3, readable by both.
if [[ -x /usr/bin/cargo && -x /usr/bin/rustc ]]; then
  cargo_cmd=(env RUSTC=/usr/bin/rustc /usr/bin/cargo)
else
  cargo_cmd=(cargo)
fi
(cd "$bench/gimli-driver" &&
  CARGO_TARGET_DIR=$bb/gimli-driver "${cargo_cmd[@]}" build --release --offline --quiet)
gimli=$bb/gimli-driver/release/gimli-driver

# ---------------------------------------------------------------------------------------
# 2. Inputs
# ---------------------------------------------------------------------------------------
log "inputs: generated C++ binary (first time: ~5 minutes on one core)"
bash "$bench/gen-bigcpp.sh" "$inputs/bigcpp" 40
big=$inputs/bigcpp/big

libc=/lib/x86_64-linux-gnu/libc.so.6
libc_id=$(readelf -n "$libc" | awk '/Build ID/ { print $3 }')
libc_debug=/usr/lib/debug/.build-id/${libc_id:0:2}/${libc_id:2}.debug
[[ -f $libc_debug ]] || { echo "bench: $libc_debug missing (libc6-dbg)" >&2; exit 1; }

log "inputs: address lists"
bash "$bench/make-addrs.sh" "$big" "$inputs/addrs" big
bash "$bench/make-addrs.sh" "$libc" "$inputs/addrs" libc

# Names that share an address (glibc's __GI_ aliases, fts_close = fts64_close) are one
# function for the agreement check.
declare -A aliases=([$big]=$inputs/aliases-big [$libc]=$inputs/aliases-libc)
[[ -s $inputs/aliases-big && $inputs/aliases-big -nt $big ]] ||
  nm -C --defined-only "$big" | awk -f "$bench/helpers/fnkey.awk" -f "$bench/helpers/aliases.awk" > "$inputs/aliases-big"
nm -C --defined-only "$libc_debug" | awk -f "$bench/helpers/fnkey.awk" -f "$bench/helpers/aliases.awk" > "$inputs/aliases-libc"

log "inputs: jemalloc heap dumps (clang-19, python3, gdb)"
bash "$bench/make-dumps.sh" "$inputs/dumps" "$big" "$inputs/bigcpp/src/tu_0.cpp"

# ---------------------------------------------------------------------------------------
# 3. Machine and versions
# ---------------------------------------------------------------------------------------
first() { "$@" 2>&1 | head -1; }
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "mode=$([[ $quick == 1 ]] && echo quick || echo full)"
  echo "runs=$runs"
  echo "nproc=$(nproc)"
  echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "v_mapresolve=$(first "$mapresolve" --version) (meson release, -O3; git $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet HEAD -- libsym tools 2>/dev/null || echo ' plus uncommitted changes to libsym/ or tools/'))"
  echo "v_stackfold=$(first "$stackfold" --version)"
  echo "v_llvm=llvm-symbolizer-19 $(llvm-symbolizer-19 --version | awk '/LLVM version/ { print $NF }') (Debian llvm-19 $(dpkg-query -W -f='${Version}' llvm-19))"
  echo "v_addr2line=$(first addr2line --version)"
  echo "v_eu=$(first eu-addr2line --version)"
  echo "v_gimli=gimli-driver (bench/gimli-driver): addr2line $(dpkg-query -W -f='${Version}' librust-addr2line-dev), gimli $(dpkg-query -W -f='${Version}' librust-gimli-dev), object $(dpkg-query -W -f='${Version}' librust-object-dev); $(first "${cargo_cmd[@]}" --version), $( [[ -x /usr/bin/rustc ]] && first /usr/bin/rustc --version || first rustc --version)"
  echo "v_jeprof=jeprof $(jeprof --version 2>&1 | sed -n 's/.*jemalloc \([0-9.]*\).*/\1/p' | head -1) (Debian libjemalloc-dev $(dpkg-query -W -f='${Version}' libjemalloc-dev)), perl $(perl -e 'printf "%vd", $^V'), $(first nm --version | sed 's/.* //') nm/objdump/addr2line"
  echo "v_gxx=$(first g++ --version)"
  echo "v_clang=$(first clang-19 --version)"
  echo "v_gdb=$(first gdb --version)"
  echo "v_python=$(/usr/bin/python3 --version 2>&1)"
  echo "v_libc=$(dpkg-query -W -f='libc6 ${Version}' libc6), libc6-dbg $(dpkg-query -W -f='${Version}' libc6-dbg)"
  echo "big_size=$(stat -c %s "$big")"
  echo "big_text=$(size -A "$big" | awk '$1 == ".text" { print $2 }')"
  echo "big_debug=$(size -A "$big" | awk '$1 ~ /^\.debug/ { s += $2 } END { print s }')"
  echo "big_calls=$(wc -l < "$inputs/addrs/big-returns")"
  echo "libc_debug=$libc_debug"
  echo "libc_debug_size=$(stat -c %s "$libc_debug")"
} > "$res/meta.txt"

# ---------------------------------------------------------------------------------------
# 4. Symbolizer cases
# ---------------------------------------------------------------------------------------
# tool_cmd TOOL MODE ELF GIMLI_ELF: the command line of TOOL (MODE inline: function, file:line
# and the inline chain; names: function and file:line of the innermost frame only).
tool_cmd() {
  local tool=$1 mode=$2 elf=$3 gelf=$4
  local i=(-i) li=() gi=(-i)
  [[ $mode == names ]] && { i=(); li=(--no-inlines); gi=(); }
  case $tool in
    mapresolve) echo "$mapresolve" -e "$elf" -a -f "${i[@]}" -C ;;
    llvm-symbolizer) echo llvm-symbolizer-19 --output-style=GNU -a -f "${i[@]}" "${li[@]}" -C -e "$elf" ;;
    addr2line) echo addr2line -a -f "${i[@]}" -C -e "$elf" ;;
    eu-addr2line) echo eu-addr2line -a -f "${i[@]}" -C -e "$elf" ;;
    gimli) echo "$gimli" -e "$gelf" "${gi[@]}" ;;
    gimli-symtab) echo "$gimli" -e "$gelf" --names ;;
  esac
}

times=$res/times.tsv
agree=$res/agree.tsv
printf 'case\ttool\trun\twall_s\tmaxrss_kib\tstatus\tcpu_s\n' > "$times"
printf 'case\ttool\tcompared\tsame\tinner\texact\tskipped\n' > "$agree"
mkdir -p "$res/out"

# run_case NAME MODE ELF GIMLI_ELF ADDRFILE RUNS TOOL...
run_case() {
  local name=$1 mode=$2 elf=$3 gelf=$4 addrs=$5 n=$6; shift 6
  local tools=("$@") tool r line out
  log "case $name ($(wc -l < "$addrs") addresses, $mode): ${tools[*]}"
  for tool in "${tools[@]}"; do   # warm-up round, outputs kept
    out=$res/out/$name.$tool
    line=$("$runone" -t "$timeout_s" -i "$addrs" -o "$out" -- $(tool_cmd "$tool" "$mode" "$elf" "$gelf") 2>> "$res/stderr.log")
    printf '%s\t%s\t0\t%s\n' "$name" "$tool" "${line// /$'\t'}" >> "$times"
  done
  for ((r = 1; r <= n; r++)); do
    for tool in "${tools[@]}"; do
      line=$("$runone" -t "$timeout_s" -i "$addrs" -- $(tool_cmd "$tool" "$mode" "$elf" "$gelf") 2>> "$res/stderr.log")
      printf '%s\t%s\t%d\t%s\n' "$name" "$tool" "$r" "${line// /$'\t'}" >> "$times"
    done
  done
  # Agreement with llvm-symbolizer, address by address (all addresses of the case).
  if [[ -s $res/out/$name.llvm-symbolizer ]]; then
    for tool in "${tools[@]}"; do
      [[ $tool == llvm-symbolizer || $tool == gimli-symtab ]] && continue
      printf '%s\t%s\t%s\n' "$name" "$tool" "$(awk -v ref="$res/out/$name.llvm-symbolizer" \
        -v got="$res/out/$name.$tool" -v aliases="${aliases[$elf]}" -v show=20 \
        -f "$bench/helpers/fnkey.awk" -f "$bench/helpers/agree.awk" \
        2> "$res/out/$name.$tool.diff" | tr ' ' '\t')" >> "$agree"
    done
  fi
  # Large outputs are not kept (100 000 addresses with inline chains: ~90 MB per tool).
  find "$res/out" -name "$name.*" -size +20M -delete
}

all=(mapresolve llvm-symbolizer addr2line eu-addr2line gimli)
no_eu=(mapresolve llvm-symbolizer addr2line gimli)   # eu-addr2line: ~11 s per 1 000 here
names=(mapresolve llvm-symbolizer addr2line eu-addr2line gimli gimli-symtab)
names_no_eu=(mapresolve llvm-symbolizer addr2line gimli gimli-symtab)
A=$inputs/addrs
one=$((2 * runs + 1))

if [[ $quick == 1 ]]; then
  run_case big-call-1 inline "$big" "$big" "$A/big-call-1" "$one" "${all[@]}"
  run_case big-call-1k inline "$big" "$big" "$A/big-call-1000" "$runs" "${all[@]}"
  run_case big-names-1k names "$big" "$big" "$A/big-call-1000" "$runs" "${names[@]}"
  run_case libc-call-1k inline "$libc" "$libc_debug" "$A/libc-call-1000" "$runs" "${all[@]}"
else
  run_case big-rand-1 inline "$big" "$big" "$A/big-rand-1" "$one" "${all[@]}"
  run_case big-call-1 inline "$big" "$big" "$A/big-call-1" "$one" "${all[@]}"
  run_case big-rand-1k inline "$big" "$big" "$A/big-rand-1000" "$runs" "${all[@]}"
  run_case big-call-1k inline "$big" "$big" "$A/big-call-1000" "$runs" "${all[@]}"
  run_case big-rand-100k inline "$big" "$big" "$A/big-rand-100000" "$runs" "${no_eu[@]}"
  run_case big-call-100k inline "$big" "$big" "$A/big-call-100000" "$runs" "${no_eu[@]}"
  run_case big-names-1k names "$big" "$big" "$A/big-call-1000" "$runs" "${names[@]}"
  run_case big-names-100k names "$big" "$big" "$A/big-call-100000" "$runs" "${names_no_eu[@]}"
  run_case libc-call-1 inline "$libc" "$libc_debug" "$A/libc-call-1" "$one" "${all[@]}"
  run_case libc-call-1k inline "$libc" "$libc_debug" "$A/libc-call-1000" "$runs" "${all[@]}"
  run_case libc-rand-100k inline "$libc" "$libc_debug" "$A/libc-rand-100000" "$runs" "${no_eu[@]}"
fi

# ---------------------------------------------------------------------------------------
# 5. stackfold against jeprof --collapsed, and against merely reading the files
# ---------------------------------------------------------------------------------------
folds=$res/folds.tsv
printf 'dump\tstacks\tfiles\tbytes\tstackfold_lines\tstackfold_total\tjeprof_lines\tjeprof_total\n' > "$folds"
dumps=(clang python gdb)
[[ $quick == 1 ]] && dumps=(python)
for d in "${dumps[@]}"; do
  dump=$inputs/dumps/$d.heap
  prog=$(cat "$inputs/dumps/$d.prog")
  # The files stackfold needs: the dump, every file mapped executable in it, and the
  # separate debug files found for them by build-id.
  files=$res/out/$d.files
  {
    echo "$dump"
    sed -n '/^MAPPED_LIBRARIES:/,$p' "$dump" | awk '$2 ~ /x/ && $6 ~ /^\// { print $6 }' | sort -u |
      while read -r f; do
        [[ -f $f ]] || continue
        echo "$f"
        id=$(readelf -n "$f" 2>/dev/null | awk '/Build ID/ { print $3; exit }')
        if [[ -n $id && -f /usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug ]]; then
          echo "/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug"
        fi
      done
  } > "$files"
  mapfile -t flist < "$files"
  bytes=$(stat -c %s "${flist[@]}" | awk '{ s += $1 } END { print s }')
  log "dump $d ($(grep -c '^@' "$dump") stacks, ${#flist[@]} files, $((bytes / 1048576)) MiB): stackfold, jeprof, read"
  cmd_of() {
    case $1 in
      stackfold) echo "$stackfold" "$dump" ;;
      jeprof) echo jeprof --collapsed "$prog" "$dump" ;;
      cat-files) echo cat "${flist[@]}" ;;
      mmap-files) echo "$helpers/touchfiles" "${flist[@]}" ;;
      inflate-files) echo "$helpers/touchfiles" -z "${flist[@]}" ;;
    esac
  }
  ftools=(stackfold jeprof cat-files mmap-files inflate-files)
  for tool in "${ftools[@]}"; do
    line=$("$runone" -t "$timeout_s" -o "$res/out/fold-$d.$tool" -- $(cmd_of "$tool") 2>> "$res/stderr.log")
    printf 'fold-%s\t%s\t0\t%s\n' "$d" "$tool" "${line// /$'\t'}" >> "$times"
  done
  # The tools that take a fraction of a second run 2N+1 times (their medians moved by a third
  # between runs of N = 3 on a busy host); jeprof, seconds a run, N times, in the same rounds.
  for ((r = 1; r <= 2 * runs + 1; r++)); do
    for tool in "${ftools[@]}"; do
      [[ $tool == jeprof && $r -gt $runs ]] && continue
      line=$("$runone" -t "$timeout_s" -- $(cmd_of "$tool") 2>> "$res/stderr.log")
      printf 'fold-%s\t%s\t%d\t%s\n' "$d" "$tool" "$r" "${line// /$'\t'}" >> "$times"
    done
  done
  sum() { awk '{ s += $NF } END { printf "%d %.0f\n", NR, s }' "$1"; }
  read -r sl st < <(sum "$res/out/fold-$d.stackfold")
  read -r jl jt < <(sum "$res/out/fold-$d.jeprof")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$d" "$(grep -c '^@' "$dump")" "${#flist[@]}" "$bytes" \
    "$sl" "$st" "$jl" "$jt" >> "$folds"
  rm -f "$res/out/fold-$d.cat-files"
done

# ---------------------------------------------------------------------------------------
# 5b. Scaling: a dump repeated up to ~1 GB, distinct stacks, up to a million addresses
#     (bench/scaling.sh)
# ---------------------------------------------------------------------------------------
if [[ $quick != 1 ]]; then
  log "scaling: stackfold up to ~1 GB of dump, mapresolve up to 1 000 000 addresses"
  RUNONE=$runone bash "$bench/scaling.sh" "$stackfold" "$mapresolve" "$inputs/dumps/gdb.heap" \
    "$libc" "$inputs/addrs/libc-rand-100000" "$res"
fi

echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$res/meta.txt"
echo "elapsed_s=$(( $(date +%s) - t_start ))" >> "$res/meta.txt"

# ---------------------------------------------------------------------------------------
# 6. Report
# ---------------------------------------------------------------------------------------
bash "$bench/report.sh" "$res" > "$res/results.md"
log "results: $res/results.md"
if [[ $quick != 1 && ${BENCH_DOCS:-1} == 1 && -f $root/docs/performance.md ]]; then
  bash "$bench/splice-docs.sh" "$res" && log "updated the results section of docs/performance.md"
fi
cat "$res/results.md"
