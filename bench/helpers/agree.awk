# agree.awk: compare two symbolizer outputs in GNU `addr2line -a -f -i` layout, address by
# address, in order.
# Usage: awk -v ref=REF -v got=GOT [-v aliases=FILE] [-v show=N] -f fnkey.awk -f agree.awk
# ALIASES: lines "NAME1 NAME2", names of one address in the symbol table (aliases.awk):
# glibc's `__GI_getaddrinfo` and `getaddrinfo` are one function. SHOW: print the first N
# disagreements on stderr.
# Prints: "N SAME INNER EXACT SKIPPED" = addresses compared; addresses whose whole inline chain agrees
# (same number of frames; per frame the same function and the same file:line), whose innermost
# frame agrees (function and file:line), and whose chain agrees character for character.
# "Same function" compares the function's identifier (fnkey.awk): tools print the same
# function as `void std::sort<...>(...)` (demangled linkage name) or `sort<...>` (DW_AT_name),
# which is a difference of style, not of answer. SKIPPED: addresses for which llvm-symbolizer
# has no function name in some frame (not counted in N).
# Normalised before comparing: spaces in names ("> >" vs ">>"), clone suffixes (" (.cold)",
# " [clone .cold]"), eu-addr2line's " inlined at ... in ..." and ":COLUMN", GNU's
# " (discriminator N)", "??:?" vs "??:0"; file names are compared by base name (GNU joins
# DWARF 5 directories as ./posix/./posix/regcomp.c, LLVM as ./posix/regcomp.c).
function normname(s) {
  sub(/ inlined at .*$/, "", s)
  gsub(/ \[clone [^]]*\]/, "", s)
  sub(/ \(\.[A-Za-z0-9_.]+\)$/, "", s)
  gsub(/[ \t]/, "", s)
  return s
}
function normloc(s) {
  sub(/ \(discriminator [0-9]+\)$/, "", s)
  if (s ~ /:[0-9]+:[0-9]+$/) sub(/:[0-9]+$/, "", s)
  sub(/:\?$/, ":0", s)
  if (s ~ /^\?\?:/) s = "??:0"
  return s
}
# Same function: same identifier, or aliases, or one name is a constructor spelled with the
# class it inherits it from (`_Copy_ctor_base<...>::_Variant_storage(...)`, LLVM's demangling
# of an inheriting constructor, against DW_AT_name `_Copy_ctor_base`).
function samefn(a, b, an, bn) {
  return a == b || ((a, b) in alias) || index(an, "::" b "<") > 0 || index(bn, "::" a "<") > 0
}
function normaddr(s) {
  s = tolower(s); sub(/^0x0*/, "", s); return s
}
# Reads the next record of file f into recname[f, i], recloc[f, i]; returns the frame count,
# or -1 at end of file. pend[f] holds an address line read ahead.
function readrec(f,    line, n, haveaddr, st) {
  n = 0
  if (pend[f] != "") { addr[f] = normaddr(pend[f]); pend[f] = ""; haveaddr = 1 }
  while ((st = (getline line < f)) > 0) {
    if (line ~ /^0x[0-9a-fA-F]+$/) {
      if (haveaddr) { pend[f] = line; return n }
      addr[f] = normaddr(line); haveaddr = 1; continue
    }
    recname[f, n] = normname(line)
    reckey[f, n] = fnkey(recname[f, n])
    if ((getline line < f) <= 0) line = "??:0"
    recfloc[f, n] = normloc(line)
    recloc[f, n] = recfloc[f, n]; sub(/^.*\//, "", recloc[f, n])
    n++
  }
  return haveaddr ? n : -1
}
BEGIN {
  if (aliases != "") while ((getline line < aliases) > 0) { split(line, p, " "); alias[p[1], p[2]] = 1 }
  total = same = inner = exact = skipped = 0
  while (1) {
    a = readrec(ref); b = readrec(got)
    if (a < 0 || b < 0) break
    if (addr[ref] != addr[got]) { total++; continue }
    # Where llvm-symbolizer knows nothing (a frame named ??) it is not a reference: the
    # address is counted apart (SKIPPED), not as agreement or disagreement.
    unk = (a == 0)
    for (i = 0; i < a; i++) if (reckey[ref, i] == "??") unk = 1
    if (unk) { skipped++; continue }
    total++
    if (a > 0 && b > 0 && samefn(reckey[ref, 0], reckey[got, 0], recname[ref, 0], recname[got, 0]) && recloc[ref, 0] == recloc[got, 0]) inner++
    if (a == b) {
      okk = 1; okn = 1; okl = 1
      for (i = 0; i < a; i++) {
        if (!samefn(reckey[ref, i], reckey[got, i], recname[ref, i], recname[got, i])) okk = 0
        if (recname[ref, i] != recname[got, i]) okn = 0
        if (recloc[ref, i] != recloc[got, i]) okl = 0
        if (recfloc[ref, i] != recfloc[got, i]) okn = 0
      }
      if (okk && okl) same++
      if (okn && okl) exact++
      if (!(okk && okl) && show > 0 && shown < show) {
        shown++
        printf "DIFF %s:", addr[ref] > "/dev/stderr"
        for (i = 0; i < a; i++) printf " [%s @ %s]", reckey[ref, i], recloc[ref, i] > "/dev/stderr"
        printf "\n   vs:" > "/dev/stderr"
        for (i = 0; i < b; i++) printf " [%s @ %s]", reckey[got, i], recloc[got, i] > "/dev/stderr"
        printf "\n" > "/dev/stderr"
      }
    } else if (show > 0 && shown < show) {
      shown++
      printf "DIFF %s: %d vs %d frames:", addr[ref], a, b > "/dev/stderr"
      for (i = 0; i < a; i++) printf " [%s @ %s]", reckey[ref, i], recloc[ref, i] > "/dev/stderr"
      printf "\n   vs:" > "/dev/stderr"
      for (i = 0; i < b; i++) printf " [%s @ %s]", reckey[got, i], recloc[got, i] > "/dev/stderr"
      printf "\n" > "/dev/stderr"
    }
  }
  printf "%d %d %d %d %d\n", total, same, inner, exact, skipped
}
