#!/usr/bin/env bash
# Packaging test (CTest "package"): install the built project into a
# temporary prefix and use it from outside, as a user would:
#   1. cmake --install into <build>/package-test/prefix
#   2. the shared library's SONAME is libjjair.so.<major>
#   3. tests/package/consumer: find_package(jjair) and link jjair::jjair and
#      jjair::jjair_static; run both
#   4. compile consumer/main.c with `pkg-config --cflags --libs jjair` and run
#      it with LD_LIBRARY_PATH pointing into the prefix
# Usage: test_package.sh BUILD_DIR SOURCE_DIR [C_COMPILER] [SANITIZERS] [VERSION]
#   SANITIZERS: the JJ_SANITIZE value of the build (e.g. address,undefined),
#   so the consumers are linked with the same runtime.
set -euo pipefail

build_dir=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
cc="${3:-cc}"
sanitize="${4:-}"
version="${5:-}"

work="$build_dir/package-test"
prefix="$work/prefix"
rm -rf "$work"
mkdir -p "$work"

flags=()
if [ -n "$sanitize" ]; then flags=("-fsanitize=$sanitize" -fno-omit-frame-pointer); fi

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { printf '\n-- %s\n' "$*"; }

step "install into $prefix"
cmake --install "$build_dir" --prefix "$prefix" >"$work/install.log" \
  || { cat "$work/install.log"; fail "cmake --install"; }

libdir=""
for d in "$prefix/lib" "$prefix/lib64" "$prefix"/lib/*-linux-gnu*; do
  if [ -e "$d/libjjair.so" ]; then libdir="$d"; break; fi
done
[ -n "$libdir" ] || fail "no libjjair.so under $prefix: $(cd "$prefix" && find . -type f | sort)"
echo "libdir: $libdir"
for f in "$prefix/include/jjair/jjair.h" "$libdir/libjjair.a" "$libdir/pkgconfig/jjair.pc" \
         "$libdir/cmake/jjair/jjairConfig.cmake" "$libdir/cmake/jjair/jjairConfigVersion.cmake"; do
  [ -e "$f" ] || fail "not installed: ${f#"$prefix"/}"
done

step "SONAME"
major="${version%%.*}"
[ -n "$major" ] || major=0
soname=$(readelf -d "$libdir/libjjair.so" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
echo "SONAME: ${soname:-<none>}"
[ "$soname" = "libjjair.so.$major" ] || fail "SONAME is '${soname}', expected libjjair.so.$major"
[ -e "$libdir/libjjair.so.$major" ] || fail "no libjjair.so.$major symlink in $libdir"

step "CMake consumer: find_package(jjair), jjair::jjair and jjair::jjair_static"
consumer_args=(-S "$source_dir/tests/package/consumer" -B "$work/consumer"
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Debug
  -DCMAKE_C_FLAGS="${flags[*]}" -DCMAKE_EXE_LINKER_FLAGS="${flags[*]}")
if [ -n "$version" ]; then consumer_args+=(-DJJ_EXPECT_VERSION="$version"); fi
if command -v ninja >/dev/null 2>&1; then consumer_args+=(-G Ninja); fi
# Only the install prefix may satisfy find_package, never the build tree or
# the user package registry.
cmake "${consumer_args[@]}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
cmake --build "$work/consumer"

"$work/consumer/consumer_shared" || fail "consumer_shared"
"$work/consumer/consumer_static" || fail "consumer_static"
readelf -d "$work/consumer/consumer_shared" | grep -q "NEEDED.*\[libjjair.so.$major\]" \
  || fail "consumer_shared does not link libjjair.so.$major"
if readelf -d "$work/consumer/consumer_static" | grep -q 'NEEDED.*libjjair'; then
  fail "consumer_static depends on the shared libjjair"
fi
# The shared consumer must run against the installed library, not the build tree.
ldd_out=$(ldd "$work/consumer/consumer_shared" | grep libjjair || true)
echo "consumer_shared: $ldd_out"
case "$ldd_out" in *"$prefix"/*) ;; *) fail "consumer_shared loads libjjair from outside the prefix";; esac

step "pkg-config consumer"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# jjair.pc holds the CMAKE_INSTALL_PREFIX the build was configured with; an
# install elsewhere (--prefix) only works when the .pc file is relocatable
# (prefix=${pcfiledir}/../..). Say so, then let --define-prefix take the
# prefix from where jjair.pc was installed.
pc_prefix=$(pkg-config --variable=prefix jjair)
if [ "$pc_prefix" != "$prefix" ] && [ "$(cd "$pc_prefix" 2>/dev/null && pwd)" != "$prefix" ]; then
  echo "NOTE: jjair.pc is not relocatable: prefix=$pc_prefix (installed under $prefix)"
fi
pc_flags=$(pkg-config --define-prefix --cflags --libs jjair)
echo "pkg-config --cflags --libs jjair: $pc_flags"
pc_version=$(pkg-config --modversion jjair)
if [ -n "$version" ] && [ "$pc_version" != "$version" ]; then
  fail "jjair.pc says version $pc_version, expected $version"
fi
# shellcheck disable=SC2086  # pkg-config output is a word list
"$cc" -std=c99 -Wall -Wextra -Werror "${flags[@]}" -o "$work/consumer_pc" \
  "$source_dir/tests/package/consumer/main.c" $pc_flags
LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$work/consumer_pc" \
  || fail "pkg-config consumer"

echo
echo "package test: OK"
