"""Shared fixtures: the package from this source tree, the repository's rules."""
import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE.parent))  # the jjair package next to these tests

import jjair  # noqa: E402

HOUR = 3600 * 1000


@pytest.fixture(scope="session")
def repo():
    return REPO


@pytest.fixture(scope="session")
def yaml_loader():
    """Skips a test that reads YAML (rules or notifiers) when the library
    was built without the YAML loader (-DJJ_WITH_YAML=OFF)."""
    if not jjair.features() & jjair.FEATURE_YAML:
        pytest.skip("library built without the YAML loader")


@pytest.fixture(scope="session")
def korea_rules(yaml_loader):
    """rules/korea-air.yaml, compiled (needs the YAML loader)."""
    return jjair.Ruleset.from_file(REPO / "rules" / "korea-air.yaml")


def pm25_episode(engine, series, start_hour=0, hours=6, value=200.0):
    """Hourly PM2.5 at `value`: the zone average fires the warning level at
    the close of the second hour."""
    for h in range(start_hour, start_hour + hours):
        engine.push(series, h * HOUR, value)
