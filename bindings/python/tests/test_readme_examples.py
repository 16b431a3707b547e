"""The Python examples in README.md and bindings/python/README.md run and
print the events they promise."""
import os
import re
import subprocess
import sys

import pytest

import jjair
from conftest import HERE, REPO

BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


@pytest.mark.parametrize("readme", ["README.md", "bindings/python/README.md"])
def test_readme_python_blocks_run(readme, korea_rules):
    blocks = BLOCK.findall((REPO / readme).read_text(encoding="utf-8"))
    assert blocks, f"no python block in {readme}"
    env = dict(os.environ, PYTHONPATH=str(HERE.parent), JJAIR_LIBRARY=jjair.library_path())
    for code in blocks:
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True,
                             capture_output=True, text=True).stdout
        lines = out.splitlines()
        assert any(" fired " in line for line in lines), out
        assert any(" resolved " in line for line in lines), out
