"""jjair.replay: a pandas DataFrame of readings through rules, events out as
a DataFrame. Needs pandas (Debian's python3-pandas) and numpy."""
from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any, List, Mapping, Optional, Sequence, Union

if TYPE_CHECKING:
    from . import Event, Ruleset

EVENT_COLUMNS = ["time", "seq", "kind", "reason", "rule", "level", "level_name", "severity",
                 "prev_level_name", "value", "metric", "labels", "started", "fingerprint"]


def _times_ms(column: Any, tz: Union[str, _dt.tzinfo, None]) -> Any:
    import numpy as np
    import pandas as pd
    if pd.api.types.is_integer_dtype(column):
        return column.to_numpy(dtype=np.int64)
    t = pd.to_datetime(column)
    if t.dt.tz is None:
        t = t.dt.tz_localize(tz or "UTC")
    # ns since the epoch -> ms (exact for the whole ms the engine works in)
    return (t.dt.tz_convert("UTC").astype("int64") // 1_000_000).to_numpy(dtype=np.int64)


def replay(frame: Any, rules: Union["Ruleset", str], *, time: str,
           metrics: Union[Mapping[str, str], Sequence[str]],
           labels: Optional[Mapping[str, str]] = None,
           label_columns: Optional[Mapping[str, str]] = None,
           tz: Union[str, _dt.tzinfo, None] = None, flush_ms: Union[int, str] = 0,
           **limits: Union[int, str]) -> Any:
    """Replay `frame` through `rules` (a Ruleset or a rule file path) and
    return the events as a DataFrame (columns EVENT_COLUMNS; `time` and
    `started` timezone-aware UTC, `labels` dicts), in the order they happened.

    time:          the time column: datetimes (naive ones are in `tz`,
                   default UTC, e.g. "+09:00" or "Asia/Seoul") or integer ms.
    metrics:       {column: metric} or a list of columns named as metrics;
                   each row gives one reading per metric, in this order, as
                   `jjair replay --metric` does. Missing cells (NaN) are skipped.
    labels:        labels every series gets, e.g. {"zone": "seoul"}.
    label_columns: {column: label} read per row (one series per distinct value).
    flush_ms:      at the end, advance this far past the last row (or "1h").
    limits:        Engine limits (lateness_ms, max_series, ...).

    The readings go to the engine in one push_many call, without a Python
    loop per row.
    """
    import numpy as np
    import pandas as pd

    from . import Engine, Ruleset, parse_duration

    if not isinstance(rules, Ruleset):
        rules = Ruleset.from_file(rules)
    mapping = dict(metrics) if isinstance(metrics, Mapping) else {c: c for c in metrics}
    label_columns = dict(label_columns or {})
    fixed = {k: str(v) for k, v in (labels or {}).items()}
    flush = parse_duration(flush_ms) if isinstance(flush_ms, str) else int(flush_ms)
    n = len(frame)
    ts = _times_ms(frame[time], tz)

    events: List["Event"] = []
    with Engine(rules, on_event=events.append, no_queue=True, **limits) as engine:
        # One series per (metric, distinct label-column values): resolved once each.
        if label_columns:
            keys = pd.MultiIndex.from_frame(frame[list(label_columns)].astype(str))
            codes, uniques = pd.factorize(keys)
            combos = [dict(zip(label_columns.values(), u)) for u in uniques]
        else:
            codes, combos = np.zeros(n, dtype=np.int64), [{}]
        ids = np.empty((n, len(mapping)), dtype=np.uint32)
        vals = np.empty((n, len(mapping)), dtype=np.float64)
        for j, (column, metric) in enumerate(mapping.items()):
            table = np.array([engine.series(metric, {**fixed, **c}) for c in combos],
                             dtype=np.uint32)
            ids[:, j] = table[codes]
            vals[:, j] = pd.to_numeric(frame[column], errors="coerce").to_numpy(np.float64)
        times = np.repeat(ts, len(mapping))
        ids, vals = ids.ravel(), vals.ravel()  # row by row, metrics in order
        present = ~np.isnan(vals)
        engine.push_many(ids[present], times[present], vals[present])
        if flush > 0 and n:
            engine.advance(int(ts.max()) + flush)

    utc = _dt.timezone.utc
    rows = [{"time": e.time, "seq": e.seq, "kind": e.kind, "reason": e.reason, "rule": e.rule,
             "level": e.level, "level_name": e.level_name, "severity": e.severity,
             "prev_level_name": e.prev_level_name, "value": e.value, "metric": e.metric,
             "labels": dict(e.labels), "started": e.started, "fingerprint": e.fingerprint}
            for e in events]
    out = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    for c in ("time", "started"):
        out[c] = pd.to_datetime(out[c], utc=True) if rows else pd.Series(
            [], dtype=pd.DatetimeTZDtype(tz=utc))
    return out
