# aliases.awk: names that share an address in a symbol table, for agree.awk.
# Input: `nm -C --defined-only ELF` (ADDRESS TYPE NAME...). Output: "KEY1 KEY2" for every pair of
# different function identifiers (fnkey) found at one address (glibc's getaddrinfo and
# __GI_getaddrinfo, fts_close and fts64_close).
# Usage: nm -C --defined-only ELF | awk -f fnkey.awk -f aliases.awk
$2 ~ /^[TtWwi]$/ {
  name = $0; sub(/^[^ ]+ [^ ]+ /, "", name); sub(/@.*$/, "", name)
  k = fnkey(name); a = $1
  if (!((a, k) in have)) { have[a, k] = 1; keys[a] = keys[a] " " k }
}
END {
  for (a in keys) {
    n = split(substr(keys[a], 2), ks, " ")
    for (i = 1; i <= n; i++) for (j = 1; j <= n; j++)
      if (i != j && !((ks[i], ks[j]) in done)) { done[ks[i], ks[j]] = 1; print ks[i], ks[j] }
  }
}
