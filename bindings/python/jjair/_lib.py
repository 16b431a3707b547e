"""Finding libjjair, mirroring its structs and declaring its functions.

Every C function the binding calls is declared once, in PROTOTYPES; the
exported functions it does not call are listed in UNBOUND with the reason
(tests/test_symbols.py checks that the two together cover every export).
At import the library's ABI version, major version and struct sizes are
compared with the mirrors below; a mismatch raises ImportError.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import pathlib
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_double, c_int, c_int64,
                    c_size_t, c_uint, c_uint32, c_uint64, c_void_p)
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

#: The ABI version (JJ_ABI_VERSION) and major version these mirrors describe.
ABI_VERSION = 1
VERSION_MAJOR = 0

INT64_MIN = -(2**63)
JJ_ERROR_MESSAGE_MAX = 256
JJ_ERROR_FILE_MAX = 256
JJ_ENGINE_NO_QUEUE = 0x1


class jj_label(Structure):
    _fields_ = [("name", c_char_p), ("value", c_char_p)]


class jj_event(Structure):
    # Fields are appended by newer libraries, never moved: the library's
    # jj_event may be larger than this mirror.
    _fields_ = [
        ("seq", c_uint64),
        ("kind", c_int),
        ("reason", c_int),
        ("rule", c_char_p),
        ("rule_index", c_uint32),
        ("level", c_int),
        ("prev_level", c_int),
        ("level_name", c_char_p),
        ("severity", c_char_p),
        ("metric", c_char_p),
        ("is_group", c_int),
        ("labels", POINTER(jj_label)),
        ("nlabels", c_uint32),
        ("rule_labels", POINTER(jj_label)),
        ("nrule_labels", c_uint32),
        ("value", c_double),
        ("window_start_ms", c_int64),
        ("window_end_ms", c_int64),
        ("time_ms", c_int64),
        ("started_ms", c_int64),
        ("sample_ts_ms", c_int64),
        ("sample_value", c_double),
        ("has_location", c_int),
        ("lat", c_double),
        ("lon", c_double),
        ("ruleset", c_void_p),
        ("prev_level_name", c_char_p),
        ("prev_severity", c_char_p),
        ("level_started_ms", c_int64),
        ("fingerprint", c_uint64),
        ("concentration", c_double),
        ("band", c_char_p),
        ("index_name", c_char_p),
    ]


EVENT_FN = CFUNCTYPE(None, c_void_p, POINTER(jj_event))
ALERT_VISIT_FN = CFUNCTYPE(c_int, c_void_p, POINTER(jj_event))


class jj_engine_config(Structure):
    _fields_ = [
        ("max_series", c_uint32),
        ("max_labels", c_uint32),
        ("max_samples_per_window", c_uint32),
        ("max_groups", c_uint32),
        ("event_queue", c_uint32),
        ("lateness_ms", c_int64),
        ("max_future_ms", c_int64),
        ("on_event", EVENT_FN),
        ("on_event_ctx", c_void_p),
        ("flags", c_uint32),
        ("reserved0", c_uint32),
        ("series_idle_ms", c_int64),
        ("reserved", c_uint64 * 7),
    ]


class jj_sample(Structure):
    _fields_ = [("series", c_uint32), ("flags", c_uint32), ("ts_ms", c_int64),
                ("value", c_double)]


class jj_engine_stats(Structure):
    _fields_ = [(name, c_uint64) for name in (
        "series", "groups", "accepted", "rejected_invalid", "rejected_late", "rejected_future",
        "rejected_limit", "rejected_window", "rejected_quality", "group_late", "events",
        "events_dropped", "events_muted", "memory", "series_forgotten", "match_undecided",
        "group_refused", "events_superseded")] + [
        ("reserved", c_uint64 * 12)]


class jj_alert_state(Structure):
    _fields_ = [
        ("level", c_int),
        ("pending_level", c_int),
        ("stale", c_int),
        ("flapping", c_int),
        ("quality_bad", c_int),
        ("value", c_double),
        ("started_ms", c_int64),
        ("level_started_ms", c_int64),
        ("reserved", c_uint64 * 7),
    ]


class jj_restore_report(Structure):
    _fields_ = [(name, c_uint32) for name in (
        "rules_kept", "rules_changed", "rules_removed", "rules_added", "series", "groups",
        "alerts_ended", "windows_reset")] + [("reserved", c_uint32 * 8)]


class jj_rule_stats(Structure):
    _fields_ = [(name, c_uint64) for name in (
        "series", "accepted", "rejected_late", "rejected_invalid", "rejected_full",
        "duplicates", "evicted")] + [("reserved", c_uint64 * 9)]


class jj_error(Structure):
    _fields_ = [
        ("code", c_int),
        ("line", c_int),
        ("column", c_int),
        ("file", c_char * JJ_ERROR_FILE_MAX),
        ("message", c_char * JJ_ERROR_MESSAGE_MAX),
        ("reserved", c_uint32 * 5),
    ]


class jj_aqi_band(Structure):
    _fields_ = [("c_lo", c_double), ("c_hi", c_double), ("i_lo", c_double), ("i_hi", c_double),
                ("name", c_char_p)]


# ---- notify.h: custom notifiers written in Python (jjair/_notify.py) ----

class jj_notification(Structure):
    # Library-produced and appended to (like jj_event): it may be larger.
    _fields_ = [
        ("size", c_size_t),
        ("id", c_uint64),
        ("notifier", c_char_p),
        ("kind", c_char_p),
        ("rule", c_char_p),
        ("level_name", c_char_p),
        ("severity", c_char_p),
        ("metric", c_char_p),
        ("labels", POINTER(jj_label)),
        ("nlabels", c_uint32),
        ("nrule_labels", c_uint32),
        ("rule_labels", POINTER(jj_label)),
        ("annotations", POINTER(jj_label)),
        ("nannotations", c_uint32),
        ("attempt", c_uint32),
        ("value", c_double),
        ("time_ms", c_int64),
        ("started_ms", c_int64),
        ("seq", c_uint64),
        ("fingerprint", c_uint64),
        ("life_safety", c_int),
        ("is_resolved", c_int),
        ("text", c_char_p),
        ("json", c_char_p),
        ("idempotency_key", c_char_p),
        ("accepted_ms", c_int64),
        ("reserved", c_uint64 * 8),
    ]


class jj_notifier_key(Structure):
    _fields_ = [("name", c_char_p), ("flags", c_uint), ("help", c_char_p)]


NOTIFIER_INIT_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, POINTER(c_void_p), c_void_p, c_size_t)
NOTIFIER_SEND_FN = CFUNCTYPE(c_int, c_void_p, POINTER(POINTER(jj_notification)), c_uint32,
                             c_void_p, c_size_t)
NOTIFIER_VOID_FN = CFUNCTYPE(None, c_void_p)


class jj_notifier_type(Structure):
    _fields_ = [
        ("size", c_size_t),
        ("name", c_char_p),
        ("keys", POINTER(jj_notifier_key)),
        ("nkeys", c_uint32),
        ("init", NOTIFIER_INIT_FN),
        ("send", NOTIFIER_SEND_FN),
        ("flush", NOTIFIER_VOID_FN),
        ("fini", NOTIFIER_VOID_FN),
        ("type_ctx", c_void_p),
        ("reserved", c_void_p * 4),
    ]


LOG_FN = CFUNCTYPE(None, c_void_p, c_char_p, c_char_p)
CLOCK_FN = CFUNCTYPE(c_int64, c_void_p)


class jj_dispatcher_config(Structure):
    _fields_ = [
        ("size", c_size_t),
        ("outbox_path", c_char_p),
        ("outbox_sync", c_int),
        ("queue_capacity", c_uint32),
        ("compact_after", c_uint32),
        ("retry_initial_ms", c_int64),
        ("retry_max_ms", c_int64),
        ("give_up_after_ms", c_int64),
        ("http_timeout_ms", c_int64),
        ("clock", CLOCK_FN),
        ("clock_ctx", c_void_p),
        ("log", LOG_FN),
        ("log_ctx", c_void_p),
        ("seed", c_uint64),
        ("handoff_capacity", c_uint32),
        ("handoff_slot_bytes", c_uint32),
        ("outbox_sync_interval_ms", c_int64),
        ("reserved", c_uint64 * 6),
    ]


class jj_notifier_stats(Structure):
    _fields_ = [
        ("size", c_size_t),
        ("sent", c_uint64),
        ("retried", c_uint64),
        ("failed", c_uint64),
        ("dropped", c_uint64),
        ("suppressed", c_uint64),
        ("queue_depth", c_uint64),
        ("oldest_pending_ms", c_int64),
        ("last_error", c_char * 200),
        ("spilled", c_uint64),
        ("reserved", c_uint64 * 7),
    ]


#: Every struct the binding mirrors. jj_event may be larger in the library
#: (appended fields); the others must be exactly the mirror's size.
MIRRORS: Dict[str, type] = {
    "jj_label": jj_label,
    "jj_event": jj_event,
    "jj_engine_config": jj_engine_config,
    "jj_sample": jj_sample,
    "jj_engine_stats": jj_engine_stats,
    "jj_alert_state": jj_alert_state,
    "jj_restore_report": jj_restore_report,
    "jj_rule_stats": jj_rule_stats,
    "jj_error": jj_error,
    "jj_aqi_band": jj_aqi_band,
    "jj_notification": jj_notification,
    "jj_notifier_key": jj_notifier_key,
    "jj_notifier_type": jj_notifier_type,
    "jj_dispatcher_config": jj_dispatcher_config,
    "jj_notifier_stats": jj_notifier_stats,
}
GROWING = frozenset({"jj_event", "jj_notification"})

_p = c_void_p  # opaque handles: jj_ruleset *, jj_ruleset_builder *, jj_engine *
_STATUS = c_int

# errcheck markers, resolved in _declare: "raise" turns a non-OK status into
# the JjairError subclass for it (set by the package, which owns the
# exception classes); None leaves the return value to the caller.
#: name -> (restype, argtypes, errcheck)
PROTOTYPES: Dict[str, Tuple[Any, List[Any], Optional[str]]] = {
    # version.h
    "jj_version": (c_char_p, [], None),
    "jj_version_num": (c_uint, [], None),
    "jj_abi_version": (c_int, [], None),
    "jj_struct_size": (c_size_t, [c_char_p], None),
    "jj_features": (c_uint, [], None),
    # status.h
    "jj_strerror": (c_char_p, [c_int], None),
    # rule.h / rule_yaml.h: rulesets come from rule files
    "jj_ruleset_builder_new": (_STATUS, [c_void_p, POINTER(_p)], "raise"),
    "jj_ruleset_builder_free": (None, [_p], None),
    "jj_ruleset_builder_build": (_STATUS, [_p, POINTER(_p), POINTER(jj_error)], None),
    "jj_rules_load_string": (_STATUS, [_p, c_char_p, c_size_t, c_char_p, POINTER(jj_error),
                                       c_size_t, POINTER(c_size_t)], None),
    "jj_rules_load_file": (_STATUS, [_p, c_char_p, POINTER(jj_error), c_size_t,
                                     POINTER(c_size_t)], None),
    "jj_ruleset_free": (None, [_p], None),
    "jj_ruleset_rule_count": (c_uint32, [_p], None),
    "jj_ruleset_rule_name": (c_char_p, [_p, c_uint32], None),
    "jj_ruleset_rule_notify_count": (c_uint32, [_p, c_uint32], None),
    "jj_ruleset_rule_notify": (c_char_p, [_p, c_uint32, c_uint32], None),
    "jj_ruleset_find": (_STATUS, [_p, c_char_p, POINTER(c_uint32)], None),
    # engine.h
    "jj_engine_config_init": (None, [POINTER(jj_engine_config)], None),
    "jj_engine_new": (_STATUS, [_p, POINTER(jj_engine_config), c_void_p, POINTER(_p)], "raise"),
    "jj_engine_free": (None, [_p], None),
    "jj_engine_series": (_STATUS, [_p, c_char_p, POINTER(jj_label), c_uint32,
                                   POINTER(c_uint32)], "raise"),
    "jj_engine_push": (_STATUS, [_p, c_uint32, c_int64, c_double], None),
    "jj_engine_push_located": (_STATUS, [_p, c_uint32, c_int64, c_double, c_double, c_double],
                               None),
    "jj_engine_push_batch": (_STATUS, [_p, c_void_p, c_size_t, POINTER(c_size_t)], None),
    "jj_engine_push_columns": (_STATUS, [_p, c_void_p, c_uint32, c_void_p, c_void_p, c_size_t,
                                         POINTER(c_size_t)], None),
    "jj_engine_advance": (_STATUS, [_p, c_int64], "raise"),
    "jj_engine_poll": (POINTER(jj_event), [_p], None),
    "jj_engine_forget": (_STATUS, [_p, c_uint32], "raise"),
    "jj_engine_foreach_alert": (_STATUS, [_p, ALERT_VISIT_FN, c_void_p], "raise"),
    # snapshot.h: errors come with a jj_error message (Engine raises them)
    "jj_engine_snapshot": (_STATUS, [_p, c_void_p, c_size_t, POINTER(c_size_t)], None),
    "jj_engine_save": (_STATUS, [_p, c_char_p, POINTER(jj_error)], None),
    "jj_engine_restore": (_STATUS, [_p, c_void_p, c_size_t, POINTER(jj_restore_report),
                                    POINTER(jj_error)], None),
    "jj_engine_load": (_STATUS, [_p, c_char_p, POINTER(jj_restore_report), POINTER(jj_error)],
                       None),
    "jj_engine_reload": (_STATUS, [_p, _p, POINTER(jj_restore_report), POINTER(jj_error)], None),
    "jj_engine_now": (c_int64, [_p], None),
    "jj_engine_stats_get": (None, [_p, POINTER(jj_engine_stats)], None),
    "jj_engine_check": (_STATUS, [_p, _p, POINTER(jj_error)], None),
    "jj_engine_rule_stats": (_STATUS, [_p, c_uint32, POINTER(jj_rule_stats)], "raise"),
    "jj_engine_alert_state": (_STATUS, [_p, c_uint32, c_uint32, POINTER(jj_alert_state)],
                              "raise"),
    # event.h
    "jj_event_kind_name": (c_char_p, [c_int], None),
    "jj_event_reason_name": (c_char_p, [c_int], None),
    "jj_fingerprint": (c_uint64, [c_char_p, POINTER(jj_label), c_uint32], None),
    "jj_event_annotation_count": (c_uint32, [POINTER(jj_event)], None),
    "jj_event_annotation_name": (c_char_p, [POINTER(jj_event), c_uint32], None),
    "jj_event_render": (c_size_t, [POINTER(jj_event), c_uint32, c_char_p, c_size_t], None),
    "jj_event_json": (c_size_t, [POINTER(jj_event), c_char_p, c_size_t], None),
    # duration.h / timefmt.h
    "jj_duration_parse": (_STATUS, [c_char_p, c_size_t, POINTER(c_int64), POINTER(jj_error)],
                          None),
    "jj_duration_format": (c_size_t, [c_int64, c_char_p, c_size_t], None),
    "jj_time_rfc3339": (c_size_t, [c_int64, c_char_p, c_size_t], None),
    # aqi.h (jjair/_aqi.py)
    "jj_aqi_table_find": (_p, [c_char_p], None),
    "jj_aqi_table_count": (c_uint32, [], None),
    "jj_aqi_table_at": (_p, [c_uint32], None),
    "jj_aqi_table_name": (c_char_p, [_p], None),
    "jj_aqi_table_decimals": (c_int, [_p], None),
    "jj_aqi_table_bands": (c_uint32, [_p], None),
    "jj_aqi_table_band": (_STATUS, [_p, c_uint32, POINTER(jj_aqi_band)], None),
    "jj_aqi_truncate": (c_double, [_p, c_double], None),
    "jj_aqi_index": (_STATUS, [_p, c_double, POINTER(c_double)], None),
    "jj_aqi_band_of_index": (c_int, [_p, c_double], None),
    "jj_aqi_band_name": (c_char_p, [_p, c_int], None),
    "jj_cai_overall": (_STATUS, [POINTER(c_double), c_uint32, POINTER(c_double)], None),
    "jj_nowcast": (_STATUS, [POINTER(c_double), c_uint32, POINTER(c_double)], None),
    "jj_c24e": (_STATUS, [POINTER(c_double), c_uint32, c_double, POINTER(c_double),
                          POINTER(c_double), POINTER(c_double)], None),
    # notify.h: jjair.Dispatcher and custom notifiers in Python
    "jj_notifier_setting": (c_char_p, [c_void_p, c_char_p], None),
    "jj_notifier_settings_name": (c_char_p, [c_void_p], None),
    "jj_dispatcher_config_init": (None, [POINTER(jj_dispatcher_config)], None),
    "jj_dispatcher_new": (_STATUS, [POINTER(jj_dispatcher_config), POINTER(_p),
                                    POINTER(jj_error)], None),
    "jj_dispatcher_free": (None, [_p], None),
    "jj_dispatcher_register_type": (_STATUS, [_p, POINTER(jj_notifier_type), POINTER(jj_error)],
                                    None),
    "jj_dispatcher_add_notifier": (_STATUS, [_p, c_char_p, c_char_p, POINTER(c_char_p),
                                             POINTER(c_char_p), c_uint32, POINTER(jj_error)],
                                   None),
    "jj_dispatcher_load_string": (_STATUS, [_p, c_char_p, c_size_t, c_char_p, POINTER(jj_error),
                                            c_size_t, POINTER(c_size_t)], None),
    "jj_dispatcher_load_file": (_STATUS, [_p, c_char_p, POINTER(jj_error), c_size_t,
                                          POINTER(c_size_t)], None),
    "jj_dispatcher_enqueue": (_STATUS, [_p, POINTER(jj_event)], None),
    "jj_dispatcher_send_test": (_STATUS, [_p, c_char_p, c_char_p], None),
    "jj_dispatcher_poll": (_STATUS, [_p, c_int], None),
    "jj_dispatcher_start": (_STATUS, [_p], None),
    "jj_dispatcher_stop": (_STATUS, [_p], None),
    "jj_dispatcher_drain": (_STATUS, [_p, c_int], None),
    "jj_dispatcher_notifier_count": (c_uint32, [_p], None),
    "jj_dispatcher_notifier_name": (c_char_p, [_p, c_uint32], None),
    "jj_dispatcher_stats": (_STATUS, [_p, c_char_p, POINTER(jj_notifier_stats)], None),
    "jj_dispatcher_outbox_damage": (c_uint64, [_p], None),
}

#: Exported functions the binding deliberately does not call, and why.
UNBOUND: Dict[str, str] = {
    "jj_alloc_pool_init": "firmware's fixed-buffer pool; Python objects use the libc allocator",
    "jj_alloc_pool_stats": "firmware's fixed-buffer pool; Python objects use the libc allocator",
    "jj_engine_estimate": "sizes a device's pool before it allocates; host Python engines use "
    "the libc allocator (and a device's pointer sizes differ from the host's)",
    "jj_bundle_check": "rule bundles are made by `jjair compile`; Python loads YAML",
    "jj_bundle_write": "rule bundles are made by `jjair compile`; Python loads YAML",
    "jj_bundle_load": "rule bundles are for firmware; Python loads YAML (Ruleset.from_*)",
    "jj_bundle_load_static": "rule bundles are for firmware (an image in flash); Python loads YAML",
    "jj_bundle_write_source": "C source of rule records is made by `jjair compile -s` for firmware",
    "jj_bundle_load_rules": "constant rule records are compiled into firmware; Python loads YAML",
    "jj_rule_config_init": "rules are built from YAML (Ruleset.from_*), not field by field",
    "jj_level_config_init": "rules are built from YAML, not field by field",
    "jj_ruleset_builder_add_rule": "rules are built from YAML, not field by field",
    "jj_ruleset_builder_add_level": "rules are built from YAML, not field by field",
    "jj_ruleset_builder_add_matcher": "rules are built from YAML, not field by field",
    "jj_ruleset_builder_add_label": "rules are built from YAML, not field by field",
    "jj_ruleset_builder_add_annotation": "rules are built from YAML, not field by field",
    "jj_ruleset_builder_add_notify": "rules are built from YAML, not field by field",
    "jj_engine_push_labeled": "Engine.series() resolves once; push() by id is the fast path",
    "jj_event_annotation_find": "Event.annotations is a dict rendered at copy time",
    "jj_event_copy": "events are copied into Python objects (Event) at once",
    "jj_event_free": "no C copies are kept (see jj_event_copy)",
    "jj_fingerprint_hex": "formatted in Python: format(fp, '016x')",
    "jj_status_name": "jjair.Status carries the names (Status.LATE is JJ_ELATE)",
    "jj_time_rfc3339_offset": "Event times are datetime objects; use their astimezone()",
    "jj_window_config_init": "the standalone window API is for C; Python users have numpy",
    "jj_window_new": "the standalone window API is for C",
    "jj_window_free": "the standalone window API is for C",
    "jj_window_reset": "the standalone window API is for C",
    "jj_window_push": "the standalone window API is for C",
    "jj_window_push_value": "the standalone window API is for C",
    "jj_window_push_values": "the standalone window API is for C; Python users have numpy",
    "jj_window_advance": "the standalone window API is for C",
    "jj_window_value": "the standalone window API is for C",
    "jj_window_stats_get": "the standalone window API is for C",
    "jj_window_pop_closed": "the standalone window API is for C",
    "jj_window_now": "the standalone window API is for C",
    "jj_window_counters_get": "the standalone window API is for C",
    "jj_window_memory": "the standalone window API is for C",
    "jj_agg_name": "the standalone window API is for C",
    "jj_aqi_table_new": "custom index tables are defined in rule files (index: {bands: ...})",
    "jj_aqi_table_free": "custom index tables are defined in rule files",
    "jj_ruleset_builder_set_index": "rules are built from YAML (index: ...), not field by field",
    # notify.h
    "jj_ruleset_rule_life_safety": "Python reads rule files; the dispatcher reads the mark",
    "jj_dispatcher_on_event": "not called: its address is the engine's on_event (Engine(dispatcher=))",
    "jj_sms_euckr_length": "Python has len(text.encode('euc-kr'))",
}


def candidates() -> List[str]:
    """Where the library is looked for, in order."""
    found: List[str] = []
    env = os.environ.get("JJAIR_LIBRARY")
    if env:
        return [env]  # an explicit choice: nothing else is tried
    # The build tree: bindings/python/jjair/_lib.py -> <repo>/build/libjjair.so.0
    repo = pathlib.Path(__file__).resolve().parents[3]
    build = repo / "build" / "libjjair.so.0"
    if build.exists():
        found.append(str(build))
    system = ctypes.util.find_library("jjair")
    if system:
        found.append(system)
    found.append("libjjair.so.0")
    return found


def load() -> Tuple[ctypes.CDLL, str]:
    """Open the first library that loads; ImportError listing every try."""
    tried = []
    for path in candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as exc:
            tried.append(f"{path}: {exc}")
    raise ImportError("jjair: libjjair not found (set JJAIR_LIBRARY to its path); tried:\n  "
                      + "\n  ".join(tried))


def declare(lib: ctypes.CDLL, raise_status: Callable[..., Any]) -> None:
    """Apply PROTOTYPES to `lib`; `raise_status` is the errcheck for "raise"."""
    for name, (restype, argtypes, errcheck) in PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
        if errcheck == "raise":
            fn.errcheck = raise_status


def check_abi(lib: ctypes.CDLL, path: str, abi_version: int = ABI_VERSION,
              major: int = VERSION_MAJOR,
              sizes: Optional[Dict[str, int]] = None) -> None:
    """Raise ImportError unless `lib` has this binding's ABI, major version
    and struct sizes. The arguments default to the binding's own values;
    tests pass others to see a mismatch refused."""
    if sizes is None:
        sizes = {name: ctypes.sizeof(cls) for name, cls in MIRRORS.items()}
    problems = []
    lib_abi = lib.jj_abi_version()
    if lib_abi != abi_version:
        problems.append(f"ABI version {lib_abi}, the binding needs {abi_version}")
    num = lib.jj_version_num()
    if num >> 16 != major:
        problems.append(f"version {lib.jj_version().decode()}, the binding needs {major}.x")
    for name, size in sizes.items():
        have = lib.jj_struct_size(name.encode())
        if have == 0:
            problems.append(f"{name} unknown to the library")
        elif name in GROWING and have < size:
            problems.append(f"sizeof({name}) is {have}, smaller than the binding's {size}")
        elif name not in GROWING and have != size:
            problems.append(f"sizeof({name}) is {have}, the binding's is {size}")
    if problems:
        raise ImportError(f"jjair: the library {path} does not match this binding: "
                          + "; ".join(problems))


def bound_names() -> Sequence[str]:
    return sorted(PROTOTYPES)
