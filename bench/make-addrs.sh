#!/usr/bin/env bash
# Address lists for one ELF file, deterministic (fixed seeds), one 0x-prefixed vaddr a line:
#   OUT/NAME-rand-N  N addresses drawn uniformly from .text
#   OUT/NAME-call-N  N call sites: return addresses (the instruction after each `call` in
#                    objdump -d) minus one, i.e. what a symbolizer looks up for a stack frame;
#                    drawn with replacement from all call sites of the file
# for N in 1 1000 100000. Usage: make-addrs.sh ELF OUT NAME
set -euo pipefail
elf=$1 out=$2 name=$3
mkdir -p "$out"
[[ -s $out/$name-call-100000 && -s $out/$name-rand-100000 && $out/$name-call-100000 -nt $elf ]] && exit 0

read -r start size < <(readelf -SW "$elf" | awk '$2 == ".text" { print $4, $6 } $3 == ".text" { print $5, $7 }' | head -1)
objdump -d --no-show-raw-insn "$elf" |
  awk '/^ *[0-9a-f]+:\t/ { a = $1; sub(":", "", a); if (prev) print a; prev = ($2 ~ /^call/) }' > "$out/$name-returns"

awk -v start="$start" -v size="$size" -v out="$out" -v name="$name" '
  function hex(s,    i, n, c) { n = 0; s = tolower(s); sub(/^0x/, "", s)
    for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; n = n * 16 + c }
    return n }
  { ret[n++] = hex($1) - 1 }
  END {
    s = hex(start); z = hex(size)
    split("1 1000 100000", counts, " ")
    for (k = 1; k <= 3; k++) {
      srand(4242 + k)
      f = out "/" name "-rand-" counts[k]
      for (i = 0; i < counts[k]; i++) printf "0x%x\n", s + int(rand() * z) > f
      close(f)
      srand(1717 + k)
      f = out "/" name "-call-" counts[k]
      for (i = 0; i < counts[k]; i++) printf "0x%x\n", ret[int(rand() * n)] > f
      close(f)
    }
  }' "$out/$name-returns"
