#!/usr/bin/env bash
# meson install into a temporary root; the docs/library.md example must build against the
# installed copy through pkg-config and run; man pages and tools must be in place; every long
# option of each tool's --help must be documented in its man page.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { local what=$1; shift; if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $what" >&2; fi; }

DESTDIR=$tmp/root meson install -C "$build" --no-rebuild --quiet > "$tmp/install.log" 2>&1
check "meson install succeeds" test $? = 0
prefix=$(meson introspect "$build" --buildoptions | tr ',' '\n' | grep -A3 '"name": "prefix"' | sed -n 's/.*"value": "\(.*\)".*/\1/p' | head -1)
root=$tmp/root$prefix
pc=$(find "$root" -name libsym.pc | head -1)
check "libsym.pc installed" test -n "$pc"
check "headers installed" test -f "$root/include/libsym/symbolizer.h"
check "library installed" test -n "$(find "$root" -name libsym.a)"
check "mapresolve installed" test -x "$root/bin/mapresolve"
check "mapresolve.1 installed" test -f "$root/share/man/man1/mapresolve.1"
check "stackfold installed" test -x "$root/bin/stackfold"
check "stackfold.1 installed" test -f "$root/share/man/man1/stackfold.1"

# The example, exactly as docs/library.md shows it.
awk '/^```cpp$/ {on = 1; next} /^```$/ {on = 0} on' "$src/docs/library.md" > "$tmp/example.cpp"
check "example extracted" test -s "$tmp/example.cpp"
# The installed .pc relocated to where DESTDIR put it (PKG_CONFIG_SYSROOT_DIR would also
# rewrite LLVM's system paths).
mkdir -p "$tmp/pc"
sed "s|^prefix=.*|prefix=$root|" "$pc" > "$tmp/pc/libsym.pc"
flags=$(PKG_CONFIG_PATH=$tmp/pc pkg-config --cflags --libs libsym)
check "pkg-config knows libsym" test $? = 0
# shellcheck disable=SC2086
${EXAMPLE_CXX:-g++} -g -O1 "$tmp/example.cpp" $flags -o "$tmp/example" 2> "$tmp/cc.log"
check "example builds against the installed copy" test $? = 0
cat "$tmp/cc.log" >&2
"$tmp/example" > "$tmp/example.out"
check "example runs" test $? = 0
check "example resolves answer()" grep -q "answer() at .*example.cpp:[0-9]*" "$tmp/example.out"

# Every long option in --help is documented in the man page.
for tool in mapresolve stackfold; do
  check "$tool --help runs" test -x "$build/tools/$tool"
  check "$tool has a man page" test -f "$src/docs/$tool.1"
  for opt in $("$build/tools/$tool" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    escaped=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
    if grep -q -- "$escaped" "$src/docs/$tool.1"; then pass=$((pass + 1)); else
      fail=$((fail + 1)); echo "FAIL: $tool $opt is not in docs/$tool.1" >&2; fi
  done
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
