#!/usr/bin/env bash
# Scaling: does time grow linearly and memory stay bounded as inputs grow?
#   stackfold on one real dump with its records repeated 1, 10, 100 and 600 times (up to ~1 GB
#   of text; the same stacks, values multiplied), on 20 000 and 200 000 distinct stacks made
#   from its maps (helpers/distinct_stacks.py: from its own addresses, and from random ones), and
#   mapresolve on 10 000, 100 000 and 1 000 000 addresses (libc with libc6-dbg, inline frames).
# Usage: scaling.sh STACKFOLD MAPRESOLVE DUMP LIBC ADDRS_100000 RESULT_DIR
# Writes RESULT_DIR/scaling.tsv and RESULT_DIR/scaling.md; the big dumps live in RESULT_DIR/tmp
# only while measured.
set -euo pipefail
stackfold=$1 mapresolve=$2 dump=$3 libc=$4 addrs=$5 res=$6
here=$(cd "$(dirname "$0")" && pwd)
runone=${RUNONE:?set RUNONE to bench-helpers/runone}
copies=${SCALING_COPIES:-1 10 100 600}
tmp=$res/tmp
mkdir -p "$tmp"
tsv=$res/scaling.tsv
printf 'tool\tinput\tsize_bytes\twall_s\tcpu_s\trss_kib\n' > "$tsv"

# One run; runone prints "WALL RSS_KIB STATUS CPU". Extra runone options before "--".
measure() {
  local tool=$1 input=$2 size=$3
  shift 3
  local line wall rss status cpu
  line=$("$runone" -t 900 "$@")
  read -r wall rss status cpu <<<"$line"
  [[ $status == 0 ]] || echo "scaling: $tool $input exited with $status" >&2
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$input" "$size" "$wall" "$cpu" "$rss" >> "$tsv"
}

for n in $copies; do
  big=$tmp/dump-x$n.heap
  python3 "$here/helpers/repeat_dump.py" "$dump" "$n" "$big"
  measure stackfold "x$n" "$(stat -c %s "$big")" -- "$stackfold" "$big"
  rm -f "$big"
done

# Distinct stacks: N stacks drawn from the dump's own addresses ("stacks-N"), and N stacks of
# random code addresses ("random-N": the distinct addresses grow with N as well).
for n in ${SCALING_STACKS:-20000 200000}; do
  for kind in stacks random; do
    big=$tmp/$kind-$n.heap
    python3 "$here/helpers/distinct_stacks.py" "$dump" "$n" "$big" \
        $([[ $kind == random ]] && echo --random-pcs)
    measure stackfold "$kind-$n" "$(stat -c %s "$big")" -- "$stackfold" "$big"
    rm -f "$big"
  done
done

for n in 10000 100000 1000000; do
  list=$tmp/addrs-$n
  awk -v n="$n" '{ a[NR] = $0 } END { for (i = 0; i < n; i++) print a[i % NR + 1] }' "$addrs" > "$list"
  measure mapresolve "$n" "$n" -i "$list" -- "$mapresolve" -e "$libc" -a -f -i -C
  rm -f "$list"
done
rmdir "$tmp" 2>/dev/null || true

{
  echo "| tool | input | size | wall s | CPU s | peak RSS MiB | CPU per MB or per 1 000 addresses, vs the smallest input |"
  echo "|---|---|---|---|---|---|---|"
  awk -F'\t' 'NR > 1 {
      unit = ($1 == "stackfold") ? $3 / 1e6 : $3 / 1e3
      if (!($1 in base)) base[$1] = $5 / unit
      size = ($1 == "stackfold") ? sprintf("%.0f MB", $3 / 1e6) : sprintf("%d addresses", $3)
      printf "| %s | %s | %s | %.2f | %.2f | %.0f | %.2f× |\n", $1, $2, size, $4, $5, $6 / 1024, ($5 / unit) / base[$1]
    }' "$tsv"
} > "$res/scaling.md"
