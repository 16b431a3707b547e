"""The index functions of the Python binding (jjair.aqi_*, cai_overall,
nowcast, c24e) against the check values of the sources (rules/README.md,
"Sources", cai.yaml). Run by CTest (python_cai) with JJAIR_LIBRARY set."""
import math
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "bindings" / "python"))
import jjair  # noqa: E402


def test_tables_listed():
    names = jjair.aqi_tables()
    for n in ("cai-pm25", "cai-pm10", "cai-o3", "cai-no2", "cai-co", "cai-so2", "cai",
              "aqi-pm25", "aqi-pm10", "aqi-o3-8h", "aqi-o3-1h", "aqi-co", "aqi-so2", "aqi-no2"):
        assert n in names
    bands = jjair.aqi_table_bands("cai-pm25")
    assert [b.name for b in bands] == ["좋음", "보통", "나쁨", "매우나쁨"]
    assert (bands[2].c_lo, bands[2].c_hi, bands[2].i_lo, bands[2].i_hi) == (36, 75, 101, 250)
    assert jjair.aqi_decimals("aqi-pm25") == 1
    with pytest.raises(jjair.NotFoundError):
        jjair.aqi_index("cai-pm1", 10)


@pytest.mark.parametrize("table,c,want", [
    ("cai-pm10", 150, 250), ("cai-pm10", 151, 251), ("cai-o3", 0.151, 251),
    ("aqi-pm25", 9.0, 50), ("aqi-pm25", 9.1, 51), ("aqi-pm25", 35.4, 100),
    ("aqi-pm25", 55.5, 151), ("aqi-pm25", 325.4, 500),
    ("aqi-pm25", 9.09, 50), ("cai-co", 2.009, 50), ("cai-pm25", 9999, 500),
])
def test_check_values(table, c, want):
    assert jjair.aqi_index(table, c) == want


def test_lookup_and_bands():
    assert jjair.aqi_lookup("cai-pm25", 36) == (101, 3, "나쁨")
    assert jjair.aqi_lookup("aqi-pm25", 35.5) == (101, 3, "Unhealthy for Sensitive Groups")
    assert jjair.aqi_lookup("aqi-o3-1h", 0.1) is None
    assert jjair.aqi_index("cai-pm25", -1) is None
    assert jjair.aqi_index("cai-pm25", math.nan) is None
    assert jjair.aqi_band("cai", 100) == 2 and jjair.aqi_band("cai", 101) == 3
    assert jjair.aqi_band_name("cai", 4) == "매우나쁨"
    assert jjair.aqi_band_name("cai", 9) == ""
    assert jjair.aqi_truncate("aqi-pm25", 17.4139) == 17.4


def test_overall():
    assert jjair.cai_overall([50, 120, 80]) == 120
    assert jjair.cai_overall([120, 130, 80]) == 180
    assert jjair.cai_overall([120, 130, 101]) == 205
    assert jjair.cai_overall([None, 60]) == 60
    assert jjair.cai_overall([]) is None


def test_nowcast():
    seq = [50, 80, 75, 90, 82, 53, 64, 74, 21, 10, 16, 13]  # oldest -> newest
    v = jjair.nowcast(seq[::-1])
    assert jjair.aqi_truncate("aqi-pm25", v) == 17.4
    assert jjair.nowcast([None, 20, None, 30]) is None
    assert jjair.nowcast([10, None, 40]) == pytest.approx(16.0)


def test_c24e():
    seq = [40, 42, 45, 50, 55, 60, 62, 65, 70, 72, 75, 80]  # oldest -> newest
    c12, c4, c24 = jjair.c24e(seq[::-1], jjair._aqi.C24E_M_PM25)
    assert (round(c12, 3), round(c4, 3), round(c24, 3)) == (59.667, 55.688, 57.677)
    assert jjair.c24e([50] * 5, 30) is None
