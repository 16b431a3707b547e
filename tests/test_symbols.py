#!/usr/bin/env python3
"""Symbol/API sync test (CTest "symbols"): the exports and the headers agree.

Checks, for the built shared library:
  1. every exported dynamic symbol (nm -D --defined-only) is named jj_*, and
     never jj__* (the internal prefix);
  2. every exported symbol is declared with JJ_API in a header under
     include/jjair/ (the header is the contract);
  3. every JJ_API declaration in those headers is exported (a declared but
     missing function is an undefined reference for every user). Reported
     as a WARNING, or as a failure with --strict, which CTest passes in
     every build (an optional part left out still exports its functions,
     returning JJ_ENOTSUP);
  4. the Python binding's prototype table plus its list of deliberately
     unbound functions equals the exports; see PYTHON BINDING below.

Usage: test_symbols.py --lib path/to/libjjair.so --include-dir include/jjair
                       [--source-dir .] [--nm nm] [--strict]
Only the standard library is used.
"""
import argparse
import ast
import pathlib
import re
import subprocess
import sys

PUBLIC_NAME = re.compile(r"^jj_[A-Za-z0-9][A-Za-z0-9_]*$")
# JJ_API <return type> name(   or   JJ_API extern <type> name;  (data)
API_DECL = re.compile(r"\bJJ_API\b[^;{}()]*?\b(jj_\w+)\s*(?:\(|;|\[)")


def exported_symbols(nm, lib):
    out = subprocess.run([nm, "-D", "--defined-only", "--format=posix", lib],
                         check=True, capture_output=True, text=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        # Version-script nodes appear as absolute (A) symbols; not code or data.
        if kind == "A":
            continue
        syms.add(name.split("@", 1)[0])
    return syms


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def declared_symbols(include_dir):
    """name -> 'file:line' for every JJ_API declaration in the headers."""
    decls = {}
    for header in sorted(pathlib.Path(include_dir).rglob("*.h")):
        text = strip_comments(header.read_text(encoding="utf-8"))
        # Drop the macro definition of JJ_API itself (export.h).
        text = re.sub(r"#\s*define\s+JJ_API[^\n]*", "", text)
        for m in API_DECL.finditer(text):
            line = text.count("\n", 0, m.start(1)) + 1
            decls.setdefault(m.group(1), f"{header}:{line}")
    return decls


# ---- PYTHON BINDING -------------------------------------------------------
# The C function names bindings/python/jjair/_lib.py accounts for: the keys of
# its PROTOTYPES table (bound) and of UNBOUND (deliberately not bound, each
# with a reason). Read with ast, so the check needs no import of the package.
# main() requires this set to equal the exported set, both ways.
def binding_symbols(source_dir):
    if source_dir is None:
        return None
    path = pathlib.Path(source_dir) / "bindings" / "python" / "jjair" / "_lib.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and node.target.id in ("PROTOTYPES", "UNBOUND") and isinstance(node.value, ast.Dict):
            names.update(k.value for k in node.value.keys if isinstance(k, ast.Constant))
    if not names:
        raise SystemExit(f"{path}: no PROTOTYPES/UNBOUND tables found")
    return names
# ---------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lib", required=True, help="the built libjjair.so")
    ap.add_argument("--include-dir", required=True, help="include/jjair")
    ap.add_argument("--source-dir", default=None, help="repository root (for the binding)")
    ap.add_argument("--nm", default="nm")
    ap.add_argument("--strict", action="store_true",
                    help="a JJ_API declaration without an exported definition is an error")
    args = ap.parse_args()

    exported = exported_symbols(args.nm, args.lib)
    declared = declared_symbols(args.include_dir)
    errors = []
    warnings = []

    if not exported:
        errors.append(f"{args.lib} exports no symbols at all")
    for name in sorted(exported):
        if name.startswith("jj__"):
            errors.append(f"exported internal symbol {name} (jj__ is library-private: make it "
                          "hidden or static)")
        elif not PUBLIC_NAME.match(name):
            errors.append(f"exported symbol {name} lacks the jj_ prefix (make it static, or "
                          "check lib/jjair.map)")
        elif name not in declared:
            errors.append(f"exported symbol {name} is not declared with JJ_API in any header "
                          f"under {args.include_dir}")
    for name, where in sorted(declared.items()):
        if name not in exported:
            (errors if args.strict else warnings).append(f"{where}: {name} is declared JJ_API but not exported by the library "
                          "(missing definition?)")

    bound = binding_symbols(args.source_dir)
    if bound is None:
        print("python binding: no --source-dir, check skipped")
    else:
        for name in sorted(exported - bound):
            errors.append(f"exported {name} is missing from the Python binding's table")
        for name in sorted(bound - exported):
            errors.append(f"the Python binding binds {name}, which the library does not export")

    print(f"{len(exported)} exported symbols, {len(declared)} JJ_API declarations")
    for w in warnings:
        print("WARNING:", w)
    for e in errors:
        print("FAIL:", e)
    if errors:
        return 1
    print("symbols: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
