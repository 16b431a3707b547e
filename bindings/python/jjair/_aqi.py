"""Air-quality indices (include/jjair/aqi.h): concentration -> index ->
band with the shipped tables (Korean CAI, US EPA AQI 2024), the overall
CAI, and the hourly averaging the indices ask for (NowCast, C24E).

    >>> jjair.aqi_index("cai-pm10", 151)
    251.0
    >>> jjair.aqi_band_name("cai-pm10", jjair.aqi_band("cai-pm10", 251))
    '매우나쁨'

Hourly sequences are given newest first (hours[0] is the latest clock
hour); None or NaN marks a missing hour. Functions return None where the
library has no value (below a table's first band, too few valid hours).
"""
from __future__ import annotations

import ctypes
import math
from typing import List, NamedTuple, Optional, Sequence, Tuple

from . import _LIB, _error_for, _lib

JJ_OK = 0
JJ_EINVAL = 2
JJ_ENAN = 4
JJ_ENODATA = 7
JJ_ERANGE = 12

#: AirKorea's M for C24E (µg/m³): PM2.5 30, PM10 70.
C24E_M_PM25 = 30.0
C24E_M_PM10 = 70.0


class Band(NamedTuple):
    """One band of an index table: concentrations c_lo..c_hi map to the
    indices i_lo..i_hi."""
    c_lo: float
    c_hi: float
    i_lo: float
    i_hi: float
    name: str


def _table(name: str) -> ctypes.c_void_p:
    t = _LIB.jj_aqi_table_find(name.encode())
    if not t:
        raise _error_for(10, f"no index table {name!r} (see jjair.aqi_tables())")
    return t


def aqi_tables() -> List[str]:
    """The names of the shipped tables ("cai-pm25", "aqi-pm25", ...)."""
    return [_LIB.jj_aqi_table_name(_LIB.jj_aqi_table_at(i)).decode()
            for i in range(_LIB.jj_aqi_table_count())]


def aqi_table_bands(table: str) -> List[Band]:
    """The bands of a shipped table, lowest first."""
    t = _table(table)
    out = []
    for i in range(_LIB.jj_aqi_table_bands(t)):
        b = _lib.jj_aqi_band()
        _LIB.jj_aqi_table_band(t, i, ctypes.byref(b))
        out.append(Band(b.c_lo, b.c_hi, b.i_lo, b.i_hi, b.name.decode()))
    return out


def aqi_decimals(table: str) -> int:
    """How many decimals the table truncates concentrations to."""
    return int(_LIB.jj_aqi_table_decimals(_table(table)))


def aqi_truncate(table: str, c: float) -> float:
    """`c` truncated (toward zero) to the table's decimals, as the agency
    specifies before the lookup."""
    return float(_LIB.jj_aqi_truncate(_table(table), float(c)))


def aqi_index(table: str, c: float) -> Optional[float]:
    """The index of concentration `c` (truncated, interpolated, rounded):
    a whole number; above the top band the top index. None below the first
    band (a negative reading; 1-hour ozone below 0.125 ppm) or for NaN."""
    out = ctypes.c_double()
    st = _LIB.jj_aqi_index(_table(table), float(c), ctypes.byref(out))
    if st in (JJ_ERANGE, JJ_ENAN):
        return None
    if st != JJ_OK:
        raise _error_for(st)
    return out.value


def aqi_band(table: str, index: float) -> int:
    """The band (1-based) an index value falls in; 0 for NaN or below the
    first band."""
    return int(_LIB.jj_aqi_band_of_index(_table(table), float(index)))


def aqi_band_name(table: str, band: int) -> str:
    """The name of band `band` (1-based): "나쁨", "Unhealthy"...; "" out of
    range."""
    return _LIB.jj_aqi_band_name(_table(table), int(band)).decode()


def aqi_lookup(table: str, c: float) -> Optional[Tuple[float, int, str]]:
    """(index, band, band name) of concentration `c`, or None like
    aqi_index."""
    i = aqi_index(table, c)
    if i is None:
        return None
    b = aqi_band(table, i)
    return i, b, aqi_band_name(table, b)


def _doubles(values: Sequence[Optional[float]]) -> Tuple[ctypes.Array, int]:
    arr = (ctypes.c_double * max(len(values), 1))(
        *[math.nan if v is None else float(v) for v in values])
    return arr, len(values)


def cai_overall(subindices: Sequence[Optional[float]]) -> Optional[float]:
    """The overall CAI: the largest sub-index, +50 when two are 나쁨 or
    worse (>= 101), +75 when three or more are, at most 500. None when no
    sub-index is given."""
    arr, n = _doubles(subindices)
    out = ctypes.c_double()
    st = _LIB.jj_cai_overall(arr, n, ctypes.byref(out))
    return None if st == JJ_ENODATA else out.value


def nowcast(hours: Sequence[Optional[float]]) -> Optional[float]:
    """The EPA NowCast of hourly PM means, newest first (12 read). None
    unless 2 of the 3 newest hours are present. Not truncated."""
    arr, n = _doubles(hours)
    out = ctypes.c_double()
    st = _LIB.jj_nowcast(arr, n, ctypes.byref(out))
    return None if st == JJ_ENODATA else out.value


def c24e(hours: Sequence[Optional[float]], m: float) -> Optional[Tuple[float, float, float]]:
    """AirKorea's predicted 24-hour PM mean from hourly means, newest
    first: (C12, C4, C24E); `m` is C24E_M_PM25 or C24E_M_PM10. None with
    fewer than 6 of 12 or 2 of the newest 4 hours."""
    arr, n = _doubles(hours)
    c12, c4, out = ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    st = _LIB.jj_c24e(arr, n, float(m), ctypes.byref(c12), ctypes.byref(c4), ctypes.byref(out))
    return None if st == JJ_ENODATA else (c12.value, c4.value, out.value)


__all__ = ["Band", "aqi_tables", "aqi_table_bands", "aqi_decimals", "aqi_truncate", "aqi_index",
           "aqi_band", "aqi_band_name", "aqi_lookup", "cai_overall", "nowcast", "c24e",
           "C24E_M_PM25", "C24E_M_PM10"]
