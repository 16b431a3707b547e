"""pip installs the package offline (Debian's pip and setuptools), and the
installed copy works against the library given by JJAIR_LIBRARY."""
import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

from conftest import HERE


def test_pip_install_offline(tmp_path):
    for module in ("pip", "setuptools"):  # looked up, not imported (setuptools patches distutils)
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (python3-{module})")
    src = tmp_path / "src"  # a copy: pip writes build files next to the sources
    shutil.copytree(HERE.parent, src, ignore=shutil.ignore_patterns("tests", "__pycache__",
                                                                   "*.egg-info", "build"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation",
                    "--no-index", "--target", str(target), str(src)], check=True,
                   env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1"))
    assert (target / "jjair" / "py.typed").exists()
    import jjair
    env = dict(os.environ, PYTHONPATH=str(target), JJAIR_LIBRARY=jjair.library_path())
    out = subprocess.run([sys.executable, "-c", "import jjair; print(jjair.__file__, "
                          "jjair.version())"], env=env, check=True, capture_output=True,
                         text=True, cwd=tmp_path).stdout
    assert out.startswith(str(target)) and out.split()[1] == jjair.version()
