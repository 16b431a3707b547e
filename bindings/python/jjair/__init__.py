"""jjair: Python binding (ctypes) for libjjair, air-quality and fire alerts.

    import jjair
    rules = jjair.Ruleset.from_file("rules/korea-air.yaml")
    with jjair.Engine(rules) as engine:
        pm25 = engine.series("pm25", zone="seoul")
        engine.push(pm25, ts_ms, 80.0)
        for event in engine:          # events queued so far, oldest first
            print(event.kind, event.rule, event.level_name, event.time)

Every call that the library answers with a non-OK status raises a
JjairError subclass carrying the library's message: a bad rule file, a
limit reached, an engine used after close() or from its own callback, and
a reading push() could not fully apply (LateError, NanError, RangeError...;
`err.partial` tells whether the other rules still took it). The engine
counts rejected readings too (Engine.stats). push_many() does not raise for
rejected readings: it returns how many were accepted, for bulk loads of
messy data.

The library is found through JJAIR_LIBRARY (a path), then the build tree
(build/libjjair.so.0 of this repository), then the system's library path.
"""
from __future__ import annotations

import ctypes
import dataclasses
import datetime as _dt
import enum
import json
import os
import sys
import threading
import types
from array import array
from ctypes import byref, c_size_t, c_uint32, c_void_p
from typing import (Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple,
                    Union)

from . import _lib

__all__ = [
    "Status", "JjairError", "OutOfMemoryError", "InvalidError", "LateError", "NanError",
    "FullError", "DuplicateError", "NoDataError", "IncompleteError", "LimitError",
    "NotFoundError", "FutureError", "RangeError", "StateError", "StuckError",
    "NotSupportedError", "RuleError", "RuleProblem", "Ruleset", "Engine", "Event", "Stats",
    "Dispatcher", "Notification", "NotifierStats", "SendResult",
    "replay", "aqi_tables", "aqi_table_bands", "aqi_decimals", "aqi_truncate", "aqi_index",
    "aqi_band", "aqi_band_name", "aqi_lookup", "cai_overall", "nowcast", "c24e", "version", "features", "format_duration", "format_time", "fingerprint", "FEATURE_YAML", "FEATURE_PCRE2", "FEATURE_CURL", "library_path", "parse_duration", "ABI_VERSION",
]

ABI_VERSION = _lib.ABI_VERSION


class Status(enum.Enum):
    """jj_status: what a call did (JjairError.status carries one)."""
    OK = 0
    NOMEM = 1
    INVAL = 2
    LATE = 3
    NAN = 4
    FULL = 5
    DUPLICATE = 6
    NODATA = 7
    INCOMPLETE = 8
    LIMIT = 9
    NOTFOUND = 10
    FUTURE = 11
    RANGE = 12
    STATE = 13
    STUCK = 14
    NOTSUP = 15

    @property
    def message(self) -> str:
        """The library's sentence for this status (jj_strerror)."""
        return _strerror(self.value)


