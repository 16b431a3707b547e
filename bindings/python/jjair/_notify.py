"""jjair.Dispatcher: the notifier layer (notify.h) from Python, and custom
notifier types written in Python.

    d = jjair.Dispatcher(outbox="/var/lib/jjair/outbox")
    d.register("pager", send)            # send(notifications, settings) -> SendResult
    d.load_file("notifiers.yaml")        # or d.add("ops", "pager", number="010...")
    engine = jjair.Engine(rules, dispatcher=d)
    d.start()                            # or d.poll() in your loop
    ...
    d.close()

A Python send() is called on the delivering thread (the dispatcher's own
after start(), else the one calling poll()/drain()) with a list of
Notification objects (more than one when the notifier groups events) and
the instance's settings as a dict; it returns SendResult.OK, RETRY or
FAILED (None counts as OK). An exception counts as RETRY, its text the
reason. Needs a library built with notifiers (JJ_WITH_CURL).
"""
from __future__ import annotations

import enum
import threading
from ctypes import POINTER, byref, c_char_p, c_size_t, c_void_p, cast, memmove, sizeof
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence

from . import _lib


from . import _LIB  # the loaded library: set before the package imports this module


class SendResult(enum.IntEnum):
    """What a notifier's send reports (jj_send_result)."""
    OK = 0
    RETRY = 1
    FAILED = 2


@dataclass(frozen=True)
class Notification:
    """One event as a notifier receives it (jj_notification), copied."""
    id: int
    notifier: str
    kind: str
    rule: str
    level: str
    severity: str
    metric: str
    labels: Mapping[str, str]
    rule_labels: Mapping[str, str]
    annotations: Mapping[str, str]
    attempt: int
    value: float
    time_ms: int
    started_ms: int
    fingerprint: str
    life_safety: bool
    is_resolved: bool
    text: str
    json: str
    idempotency_key: str


def _t(b: Optional[bytes]) -> str:
    return b.decode("utf-8", "replace") if b else ""


def _pairs(p: Any, n: int) -> Dict[str, str]:
    return {_t(p[i].name): _t(p[i].value) for i in range(n)}


def _notification(p: Any) -> Notification:
    n = p.contents
    return Notification(
        id=n.id, notifier=_t(n.notifier), kind=_t(n.kind), rule=_t(n.rule),
        level=_t(n.level_name), severity=_t(n.severity), metric=_t(n.metric),
        labels=_pairs(n.labels, n.nlabels), rule_labels=_pairs(n.rule_labels, n.nrule_labels),
        annotations=_pairs(n.annotations, n.nannotations), attempt=n.attempt, value=n.value,
        time_ms=n.time_ms, started_ms=n.started_ms, fingerprint=format(n.fingerprint, "016x"),
        life_safety=bool(n.life_safety), is_resolved=bool(n.is_resolved), text=_t(n.text),
        json=_t(n.json), idempotency_key=_t(n.idempotency_key))


@dataclass
class NotifierStats:
    """jj_dispatcher_stats of one notifier."""
    sent: int
    retried: int
    failed: int
    dropped: int
    suppressed: int
    queue_depth: int
    oldest_pending_ms: int
    last_error: str
    spilled: int = 0  #: went to the hand-off ring's overflow list (ring full)


_KEY_SECRET = 0x2
_KEY_REQUIRED = 0x1


def _write_err(buf: int, size: int, text: str) -> None:
    data = text.encode("utf-8", "replace")[: max(size - 1, 0)] + b"\0"
    if size > 0:
        memmove(buf, data, len(data))


