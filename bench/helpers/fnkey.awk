# fnkey.awk: shared by agree.awk and aliases.awk.
# The identifier of a function name: template arguments, parameter lists, return type and
# scope removed ("void ns::f<int>(long) const" -> "f"); lambdas in any spelling -> "lambda".
# Scans from the end, so return types (which may hold anything) never matter.
# A name left mangled (a demangler gave up) gives the last identifier of its nested name.
function fnkey(s,    n, c, d, k, id) {
  if (s ~ /^_Z/) {
    s = substr(s, 3); sub(/^N/, "", s); sub(/^St/, "", s); id = s
    while (match(s, /^[0-9]+/)) {
      n = substr(s, 1, RLENGTH) + 0; id = substr(s, RLENGTH + 1, n); s = substr(s, RLENGTH + 1 + n)
      if (s !~ /^[0-9]/) break
    }
    return id
  }
  gsub(/\[abi:[^]]*\]/, "", s)
  while (1) {
    sub(/[ \t]+$/, "", s)
    if (s ~ / const$/) { sub(/ const$/, "", s); continue }
    if (s ~ /[&*]$/) { sub(/[&*]+$/, "", s); continue }
    if (s ~ /operator\(\)$/) return "operator()"
    if (s ~ /operator[^A-Za-z0-9_ ]+$/) { sub(/^.*operator/, "operator", s); return s }
    n = length(s); c = substr(s, n, 1)
    if (c == ")" || c == ">" || c == "}") {
      if (c == "}") return "lambda"
      # drop the balanced (...) or <...> group at the end
      d = 0
      for (k = n; k >= 1; k--) {
        c = substr(s, k, 1)
        if (c == ")" || c == ">") d++
        else if (c == "(" || c == "<") { d--; if (d == 0) break }
      }
      if (k < 1) return s
      if (substr(s, k) ~ /^<lambda/) return "lambda"
      s = substr(s, 1, k - 1)
      continue
    }
    break
  }
  sub(/^.*[ :]/, "", s)
  if (s ~ /^'lambda[0-9]*'$/ || s == "") return "lambda"
  return s
}