class JjairError(Exception):
    """A libjjair call failed. `status` is the Status, `message` the
    library's text (jj_strerror) or a more precise one."""
    status: Optional[Status] = None
    # Set by Engine.push(): True when other rules still took the reading.
    partial: bool = False

    def __init__(self, message: str, status: Optional[Status] = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class OutOfMemoryError(JjairError, MemoryError):
    status = Status.NOMEM


class InvalidError(JjairError, ValueError):
    status = Status.INVAL


class LateError(JjairError):
    status = Status.LATE


class NanError(JjairError, ValueError):
    status = Status.NAN


class FullError(JjairError):
    status = Status.FULL


class DuplicateError(JjairError):
    status = Status.DUPLICATE


class NoDataError(JjairError):
    status = Status.NODATA


class IncompleteError(JjairError):
    status = Status.INCOMPLETE


class LimitError(JjairError):
    status = Status.LIMIT


class NotFoundError(JjairError, LookupError):
    status = Status.NOTFOUND


class FutureError(JjairError):
    status = Status.FUTURE


class RangeError(JjairError):
    status = Status.RANGE


class StateError(JjairError):
    """Not valid now: the engine is closed, or the call came from its own
    event callback."""
    status = Status.STATE


class StuckError(JjairError):
    status = Status.STUCK


class NotSupportedError(JjairError):
    status = Status.NOTSUP


_ERRORS: Dict[int, type] = {cls.status.value: cls for cls in (  # type: ignore[union-attr]
    OutOfMemoryError, InvalidError, LateError, NanError, FullError, DuplicateError,
    NoDataError, IncompleteError, LimitError, NotFoundError, FutureError, RangeError,
    StateError, StuckError, NotSupportedError)}


# Statuses with which jj_engine_push says the reading reached some rules
# but not all (a window could not take it, or a quality gate dropped it).
_PARTIAL = frozenset((Status.FULL.value, Status.NOMEM.value, Status.DUPLICATE.value,
                      Status.RANGE.value, Status.STUCK.value))


def _push_error(code: int) -> JjairError:
    """The exception push() raises for status `code`, with `partial` set."""
    err = _error_for(code)
    err.partial = code in _PARTIAL
    return err


def _error_for(code: int, message: Optional[str] = None) -> JjairError:
    cls = _ERRORS.get(code, JjairError)
    text = message or _strerror(code)
    if cls is JjairError:
        return JjairError(text, None)
    return cls(text)


def _raise_status(result: int, func: Any, args: Any) -> int:
    """errcheck for calls whose non-OK status is an error."""
    if result != 0:
        raise _error_for(result)
    return result


_LIB, _PATH = _lib.load()
_lib.declare(_LIB, _raise_status)
_lib.check_abi(_LIB, _PATH)


# Air-quality indices (jjair/_aqi.py): needs _LIB and _error_for above.
from ._aqi import (aqi_band, aqi_band_name, aqi_decimals, aqi_index,  # noqa: E402
                   aqi_lookup, aqi_table_bands, aqi_tables, aqi_truncate, c24e, cai_overall,
                   nowcast)


def _strerror(code: int) -> str:
    return _LIB.jj_strerror(code).decode()


def _text(b: Optional[bytes]) -> str:
    return b.decode("utf-8", "replace") if b else ""


def _sized_text(fn: Callable[..., int], *args: Any) -> str:
    n = fn(*args, None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    fn(*args, buf, n + 1)
    return buf.value.decode("utf-8", "replace")


def version() -> str:
    """The running library's version, "MAJOR.MINOR.PATCH"."""
    return _LIB.jj_version().decode()


FEATURE_YAML = 0x1  #: the YAML rule loader (Ruleset.from_*)
FEATURE_PCRE2 = 0x2  #: regex label matchers
FEATURE_CURL = 0x4  #: HTTP notifiers


def features() -> int:
    """The optional parts of the running library: FEATURE_* bits."""
    return int(_LIB.jj_features())


def library_path() -> str:
    """The path the library was loaded from."""
    return _PATH


def parse_duration(text: str) -> int:
    """A duration ("90s", "1h30m") in ms, by the library's grammar
    (duration.h). InvalidError with the library's message otherwise."""
    raw = text.encode()
    out = ctypes.c_int64()
    err = _lib.jj_error()
    st = _LIB.jj_duration_parse(raw, len(raw), byref(out), byref(err))
    if st != 0:
        raise _error_for(st, _text(err.message) or None)
    return out.value


def format_duration(ms: int) -> str:
    """`ms` in the duration grammar's shortest form ("1h30m"), by the library."""
    return _sized_text(_LIB.jj_duration_format, ms)


def format_time(ms: int) -> str:
    """`ms` since the epoch as RFC 3339 UTC text, by the library
    ("2024-01-01T04:00:00Z"; milliseconds only when not zero)."""
    return _sized_text(_LIB.jj_time_rfc3339, ms)


def fingerprint(rule: str, labels: Mapping[str, str]) -> str:
    """The alert identity Event.fingerprint carries for `rule` and a series'
    (or group's) labels: Alertmanager's label-set fingerprint, 16 hex digits."""
    keep = [(k.encode(), str(v).encode()) for k, v in labels.items()]
    arr = (_lib.jj_label * max(1, len(keep)))()
    for i, (k, v) in enumerate(keep):
        arr[i].name, arr[i].value = k, v
    return format(_LIB.jj_fingerprint(rule.encode(), arr, len(keep)), "016x")


# ---- rules -------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class RuleProblem:
    """One problem in a rule file: where, and what."""
    file: str
    line: int
    column: int
    message: str
    status: Status

    def __str__(self) -> str:
        where = self.file or "<rules>"
        if self.line:
            where += f":{self.line}:{self.column}"
        return f"{where}: {self.message}"


class RuleError(JjairError):
    """Rule files could not be loaded: `problems` lists every one (file,
    line, column, message), `total` how many the library found."""

    def __init__(self, problems: List[RuleProblem], total: int, status: Status):
        lines = [str(p) for p in problems]
        if total > len(problems):
            lines.append(f"... and {total - len(problems)} more")
        super().__init__("\n".join(lines) or status.message, status)
        self.problems = problems
        self.total = total


_MAX_RULE_ERRORS = 64


def _problems(errs: Any, n: int) -> List[RuleProblem]:
    return [RuleProblem(_text(e.file), e.line, e.column, _text(e.message),
                        Status(e.code) if e.code in _ERRORS else Status.INVAL)
            for e in errs[:n]]


class Ruleset:
    """A compiled, immutable ruleset (jj_ruleset). Shareable by engines and
    threads; an Engine keeps the Ruleset it was made with alive."""

    def __init__(self, _handle: int):
        self._handle: Optional[int] = _handle

    @classmethod
    def from_string(cls, text: str, name: Optional[str] = None) -> "Ruleset":
        """Compile rules from YAML text. `name` is the file name used in
        errors and to resolve `include:`. RuleError lists every problem."""
        raw = text.encode()
        return cls._load(lambda b, errs, nerrs: _LIB.jj_rules_load_string(
            b, raw, len(raw), name.encode() if name else None, errs, _MAX_RULE_ERRORS, nerrs))

    @classmethod
    def from_file(cls, path: Union[str, "os.PathLike[str]"]) -> "Ruleset":
        """Compile the rules in a YAML file (and what it includes).
        RuleError lists every problem with file, line and column."""
        raw = str(path).encode()
        return cls._load(lambda b, errs, nerrs: _LIB.jj_rules_load_file(
            b, raw, errs, _MAX_RULE_ERRORS, nerrs))

    @classmethod
    def _load(cls, load: Callable[[Any, Any, Any], int]) -> "Ruleset":
        builder = c_void_p()
        _LIB.jj_ruleset_builder_new(None, byref(builder))
        try:
            errs = (_lib.jj_error * _MAX_RULE_ERRORS)()
            nerrs = c_size_t()
            st = load(builder, errs, byref(nerrs))
            if st != 0:
                n = min(nerrs.value, _MAX_RULE_ERRORS)
                raise RuleError(_problems(errs, n), nerrs.value, Status(st))
            rs = c_void_p()
            err = _lib.jj_error()
            st = _LIB.jj_ruleset_builder_build(builder, byref(rs), byref(err))
            if st != 0:
                raise RuleError(_problems([err], 1), 1, Status(st))
            return cls(rs.value)  # type: ignore[arg-type]
        finally:
            _LIB.jj_ruleset_builder_free(builder)

    @property
    def rule_names(self) -> List[str]:
        """The rules' names, in index order."""
        h = self._h()
        return [_text(_LIB.jj_ruleset_rule_name(h, i))
                for i in range(_LIB.jj_ruleset_rule_count(h))]

    def notify(self, rule: str) -> List[str]:
        """The notifier names of `rule` (NotFoundError if there is none)."""
        h = self._h()
        i = self.index(rule)
        return [_text(_LIB.jj_ruleset_rule_notify(h, i, j))
                for j in range(_LIB.jj_ruleset_rule_notify_count(h, i))]

    def index(self, rule: str) -> int:
        """The index of the rule called `rule`; NotFoundError otherwise."""
        out = c_uint32()
        st = _LIB.jj_ruleset_find(self._h(), rule.encode(), byref(out))
        if st != 0:
            raise _error_for(st, f"no rule called {rule!r}")
        return out.value

    def _h(self) -> int:
        if self._handle is None:
            raise StateError("the ruleset is closed")
        return self._handle

    def close(self) -> None:
        """Drop this object's reference (engines keep their own). Twice is harmless."""
        h, self._handle = self._handle, None
        if h is not None:
            _LIB.jj_ruleset_free(h)

    def __del__(self) -> None:
        if _LIB is not None and getattr(self, "_handle", None) is not None:
            self.close()

    def __len__(self) -> int:
        return int(_LIB.jj_ruleset_rule_count(self._h()))


# ---- events ------------------------------------------------------------------

_UTC = _dt.timezone.utc


def _datetime(ms: Optional[int]) -> Optional[_dt.datetime]:
    if ms is None:
        return None
    return _dt.datetime(1970, 1, 1, tzinfo=_UTC) + _dt.timedelta(milliseconds=ms)


def _opt_ms(ms: int) -> Optional[int]:
    return None if ms == _lib.INT64_MIN else ms


def _labels(p: Any, n: int) -> Mapping[str, str]:
    return types.MappingProxyType({_text(p[i].name): _text(p[i].value) for i in range(n)})


@dataclasses.dataclass(frozen=True)
class Event:
    """An alert event, copied out of the library when it was received: it
    owns everything, outlives its engine and is immutable (the mappings
    are read-only views). Times are ms since the Unix
    epoch (UTC); the datetime properties give them timezone-aware.
    `sample_ts_ms`, `level_started_ms`, `lat` and `lon` are None when the
    library has none; `value` is NaN when there is none."""
    seq: int
    kind: str
    reason: str
    rule: str
    rule_index: int
    level: int
    prev_level: int
    level_name: str
    severity: str
    prev_level_name: str
    prev_severity: str
    metric: str
    is_group: bool
    labels: Mapping[str, str]
    rule_labels: Mapping[str, str]
    value: float
    window_start_ms: int
    window_end_ms: int
    time_ms: int
    started_ms: int
    sample_ts_ms: Optional[int]
    sample_value: float
    lat: Optional[float]
    lon: Optional[float]
    level_started_ms: Optional[int]
    fingerprint: str
    #: Rules that judge an index (rule files' `index:`): `value` is the
    #: index, `concentration` what it came from (NaN otherwise), `band` its
    #: band's name ("나쁨"), `index_name` the table ("cai-pm25"; "" otherwise).
    concentration: float
    band: str
    index_name: str
    annotations: Mapping[str, str]
    json: str = dataclasses.field(repr=False)

    def __hash__(self) -> int:
        return hash((self.fingerprint, self.seq, self.kind, self.time_ms))

    @classmethod
    def _from_c(cls, p: Any) -> "Event":
        e = p.contents
        n_ann = _LIB.jj_event_annotation_count(p)
        annotations = {}
        for i in range(n_ann):
            annotations[_text(_LIB.jj_event_annotation_name(p, i))] = _sized_text(
                _LIB.jj_event_render, p, i)
        return cls(
            seq=e.seq, kind=_text(_LIB.jj_event_kind_name(e.kind)) or str(e.kind),
            reason=_text(_LIB.jj_event_reason_name(e.reason)), rule=_text(e.rule),
            rule_index=e.rule_index, level=e.level, prev_level=e.prev_level,
            level_name=_text(e.level_name), severity=_text(e.severity),
            prev_level_name=_text(e.prev_level_name), prev_severity=_text(e.prev_severity),
            metric=_text(e.metric), is_group=bool(e.is_group),
            labels=_labels(e.labels, e.nlabels), rule_labels=_labels(e.rule_labels,
                                                                     e.nrule_labels),
            value=e.value, window_start_ms=e.window_start_ms, window_end_ms=e.window_end_ms,
            time_ms=e.time_ms, started_ms=e.started_ms, sample_ts_ms=_opt_ms(e.sample_ts_ms),
            sample_value=e.sample_value, lat=e.lat if e.has_location else None,
            lon=e.lon if e.has_location else None,
            level_started_ms=_opt_ms(e.level_started_ms),
            fingerprint=format(e.fingerprint, "016x"),
            concentration=e.concentration, band=_text(e.band), index_name=_text(e.index_name),
            annotations=types.MappingProxyType(annotations),
            json=_sized_text(_LIB.jj_event_json, p))

    def to_json(self) -> str:
        """The library's JSON for this event (jj_event_json), one line."""
        return self.json

    def to_dict(self) -> Dict[str, Any]:
        """The JSON object as a dict."""
        return json.loads(self.json)  # type: ignore[no-any-return]

    @property
    def time(self) -> _dt.datetime:
        """Engine time of the transition (UTC)."""
        return _datetime(self.time_ms)  # type: ignore[return-value]

    @property
    def started(self) -> _dt.datetime:
        """Start of the episode (UTC)."""
        return _datetime(self.started_ms)  # type: ignore[return-value]

    @property
    def window_start(self) -> _dt.datetime:
        return _datetime(self.window_start_ms)  # type: ignore[return-value]

    @property
    def window_end(self) -> _dt.datetime:
        return _datetime(self.window_end_ms)  # type: ignore[return-value]

    @property
    def sample_time(self) -> Optional[_dt.datetime]:
        """The sample that caused it; None for a time-driven event."""
        return _datetime(self.sample_ts_ms)

    @property
    def level_started(self) -> Optional[_dt.datetime]:
        return _datetime(self.level_started_ms)


@dataclasses.dataclass(frozen=True)
class Stats:
    """jj_engine_stats: the engine's counters."""
    series: int
    groups: int
    accepted: int
    rejected_invalid: int
    rejected_late: int
    rejected_future: int
    rejected_limit: int
    rejected_window: int
    rejected_quality: int
    group_late: int
    events: int
    events_dropped: int
    events_muted: int
    memory: int
    series_forgotten: int
    match_undecided: int
    group_refused: int
    events_superseded: int


# ---- the engine --------------------------------------------------------------

_LIMITS = ("max_series", "max_labels", "max_samples_per_window", "max_groups", "event_queue",
           "lateness_ms", "max_future_ms", "series_idle_ms")
_DURATIONS = ("lateness_ms", "max_future_ms", "series_idle_ms")

_SAMPLE_DTYPE_FIELDS = [("series", "<u4"), ("flags", "<u4"), ("ts_ms", "<i8"), ("value", "<f8")]

Numbers = Union[Sequence[float], Any]


class Engine:
    """A libjjair engine (jj_engine) over a Ruleset.

    Keyword limits map to jj_engine_config fields: max_series, max_labels,
    max_samples_per_window, max_groups, event_queue, lateness_ms,
    max_future_ms, series_idle_ms (the *_ms ones also take a duration text
    such as "10m"), and no_queue=True (events only to on_event). Zero or
    absent means the library's default.

    on_event(event) is called with each Event as it happens, from the
    push/advance/forget that caused it; an exception it raises is kept and
    re-raised from that call once the library returns. Calls from the
    callback into this engine raise StateError.

    Every method takes the engine's lock, so threads may share an engine
    (one call runs at a time). close() (or leaving a `with` block) frees
    it; closing twice is harmless, any other use after it raises StateError.
    """

    def __init__(self, ruleset: Ruleset, *, on_event: Optional[Callable[[Event], Any]] = None,
                 no_queue: bool = False, dispatcher: Optional["Dispatcher"] = None,
                 **limits: Union[int, str]):
        unknown = set(limits) - set(_LIMITS)
        if unknown:
            raise TypeError(f"Engine() got unknown limits: {', '.join(sorted(unknown))} "
                            f"(known: {', '.join(_LIMITS)})")
        cfg = _lib.jj_engine_config()
        _LIB.jj_engine_config_init(byref(cfg))
        for name, value in limits.items():
            if isinstance(value, str) and name in _DURATIONS:
                value = parse_duration(value)
            setattr(cfg, name, int(value))
        self._lock = threading.RLock()
        self._pending: Optional[BaseException] = None
        self._user_cb = on_event
        self._cb: Any = None
        # dispatcher: every event goes to jjair.Dispatcher too (README
        # "Notifiers"); without a Python on_event, straight from C.
        self._dispatcher = dispatcher
        if on_event is not None:
            self._cb = _lib.EVENT_FN(self._deliver)
            cfg.on_event = self._cb
        elif dispatcher is not None:
            self._cb = ctypes.cast(_LIB.jj_dispatcher_on_event, _lib.EVENT_FN)
            cfg.on_event = self._cb
            cfg.on_event_ctx = dispatcher._h()
        if no_queue:
            cfg.flags |= _lib.JJ_ENGINE_NO_QUEUE
        self._ruleset = ruleset  # the C engine holds a reference too; this keeps it readable
        # A rule whose window does not fit max_samples_per_window: say which.
        err = _lib.jj_error()
        st = _LIB.jj_engine_check(ruleset._h(), byref(cfg), byref(err))
        if st != 0:
            raise _error_for(st, err.message.decode("utf-8", "replace"))
        out = c_void_p()
        _LIB.jj_engine_new(ruleset._h(), byref(cfg), None, byref(out))
        self._handle: Optional[int] = out.value

    # -- lifetime
    def close(self) -> None:
        """Free the engine. Events already received stay valid. Twice is harmless."""
        with self._lock:
            h, self._handle = self._handle, None
            if h is not None:
                _LIB.jj_engine_free(h)
            self._cb = None

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        if _LIB is not None and getattr(self, "_handle", None) is not None:
            self.close()

    def _h(self) -> int:
        h = self._handle
        if h is None:
            raise StateError("the engine is closed")
        return h

    def _deliver(self, ctx: Any, p: Any) -> None:
        if self._dispatcher is not None:
            _LIB.jj_dispatcher_enqueue(self._dispatcher._h(), p)
        try:
            self._user_cb(Event._from_c(p))  # type: ignore[misc]
        except BaseException as exc:  # kept for the call that caused it
            if self._pending is None:
                self._pending = exc

    def _reraise(self) -> None:
        exc, self._pending = self._pending, None
        if exc is not None:
            raise exc

    # -- feeding
    def series(self, metric: str, labels: Optional[Mapping[str, str]] = None,
               **more: str) -> int:
        """The id of series `metric` + labels (created on first use).
        Labels come as keywords, or as a mapping for names that are not
        Python identifiers. LimitError at max_series/max_labels."""
        items = dict(labels or {})
        items.update(more)
        keep = [(k.encode(), str(v).encode()) for k, v in items.items()]
        arr = (_lib.jj_label * max(1, len(keep)))()
        for i, (k, v) in enumerate(keep):
            arr[i].name = k
            arr[i].value = v
        out = c_uint32()
        with self._lock:
            _LIB.jj_engine_series(self._h(), metric.encode(), arr, len(keep), byref(out))
        return out.value

    def push(self, series: int, ts_ms: int, value: float) -> None:
        """Feed one reading. Raises when the library does not answer OK:
        refused outright (`err.partial` False): LateError, NanError,
        FutureError, InvalidError (timestamp beyond +-2^62 ms), NotFoundError
        (unknown or forgotten series); taken by some rules but not all
        (`err.partial` True): RangeError, StuckError (a quality gate),
        FullError, DuplicateError, OutOfMemoryError (a window). Either way
        the engine counts it in `stats`. StateError from the engine's own
        callback or after close(); what on_event raised is re-raised."""
        with self._lock:
            st = _LIB.jj_engine_push(self._h(), series, ts_ms, value)
            if self._pending is not None:
                self._reraise()
        if st != 0:
            raise _push_error(st)

    def push_located(self, series: int, ts_ms: int, value: float, lat: float,
                     lon: float) -> None:
        """push() with the sensor's position; raises as push() does."""
        with self._lock:
            st = _LIB.jj_engine_push_located(self._h(), series, ts_ms, value, lat, lon)
            if self._pending is not None:
                self._reraise()
        if st != 0:
            raise _push_error(st)

    def push_many(self, series: Union[int, Numbers, None], ts_ms: Numbers,
                  values: Optional[Numbers]) -> int:
        """Feed many readings in order, in one library call; returns how
        many were accepted (push() would have returned OK). `series` is one
        id for all or one per reading. Columns go to the library as they
        are when they already have its types (numpy uint32/int64/float64
        arrays, array.array 'I'/'q'/'d'): no copy and no Python loop per
        reading. Other numpy arrays, buffers and sequences are converted
        first. A numpy record array with the jj_sample layout
        (Engine.sample_dtype()) can be passed as `ts_ms` alone with
        series=None, values=None. ValueError for columns of different
        lengths or series ids outside 0..2^32-1."""
        accepted = c_size_t()
        with self._lock:
            self._h()  # StateError after close(), before any conversion
            records = _records(series, ts_ms, values)
            if records is not None:
                st = _LIB.jj_engine_push_batch(self._h(), records, len(records._owner),
                                               byref(accepted))
            else:
                ids, one, ts_p, val_p, n = _columns(series, ts_ms, values)
                st = _LIB.jj_engine_push_columns(self._h(), ids, one, ts_p, val_p, n,
                                                 byref(accepted))
            if self._pending is not None:
                self._reraise()
        if st == 13:
            raise StateError(_strerror(st))
        return accepted.value

    @staticmethod
    def sample_dtype() -> Any:
        """The numpy dtype of jj_sample (series u4, flags u4, ts_ms i8, value f8)."""
        import numpy as np
        return np.dtype(_SAMPLE_DTYPE_FIELDS)

    def advance(self, now_ms: int) -> None:
        """Move engine time to now_ms (time-driven transitions happen)."""
        with self._lock:
            try:
                _LIB.jj_engine_advance(self._h(), now_ms)
            finally:
                if self._pending is not None:
                    self._reraise()

    def forget(self, series: int) -> None:
        """Forget a series: its open episodes end (reason "forgotten"), its
        id is never used again. NotFoundError if unknown or forgotten."""
        with self._lock:
            try:
                _LIB.jj_engine_forget(self._h(), series)
            finally:
                if self._pending is not None:
                    self._reraise()

    # -- reading
    def poll(self) -> Optional[Event]:
        """The oldest queued event, copied, or None."""
        with self._lock:
            p = _LIB.jj_engine_poll(self._h())
            return Event._from_c(p) if p else None

    def __iter__(self) -> Iterator[Event]:
        """The queued events, oldest first, until the queue is empty."""
        while True:
            ev = self.poll()
            if ev is None:
                return
            yield ev

    def active_alerts(self) -> List[Event]:
        """Every active alert now, as events of kind "active"."""
        found: List[Event] = []
        failure: List[BaseException] = []

        def visit(ctx: Any, p: Any) -> int:
            try:
                found.append(Event._from_c(p))
                return 0
            except BaseException as exc:  # stop; raised after the call
                failure.append(exc)
                return 1

        cb = _lib.ALERT_VISIT_FN(visit)
        with self._lock:
            _LIB.jj_engine_foreach_alert(self._h(), cb, None)
        if failure:
            raise failure[0]
        return found

    # -- state that survives restarts and rule changes (snapshot.h)
    def _state_call(self, fn: Any, *args: Any) -> Dict[str, int]:
        rep = _lib.jj_restore_report()
        err = _lib.jj_error()
        with self._lock:
            try:
                st = fn(self._h(), *args, byref(rep), byref(err))
            finally:
                if self._pending is not None:
                    self._reraise()
        if st != 0:
            raise _error_for(st, err.message.decode("utf-8", "replace") or None)
        return {f[0]: getattr(rep, f[0]) for f in _lib.jj_restore_report._fields_
                if f[0] != "reserved"}

    def snapshot(self) -> bytes:
        """The engine's state as a snapshot image (bytes): versioned,
        checksummed, the same on every platform. Events still queued are
        not part of it: poll them first."""
        need = c_size_t()
        with self._lock:
            _LIB.jj_engine_snapshot(self._h(), None, 0, byref(need))
            buf = ctypes.create_string_buffer(need.value)
            st = _LIB.jj_engine_snapshot(self._h(), buf, need.value, byref(need))
        if st != 0:
            raise _error_for(st)
        return buf.raw

    def restore(self, image: bytes) -> Dict[str, int]:
        """Load a snapshot into this fresh engine (no series, time or events
        yet), over its ruleset: the same rules or changed ones. Returns the
        report (rules_kept, rules_changed, rules_removed, rules_added,
        series, groups, alerts_ended, windows_reset). A damaged or foreign
        image raises InvalidError (NotSupportedError for another format
        version) and leaves the engine as it was. The events that end the
        open episodes of changed and removed rules are delivered before it
        returns (reason "rule_changed" / "rule_removed")."""
        data = bytes(image)
        return self._state_call(_LIB.jj_engine_restore, data, len(data))

    @classmethod
    def from_snapshot(cls, ruleset: Ruleset, image: bytes, **kwargs: Any) -> "Engine":
        """A new Engine(ruleset, **kwargs) restored from `image`."""
        e = cls(ruleset, **kwargs)
        try:
            e.restore(image)
        except BaseException:
            e.close()
            raise
        return e

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Write a snapshot to `path` atomically (a temporary file, fsync,
        rename). NotFoundError when it cannot be written."""
        err = _lib.jj_error()
        with self._lock:
            st = _LIB.jj_engine_save(self._h(), os.fsencode(path), byref(err))
        if st != 0:
            raise _error_for(st, err.message.decode("utf-8", "replace") or None)

    def load(self, path: Union[str, "os.PathLike[str]"]) -> Dict[str, int]:
        """restore() from a file written by save()."""
        return self._state_call(_LIB.jj_engine_load, os.fsencode(path))

    def reload(self, ruleset: Ruleset) -> Dict[str, int]:
        """Swap the engine's rules for `ruleset` while it runs: unchanged
        rules keep their windows and alerts, changed and removed rules'
        open episodes end (events with reason "rule_changed" /
        "rule_removed"), new rules start fresh. Load the rule file first
        (Ruleset.from_file): one that fails to load raises there, and the
        engine runs on with its old rules. Returns the report as restore()."""
        rep = self._state_call(_LIB.jj_engine_reload, ruleset._h())
        self._ruleset = ruleset
        return rep

    @property
    def now_ms(self) -> Optional[int]:
        """Engine time, None before any sample or advance."""
        with self._lock:
            return _opt_ms(_LIB.jj_engine_now(self._h()))

    @property
    def stats(self) -> Stats:
        """The engine's counters."""
        out = _lib.jj_engine_stats()
        with self._lock:
            _LIB.jj_engine_stats_get(self._h(), byref(out))
        return Stats(**{f.name: getattr(out, f.name) for f in dataclasses.fields(Stats)})

    def rule_stats(self, rule: Union[int, str]) -> Dict[str, int]:
        """What one rule's windows did with its readings, over the live
        series bound to it: series, accepted, rejected_late,
        rejected_invalid, rejected_full, duplicates, evicted."""
        index = self._ruleset.index(rule) if isinstance(rule, str) else rule
        out = _lib.jj_rule_stats()
        with self._lock:
            _LIB.jj_engine_rule_stats(self._h(), index, byref(out))
        return {f: getattr(out, f) for f, _ in _lib.jj_rule_stats._fields_ if f != "reserved"}

    def alert_state(self, series: int, rule: Union[int, str]) -> Dict[str, Any]:
        """The state of one alert: level, pending_level, stale, flapping,
        quality_bad, value, started_ms, level_started_ms. NotFoundError if
        the rule does not apply to the series."""
        index = self._ruleset.index(rule) if isinstance(rule, str) else rule
        out = _lib.jj_alert_state()
        with self._lock:
            _LIB.jj_engine_alert_state(self._h(), series, index, byref(out))
        return {"level": out.level, "pending_level": out.pending_level,
                "stale": bool(out.stale), "flapping": bool(out.flapping),
                "quality_bad": bool(out.quality_bad), "value": out.value,
                "started_ms": out.started_ms,
                "level_started_ms": _opt_ms(out.level_started_ms)}


_STATUSES = {s.value: s for s in Status}


def _records(series: Any, ts: Any, values: Any) -> Optional["_Buffer"]:
    """A pointer to the jj_sample record array passed as `ts` alone, or None
    when the readings come as columns."""
    # numpy arrays can only come from a program that imported numpy: never
    # import it here (that alone takes a good part of a second).
    np = sys.modules.get("numpy")
    if np is None or not isinstance(ts, np.ndarray) or series is not None or values is not None:
        return None
    if ts.dtype != np.dtype(_SAMPLE_DTYPE_FIELDS) or not ts.flags.c_contiguous:
        raise TypeError("a record array for push_many needs Engine.sample_dtype(), contiguous")
    return _Buffer(ts, ts.ctypes.data)


def _columns(series: Any, ts: Any, values: Any) -> Tuple[Any, int, Any, Any, int]:
    """(ids pointer or None, one id, ts pointer, values pointer, n) for
    jj_engine_push_columns; each pointer keeps its buffer alive."""
    if values is None:
        raise TypeError("push_many: values are missing (only a record array comes alone)")
    np = sys.modules.get("numpy")
    if np is not None and any(isinstance(x, np.ndarray) for x in (series, ts, values)):
        cols = [np.ascontiguousarray(ts, dtype=np.int64),
                np.ascontiguousarray(values, dtype=np.float64)]
        if not isinstance(series, int):
            ids = np.asarray(series)
            if ids.dtype.kind not in "iu":
                raise TypeError(f"push_many: series ids must be integers, not {ids.dtype}")
            if ids.dtype != np.uint32 and len(ids) and (ids.min() < 0 or ids.max() > 0xFFFFFFFF):
                raise ValueError("push_many: series ids outside 0..2^32-1")
            cols.append(np.ascontiguousarray(ids, dtype=np.uint32))
        ptrs = [_Buffer(c, c.ctypes.data) for c in cols]
    else:
        cols = [ts if isinstance(ts, array) and ts.typecode == "q" else array("q", ts),
                values if isinstance(values, array) and values.typecode == "d" else array(
                    "d", values)]
        if not isinstance(series, int):
            cols.append(series if isinstance(series, array) and series.typecode == "I" else
                        array("I", series))
        ptrs = [_Buffer(c, c.buffer_info()[0]) for c in cols]
    n = len(cols[0])
    if len(cols[1]) != n:
        raise ValueError(f"push_many: {n} times but {len(cols[1])} values")
    if isinstance(series, int):
        if not 0 <= series <= 0xFFFFFFFF:
            raise ValueError("push_many: series id outside 0..2^32-1")
        return None, series, ptrs[0], ptrs[1], n
    if len(cols[2]) != n:
        raise ValueError(f"push_many: {n} times but {len(cols[2])} series ids")
    return ptrs[2], 0, ptrs[0], ptrs[1], n


class _Buffer(ctypes.c_void_p):
    """A pointer that keeps the object it points into alive."""

    def __init__(self, owner: Any, address: Optional[int]):
        super().__init__(address)
        self._owner = owner



def replay(frame: Any, rules: Union[Ruleset, str], **options: Any) -> Any:
    """Replay a pandas DataFrame through rules; the events as a DataFrame.
    Needs pandas. See jjair._replay.replay for the options (time=,
    metrics=, labels=, label_columns=, tz=, flush_ms=, engine limits)."""
    from ._replay import replay as _run
    return _run(frame, rules, **options)


# Notifiers (notify.h): jjair.Dispatcher and custom notifier types in Python.
from ._notify import Dispatcher, Notification, NotifierStats, SendResult  # noqa: E402
