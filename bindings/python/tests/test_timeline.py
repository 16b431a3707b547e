"""examples/python/seoul_timeline.py runs and writes a 1600 x 900 PNG."""
import os
import struct
import subprocess
import sys

import pytest

import jjair
from conftest import HERE, REPO

pytest.importorskip("pandas")
pytest.importorskip("matplotlib")


def test_seoul_timeline_png(tmp_path, korea_rules):
    out = tmp_path / "seoul.png"
    env = dict(os.environ, PYTHONPATH=str(HERE.parent), JJAIR_LIBRARY=jjair.library_path(),
               MPLCONFIGDIR=str(tmp_path / "mpl"))
    res = subprocess.run([sys.executable, str(REPO / "examples" / "python" / "seoul_timeline.py"),
                          str(out), "--from", "2019-01-01", "--to", "2019-04-01"],
                         env=env, check=True, capture_output=True, text=True)
    assert str(out) in res.stdout and "133 events" in res.stdout
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1600, 900)
    assert len(data) > 20000  # lines and spans, not a blank canvas


def test_fire_ramp_png(tmp_path, korea_rules):
    pytest.importorskip("numpy")
    out = tmp_path / "fire.png"
    env = dict(os.environ, PYTHONPATH=str(HERE.parent), JJAIR_LIBRARY=jjair.library_path(),
               MPLCONFIGDIR=str(tmp_path / "mpl"))
    res = subprocess.run([sys.executable, str(REPO / "examples" / "python" / "fire_ramp.py"),
                          str(out)], env=env, check=True, capture_output=True, text=True)
    alarms = [line.split()[1] for line in res.stdout.splitlines() if line.startswith("alarm ")]
    # The rate of rise sees the ramp first; the fixed threshold later. Both
    # read the one thermistor, which fire-confirmed counts once (distinct:
    # series), so one sensor alone does not confirm a fire.
    assert alarms == ["fire-heat-rate", "fire-heat-fixed"]
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24]) == (1200, 800)
    assert len(data) > 20000
