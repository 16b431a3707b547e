#!/usr/bin/env bash
# Header test (CTest "headers"): every public header compiles on its own, and
# the umbrella jjair.h compiles, as strict C99 and as C++11 (public headers
# are usable from C99 and C++ callers).
# Usage: test_headers.sh INCLUDE_DIR [C_COMPILER] [CXX_COMPILER]
set -euo pipefail

include_dir=$(cd "$1" && pwd)
cc="${2:-cc}"
cxx="${3:-g++}"
case "$cxx" in
  ""|*NOTFOUND*) echo "FAIL: no C++ compiler (g++) found; install it (bash .ci/setup)" >&2; exit 1;;
esac
command -v "$cxx" >/dev/null 2>&1 || { echo "FAIL: C++ compiler '$cxx' not found" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

c_flags=(-std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only)
cxx_flags=(-std=c++11 -pedantic -Wall -Wextra -Werror -fsyntax-only -x c++)
failed=0
n=0
for header in "$include_dir"/jjair/*.h; do
  name="jjair/$(basename "$header")"
  # Include twice: the include guard must work too.
  # The typedef keeps a macro-only header from being an empty unit (-pedantic).
  printf '#include "%s"\n#include "%s"\ntypedef int jj_header_test_unit;\n' "$name" "$name" \
    >"$work/tu.c"
  # The public API macros must not be needed by the consumer, and the
  # JJ_STATIC spelling of JJ_API must compile too.
  for def in "" -DJJ_STATIC; do
    if ! "$cc" "${c_flags[@]}" $def -I"$include_dir" "$work/tu.c"; then
      echo "FAIL: $name as C99 ($cc ${c_flags[*]} $def)"; failed=1
    fi
    if ! "$cxx" "${cxx_flags[@]}" $def -I"$include_dir" "$work/tu.c"; then
      echo "FAIL: $name as C++11 ($cxx ${cxx_flags[*]} $def)"; failed=1
    fi
  done
  n=$((n + 1))
done

# In C++, the API must have C linkage: a function declared in jjair.h and
# referenced from C++ has to resolve to the unmangled jj_* name.
cat >"$work/linkage.cpp" <<'CPP'
#include "jjair/jjair.h"
const char *(*volatile probe)(void) = &jj_version;
int main() { return probe != 0 ? 0 : 1; }
CPP
if ! "$cxx" -std=c++11 -c -I"$include_dir" -o "$work/linkage.o" "$work/linkage.cpp"; then
  echo "FAIL: jjair.h in a C++ translation unit"; failed=1
elif nm "$work/linkage.o" | grep -q '_Z[0-9]*jj_version'; then
  echo "FAIL: jj_version has C++ linkage in jjair.h (missing extern \"C\")"; failed=1
fi

if [ "$failed" -ne 0 ]; then exit 1; fi
echo "headers: $n headers OK as C99 and C++11"