class _PyType:
    """A registered Python type: the C vtable and the instances' settings."""

    def __init__(self, name: str, send: Callable[..., Any], keys: Sequence[str],
                 secret_keys: Sequence[str], required: Sequence[str]):
        self.send_fn = send
        self.instances: Dict[int, Dict[str, str]] = {}
        self.next = 1
        self.lock = threading.Lock()
        names = list(dict.fromkeys(list(keys) + list(secret_keys) + list(required)))
        self._names = [k.encode() for k in names]  # kept alive: the C side borrows them
        self.keys = (_lib.jj_notifier_key * max(len(names), 1))()
        for i, k in enumerate(names):
            self.keys[i].name = self._names[i]
            self.keys[i].flags = ((_KEY_SECRET if k in secret_keys else 0)
                                  | (_KEY_REQUIRED if k in required else 0))
        self._cbs = (_lib.NOTIFIER_INIT_FN(self._init), _lib.NOTIFIER_SEND_FN(self._send),
                     _lib.NOTIFIER_VOID_FN(self._fini))
        self._name = name.encode()
        self.vtable = _lib.jj_notifier_type(
            size=sizeof(_lib.jj_notifier_type), name=self._name,
            keys=cast(self.keys, POINTER(_lib.jj_notifier_key)), nkeys=len(names),
            init=self._cbs[0], send=self._cbs[1], fini=self._cbs[2])
        self.names = names

    def _init(self, type_ctx: Any, settings: Any, out: Any, err: int, size: int) -> int:
        got = {}
        for k in self.names:
            v = _LIB.jj_notifier_setting(settings, k.encode())
            if v is not None:
                got[k] = v.decode("utf-8", "replace")
        got["name"] = _t(_LIB.jj_notifier_settings_name(settings))
        with self.lock:
            handle = self.next
            self.next += 1
            self.instances[handle] = got
        out[0] = handle
        return 0

    def _send(self, ctx: Any, msgs: Any, n: int, err: int, size: int) -> int:
        try:
            settings = self.instances.get(ctx or 0, {})
            r = self.send_fn([_notification(msgs[i]) for i in range(n)], dict(settings))
            r = SendResult.OK if r is None else SendResult(r)
            if r != SendResult.OK:
                _write_err(err, size, f"{self._name.decode()} send returned {r.name}")
            return int(r)
        except BaseException as exc:  # a bug in send must not kill the thread
            _write_err(err, size, f"{type(exc).__name__}: {exc}")
            return int(SendResult.RETRY)

    def _fini(self, ctx: Any) -> None:
        with self.lock:
            self.instances.pop(ctx or 0, None)


