"""The import-time ABI check, and the prototype table against the headers."""
import ctypes
import importlib.util
import os
import subprocess
import sys

import pytest

import jjair
from jjair import _lib
from conftest import HERE, REPO


def mirror_sizes():
    return {name: ctypes.sizeof(cls) for name, cls in _lib.MIRRORS.items()}


def test_the_loaded_library_passes():
    _lib.check_abi(jjair._LIB, jjair.library_path())
    assert jjair.version().startswith(f"{_lib.VERSION_MAJOR}.")


@pytest.mark.parametrize("change, expect", [
    (dict(abi_version=_lib.ABI_VERSION + 1), "ABI version"),
    (dict(major=_lib.VERSION_MAJOR + 1), "the binding needs 1.x"),
])
def test_version_mismatch_is_refused(change, expect):
    with pytest.raises(ImportError) as info:
        _lib.check_abi(jjair._LIB, "/some/libjjair.so.0", **change)
    assert "/some/libjjair.so.0" in str(info.value) and expect in str(info.value)


@pytest.mark.parametrize("name, delta, refused", [
    ("jj_engine_config", 8, True),
    ("jj_engine_config", -8, True),
    ("jj_sample", 8, True),
    ("jj_error", -4, True),
    ("jj_event", 8, True),     # the library's event smaller than the mirror
    ("jj_event", -8, False),   # larger: fields appended, the mirror reads its own
])
def test_struct_size_mismatch(name, delta, refused):
    sizes = mirror_sizes()
    sizes[name] += delta
    if refused:
        with pytest.raises(ImportError, match=f"sizeof\\({name}\\)"):
            _lib.check_abi(jjair._LIB, "lib.so", sizes=sizes)
    else:
        _lib.check_abi(jjair._LIB, "lib.so", sizes=sizes)


def test_unknown_struct_is_refused():
    with pytest.raises(ImportError, match="jj_nosuch unknown"):
        _lib.check_abi(jjair._LIB, "lib.so", sizes={"jj_nosuch": 8})


def test_missing_library_import_error(tmp_path):
    env = dict(os.environ, JJAIR_LIBRARY=str(tmp_path / "libjjair.so.0"),
               PYTHONPATH=str(HERE.parent))
    out = subprocess.run([sys.executable, "-c", "import jjair"], env=env, capture_output=True,
                         text=True)
    assert out.returncode != 0
    assert "ImportError" in out.stderr and str(tmp_path / "libjjair.so.0") in out.stderr


def test_sample_layout():
    assert ctypes.sizeof(_lib.jj_sample) == 24
    assert [(f, getattr(_lib.jj_sample, f).offset) for f, _ in _lib.jj_sample._fields_] == [
        ("series", 0), ("flags", 4), ("ts_ms", 8), ("value", 16)]


def header_declarations():
    spec = importlib.util.spec_from_file_location("test_symbols", REPO / "tests" /
                                                  "test_symbols.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.declared_symbols(REPO / "include" / "jjair")


def test_every_api_function_is_bound_or_listed_unbound():
    declared = set(header_declarations())
    bound, unbound = set(_lib.PROTOTYPES), set(_lib.UNBOUND)
    assert not bound & unbound, "both bound and unbound"
    assert declared - bound - unbound == set(), "neither bound nor listed as unbound"
    assert (bound | unbound) - declared == set(), "not declared in include/jjair"
    assert all(reason.strip() for reason in _lib.UNBOUND.values())
    for name in bound:  # declared on the loaded library with a restype
        assert getattr(jjair._LIB, name).argtypes is not None


def test_every_bound_function_is_used():
    """The table holds what the package calls, nothing more (else: UNBOUND)."""
    sources = "".join(p.read_text(encoding="utf-8")
                      for p in (HERE.parent / "jjair").glob("*.py"))
    unused = [n for n in _lib.PROTOTYPES if f"lib.{n}" not in sources.replace("_LIB.", "lib.")]
    assert unused == []
