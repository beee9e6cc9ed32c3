#!/usr/bin/env bash
# Turns one benchmark result directory (meta.txt, times.tsv, agree.tsv, folds.tsv) into the
# Markdown tables of docs/performance.md. Usage: report.sh RESULT_DIR > results.md
set -euo pipefail
export LC_ALL=C
res=$1
meta() { sed -n "s/^$1=//p" "$res/meta.txt"; }
rel=$(realpath --relative-to="$(dirname "$0")/.." "$res")

# Medians (timed runs only, run > 0) per case and tool: "case tool wall rss bad".
medians=$(awk -F'\t' 'NR > 1 && $3 > 0 {
    k = $1 SUBSEP $2; n[k]++; w[k, n[k]] = $4; m[k, n[k]] = $5; u[k, n[k]] = $7
    if ($6 != "0") bad[k]++
    if (!(k in seen)) { seen[k] = 1; order[++no] = k }
  }
  function med(a, k, cnt,    i, j, t, v) {
    for (i = 1; i <= cnt; i++) v[i] = a[k, i] + 0
    for (i = 2; i <= cnt; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    return cnt % 2 ? v[(cnt + 1) / 2] : (v[cnt / 2] + v[cnt / 2 + 1]) / 2
  }
  END { for (i = 1; i <= no; i++) { k = order[i]; split(k, p, SUBSEP)
    printf "%s %s %.4f %.0f %d %d %.4f\n", p[1], p[2], med(w, k, n[k]), med(m, k, n[k]), bad[k] + 0, n[k], med(u, k, n[k]) } }' "$res/times.tsv")

cat <<EOF
Measured $(meta date), $(meta mode) run ($(meta runs) timed runs per case after one warm-up
round; cases with one address: $(( 2 * $(meta runs) + 1 )) runs), by \`make bench\` in $(( $(meta elapsed_s) / 60 )) min $(( $(meta elapsed_s) % 60 )) s.
Load average at start / end: $(meta load_start) / $(meta load_end) (on $(meta nproc) cores).

**Machine:** $(meta nproc) cores, $(meta cpu), $(meta mem), Linux $(meta kernel), $(meta os).

**Versions:**
- mapresolve / stackfold: $(meta v_mapresolve); $(meta v_stackfold)
- $(meta v_llvm)
- $(meta v_addr2line)
- $(meta v_eu)
- $(meta v_gimli)
- $(meta v_jeprof)
- inputs built with $(meta v_gxx); dumps from $(meta v_clang), $(meta v_python), $(meta v_gdb);
  $(meta v_libc)

**Inputs:** \`big\` = the generated C++ program (bench/gen-bigcpp.sh, 40 translation units,
g++ -O2 -g, DWARF 5): $(( $(meta big_size) / 1048576 )) MiB file, $(( $(meta big_text) / 1024 )) KiB of .text, $(( $(meta big_debug) / 1048576 )) MiB of .debug_*,
$(meta big_calls) call sites, inline chains up to 18 deep. \`libc\` = Debian's libc.so.6 with its
libc6-dbg file (found by build-id; gimli is given $(meta libc_debug | sed 's|.*/\.build-id/|.build-id/|') directly: $(( $(meta libc_debug_size) / 1024 )) KiB,
zlib-compressed DWARF). \`rand\` = uniform in .text; \`call\` = return address − 1 of call
instructions (what a stack frame looks up). \`names\` = function name and file:line of the
innermost frame, no inline chain (\`-f\` without \`-i\`; llvm-symbolizer \`--no-inlines\`).
EOF

echo
echo "### mapresolve and its peers: wall time"
echo
echo "Median seconds per run (one fresh process reading all addresses from stdin), and in"
echo "brackets the ratio to the fastest peer of that row (mapresolve and gimli's symtab-only"
echo "mode excluded from \"best peer\"); **bold** = fastest of the row. \`—\` = not run (see notes)."
echo
table() { # what: wall | cpu | rss
  printf '%s\n' "$medians" | awk -v what="$1" -f <(cat <<'AWK'
function fmt_t(x) { return x < 0.1 ? sprintf("%.3f", x) : (x < 10 ? sprintf("%.2f", x) : sprintf("%.1f", x)) }
function fmt_m(x) { return x < 10240 ? sprintf("%.1f", x / 1024) : sprintf("%.0f", x / 1024) }
function val(c, t) { return what == "wall" ? w[c, t] : (what == "cpu" ? u[c, t] : r[c, t]) }
$1 !~ /^fold-/ {
  c = $1; t = $2
  if (!(c in seen)) { seen[c] = 1; cases[++nc] = c }
  w[c, t] = $3; r[c, t] = $4; bad[c, t] = $5; u[c, t] = $7; has[c, t] = 1
}
END {
  ntools = split("mapresolve llvm-symbolizer addr2line eu-addr2line gimli gimli-symtab", tools, " ")
  hdr = "| case |"; sep = "|---|"
  for (i = 1; i <= ntools; i++) { hdr = hdr " " tools[i] " |"; sep = sep "---:|" }
  print hdr; print sep
  for (k = 1; k <= nc; k++) {
    c = cases[k]; best = -1; top = -1
    for (i = 1; i <= ntools; i++) {
      t = tools[i]; if (!has[c, t]) continue
      v = val(c, t)
      if (t != "mapresolve" && t != "gimli-symtab" && (best < 0 || v < best)) best = v
      if (top < 0 || v < top) top = v
    }
    line = "| " c " |"
    for (i = 1; i <= ntools; i++) {
      t = tools[i]
      if (!has[c, t]) { line = line " — |"; continue }
      v = val(c, t)
      s = (what == "rss") ? fmt_m(v) : fmt_t(v)
      if (v == top) s = "**" s "**"
      if (best > 0) s = s sprintf(" (%.2f×)", v / best)
      if (bad[c, t] > 0 && what != "rss") s = s " ⚠"
      line = line " " s " |"
    }
    print line
  }
}
AWK
)
}
table wall
echo
echo "Run-to-run spread of these timings, (slowest − fastest) / fastest per case and tool:"
awk -F'\t' 'NR > 1 && $3 > 0 { k = $1 SUBSEP $2; if (!(k in lo) || $4 < lo[k]) lo[k] = $4; if ($4 > hi[k]) hi[k] = $4
    if (!(k in clo) || $7 < clo[k]) clo[k] = $7; if ($7 > chi[k]) chi[k] = $7 }
  END { n = 0; for (k in lo) { n++; s[n] = (hi[k] - lo[k]) / lo[k]; cs[n] = (chi[k] - clo[k]) / clo[k] }
    for (i = 2; i <= n; i++) { t = s[i]; for (j = i - 1; j >= 1 && s[j] > t; j--) s[j + 1] = s[j]; s[j + 1] = t }
    for (i = 2; i <= n; i++) { t = cs[i]; for (j = i - 1; j >= 1 && cs[j] > t; j--) cs[j + 1] = cs[j]; cs[j + 1] = t }
    printf "median %.0f%%, worst %.0f%% (wall); median %.0f%%, worst %.0f%% (CPU).\n", \
      100 * s[int((n + 1) / 2)], 100 * s[n], 100 * cs[int((n + 1) / 2)], 100 * cs[n] }' "$res/times.tsv"
echo
echo "### CPU time"
echo
echo "Median user + system seconds of the same runs (with descendants: jeprof's nm/addr2line),"
echo "less disturbed than wall time by another job on the machine; ratio to the best peer."
echo
table cpu
echo
echo "### Peak resident memory"
echo
echo "Median peak RSS in MiB (\`wait4\` ru_maxrss of the process), ratio to the smallest peer."
echo
table rss
echo
echo "### Agreement with llvm-symbolizer"
echo
echo "Per address, over every address of the case (bench/helpers/agree.awk): **same** = the"
echo "same number of frames and, frame by frame, the same function (its identifier: return type,"
echo "scope, template arguments and parameters set aside, since tools spell one function"
echo "differently; names of one address in the symbol table count as one) and the same"
echo "file:line (base name: GNU and LLVM join DWARF 5 directories differently); in brackets:"
echo "the innermost frame alone agrees. Addresses where llvm-symbolizer itself names no"
echo "function (\`??\`) in some frame are not a reference and are left out (column *skipped*)."
echo "\`exact\` = every name and path character for character (after whitespace)."
echo
awk -F'\t' 'NR > 1 {
    c = $1; t = $2
    if (!(c in seen)) { seen[c] = 1; cases[++nc] = c }
    v[c, t] = $3 > 0 ? sprintf("%.1f%% (%.1f%%)", 100 * $4 / $3, 100 * $5 / $3) : "—"
    x[c, t] = $3 > 0 ? sprintf("%.0f%%", 100 * $6 / $3) : "—"
    has[c, t] = 1; n[c] = $3; sk[c] = $7
  }
  END {
    ntools = split("mapresolve addr2line eu-addr2line gimli", tools, " ")
    printf "| case | addresses | skipped |"; for (i = 1; i <= ntools; i++) printf " %s |", tools[i]
    printf " exact: mapresolve / addr2line / eu / gimli |\n"
    printf "|---|---:|---:|";   for (i = 1; i <= ntools; i++) printf "---:|"; print "---:|"
    for (k = 1; k <= nc; k++) {
      c = cases[k]; printf "| %s | %d | %d |", c, n[c], sk[c]
      for (i = 1; i <= ntools; i++) printf " %s |", has[c, tools[i]] ? v[c, tools[i]] : "—"
      e = ""
      for (i = 1; i <= ntools; i++) e = e (i > 1 ? " / " : "") (has[c, tools[i]] ? x[c, tools[i]] : "—")
      print " " e " |"
    }
  }' "$res/agree.tsv"
echo
echo "### stackfold against jeprof --collapsed"
echo
echo "Median wall seconds (CPU seconds, user + system with descendants) and peak RSS (MiB) of $(( 2 * $(meta runs) + 1 )) runs"
echo "($(meta runs) for jeprof), interleaved. \`read\` = \`cat\` of every file stackfold needs"
echo "(the dump, each file mapped executable in it, their build-id debug files) to /dev/null;"
echo "\`mmap\` = mapping those files and touching one byte per page (bench/helpers/touchfiles.c);"
echo "\`+inflate\` = that, and inflating on one thread the compressed debug sections a symbolizer"
echo "reads (\`touchfiles -z\`: what any tool must do to see the DWARF of Debian's -dbg files);"
echo "page cache warm for all. Totals: the sum of the folded values (bytes in use)."
echo
printf '%s\n' "$medians" | awk -v folds="$res/folds.tsv" '
  function fmt_t(x) { return x < 0.1 ? sprintf("%.3f", x) : (x < 10 ? sprintf("%.2f", x) : sprintf("%.1f", x)) }
  BEGIN { FS = "\t"
    while ((getline l < folds) > 0) { split(l, f, "\t"); if (f[1] == "dump") continue
      nd++; d[nd] = f[1]; stacks[f[1]] = f[2]; files[f[1]] = f[3]; bytes[f[1]] = f[4]
      st[f[1]] = f[6]; jt[f[1]] = f[7] ":" f[8]; stl[f[1]] = f[5]; jl[f[1]] = f[7]; jtt[f[1]] = f[8] }
    FS = " " }
  $1 ~ /^fold-/ { c = substr($1, 6); w[c, $2] = $3; r[c, $2] = $4; bad[c, $2] = $5; u[c, $2] = $7 }
  END {
    print "| dump | stacks | files (MiB) | stackfold | jeprof | stackfold ÷ jeprof | CPU stackfold / jeprof | read | mmap | stackfold ÷ mmap | +inflate | stackfold ÷ +inflate | RSS stackfold | RSS jeprof | total stackfold / jeprof |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= nd; i++) { c = d[i]
      inf = w[c, "inflate-files"]
      inf_t = "–"; inf_r = "–"
      if (inf != "") inf_t = fmt_t(inf)
      if (inf + 0 > 0) inf_r = sprintf("%.1f×", w[c, "stackfold"] / inf)
      printf "| %s | %d | %d (%.0f) | %s%s | %s%s | %.3f× | %s / %s | %s | %s | %.1f× | %s | %s | %.1f | %.1f | %.0f / %.0f (%+.4f%%) |\n", \
        c, stacks[c], files[c], bytes[c] / 1048576, fmt_t(w[c, "stackfold"]), bad[c, "stackfold"] ? " ⚠" : "", \
        fmt_t(w[c, "jeprof"]), bad[c, "jeprof"] ? " ⚠" : "", \
        w[c, "stackfold"] / w[c, "jeprof"], fmt_t(u[c, "stackfold"]), fmt_t(u[c, "jeprof"]), \
        fmt_t(w[c, "cat-files"]), fmt_t(w[c, "mmap-files"]), \
        w[c, "stackfold"] / w[c, "mmap-files"], inf_t, inf_r, r[c, "stackfold"] / 1024, r[c, "jeprof"] / 1024, \
        st[c], jtt[c], (jtt[c] > 0 ? 100 * (st[c] - jtt[c]) / jtt[c] : 0)
    }
  }'
echo
if awk -F'\t' 'NR > 1 && $3 > 0 && $6 != "0" { found = 1 } END { exit !found }' "$res/times.tsv"; then
  echo "⚠ runs that did not exit 0 (status or \"timeout\"):"
  echo
  awk -F'\t' 'NR > 1 && $3 > 0 && $6 != "0" { printf "- %s %s run %s: %s\n", $1, $2, $3, $6 }' "$res/times.tsv"
  echo
fi
if [[ -f $res/scaling.md ]]; then
  echo "### Scaling"
  echo
  echo "stackfold on the gdb dump with its records repeated (xN: same stacks, values multiplied; the"
  echo "largest about 1 GB), and on dumps of N distinct stacks of 8-40 frames made from its maps"
  echo "(stacks-N: drawn from its own addresses; random-N: random code addresses, about 24 distinct"
  echo "addresses per stack; bench/helpers/distinct_stacks.py); mapresolve on libc with inline"
  echo "frames. A last column near 1× or below means linear or better; peak RSS staying flat over"
  echo "the xN rows means bounded memory (distinct stacks and addresses must be held)."
  echo
  cat "$res/scaling.md"
  echo
fi
echo "Raw data: \`$rel\` (times.tsv: every run; agree.tsv; out/*.diff: the first"
echo "disagreements of each tool and case)."