class Dispatcher:
    """A jj_dispatcher: routes the engine's events to notifiers and delivers
    them (see README "Notifiers")."""

    def __init__(self, *, outbox: Optional[str] = None, sync: str = "batch",
                 queue_capacity: int = 0, retry_initial_ms: int = 0, retry_max_ms: int = 0,
                 give_up_after_ms: int = 0, http_timeout_ms: int = 0,
                 handoff_capacity: int = 0,
                 log: Optional[Callable[[str, str], Any]] = None):
        from . import FEATURE_CURL, NotSupportedError, _error_for, features
        if not features() & FEATURE_CURL:
            raise NotSupportedError("this libjjair was built without notifiers (JJ_WITH_CURL)")
        syncs = {"batch": 0, "each": 1, "none": 2}
        if sync not in syncs:
            raise ValueError(f"sync must be one of {', '.join(syncs)}")
        cfg = _lib.jj_dispatcher_config()
        _LIB.jj_dispatcher_config_init(byref(cfg))
        self._outbox = outbox.encode() if outbox else None
        cfg.outbox_path = self._outbox
        cfg.outbox_sync = syncs[sync]
        cfg.queue_capacity = queue_capacity
        cfg.retry_initial_ms = retry_initial_ms
        cfg.retry_max_ms = retry_max_ms
        cfg.give_up_after_ms = give_up_after_ms
        cfg.http_timeout_ms = http_timeout_ms
        cfg.handoff_capacity = handoff_capacity
        self._log_cb: Any = None
        if log is not None:
            def _log(ctx: Any, notifier: Optional[bytes], message: Optional[bytes]) -> None:
                try:
                    log(_t(notifier), _t(message))
                except BaseException:  # never into C
                    pass
            self._log_cb = _lib.LOG_FN(_log)
            cfg.log = self._log_cb
        self._types: List[_PyType] = []
        out = c_void_p()
        err = _lib.jj_error()
        st = _LIB.jj_dispatcher_new(byref(cfg), byref(out), byref(err))
        if st != 0:
            raise _error_for(st, _t(err.message))
        self._handle: Optional[int] = out.value

    # -- configuration
    def register(self, name: str, send: Callable[[List[Notification], Dict[str, str]], Any], *,
                 keys: Iterable[str] = (), secret_keys: Iterable[str] = (),
                 required: Iterable[str] = ()) -> None:
        """Register a notifier type `name` implemented by `send`. Its
        settings are `keys`; `secret_keys` come from KEY_env / KEY_file only;
        `required` must be given."""
        from . import _error_for
        t = _PyType(name, send, list(keys), list(secret_keys), list(required))
        err = _lib.jj_error()
        st = _LIB.jj_dispatcher_register_type(self._h(), byref(t.vtable), byref(err))
        if st != 0:
            raise _error_for(st, _t(err.message))
        self._types.append(t)  # the C side borrows the vtable: keep it

    def add(self, name: str, type: str, **settings: Any) -> None:
        """Add notifier `name` of `type`; lists become one item per line."""
        from . import _error_for
        items = [(k, "\n".join(map(str, v)) if isinstance(v, (list, tuple)) else
                  ("true" if v is True else "false" if v is False else str(v)))
                 for k, v in settings.items()]
        keys = (c_char_p * max(len(items), 1))(*[k.encode() for k, _ in items])
        vals = (c_char_p * max(len(items), 1))(*[v.encode() for _, v in items])
        err = _lib.jj_error()
        st = _LIB.jj_dispatcher_add_notifier(self._h(), name.encode(), type.encode(), keys,
                                                 vals, len(items), byref(err))
        if st != 0:
            raise _error_for(st, _t(err.message))

    def _load(self, call: Callable[..., int]) -> None:
        from . import RuleError, Status, _problems
        errs = (_lib.jj_error * 16)()
        n = c_size_t(0)
        st = call(errs, 16, byref(n))
        if st != 0:
            raise RuleError(_problems(errs, min(n.value, 16)), n.value, Status(st))

    def load_string(self, text: str, name: Optional[str] = None) -> None:
        """Notifiers from YAML text (errors: jjair.RuleError with file:line:column)."""
        data = text.encode()
        self._load(lambda e, m, n: _LIB.jj_dispatcher_load_string(
            self._h(), data, len(data), name.encode() if name else None, e, m, n))

    def load_file(self, path: str) -> None:
        self._load(lambda e, m, n: _LIB.jj_dispatcher_load_file(
            self._h(), str(path).encode(), e, m, n))

    @property
    def notifiers(self) -> List[str]:
        return [_t(_LIB.jj_dispatcher_notifier_name(self._h(), i))
                for i in range(_LIB.jj_dispatcher_notifier_count(self._h()))]

    # -- delivery
    def send_test(self, notifier: str, text: str) -> None:
        from . import _error_for
        st = _LIB.jj_dispatcher_send_test(self._h(), notifier.encode(), text.encode())
        if st != 0:
            raise _error_for(st)

    def poll(self, timeout_ms: int = 0) -> None:
        _LIB.jj_dispatcher_poll(self._h(), timeout_ms)

    def start(self) -> None:
        _LIB.jj_dispatcher_start(self._h())

    def stop(self) -> None:
        _LIB.jj_dispatcher_stop(self._h())

    def drain(self, timeout_ms: int = 10000) -> bool:
        """Deliver until nothing is pending (True) or the timeout (False)."""
        return _LIB.jj_dispatcher_drain(self._h(), timeout_ms) == 0

    def stats(self, notifier: str) -> NotifierStats:
        from . import _error_for
        s = _lib.jj_notifier_stats()
        st = _LIB.jj_dispatcher_stats(self._h(), notifier.encode(), byref(s))
        if st != 0:
            raise _error_for(st, f"no notifier '{notifier}'")
        return NotifierStats(s.sent, s.retried, s.failed, s.dropped, s.suppressed,
                             s.queue_depth, s.oldest_pending_ms, _t(s.last_error), s.spilled)

    @property
    def outbox_damage(self) -> int:
        return _LIB.jj_dispatcher_outbox_damage(self._h())

    # -- lifetime
    def _h(self) -> int:
        from . import StateError
        if self._handle is None:
            raise StateError("the dispatcher is closed")
        return self._handle

    def close(self) -> None:
        """Stop, flush and free; pending events stay in the outbox."""
        h, self._handle = self._handle, None
        if h is not None:
            _LIB.jj_dispatcher_free(h)

    def __enter__(self) -> "Dispatcher":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_handle", None) is not None:
            self.close()
