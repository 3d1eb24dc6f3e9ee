"""Reading a work-order log (工单导出): CSV, Parquet or Excel, through a column map.

Every row that cannot be used is kept as a :class:`BadRow` (its row number as a spreadsheet
shows it, the column, why), never dropped silently; a log with nothing usable is an error. Times
become hours since the log's start (midnight of its first receipt day), as everywhere in govsim.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.columns import ColumnMap
from sim.scenario.loader import Problem, ScenarioError

__all__ = ["BadRow", "WorkLog", "read_log"]

#: the fields that are times, in the order of the workflow
TIME_FIELDS = ("received", "dispatched", "closed", "due")
SUFFIXES = {".csv", ".txt", ".parquet", ".xlsx", ".xlsm"}


@dataclass(frozen=True)
class BadRow:
    """A row that was not used: its number as a spreadsheet shows it (the header is row 1), the
    column at fault, the kind of fault (for counting) and the reason with the cell's value."""

    row: int
    order_id: str
    column: str
    kind: str
    reason: str

    def __str__(self) -> str:
        who = f" ({self.order_id})" if self.order_id else ""
        return f"row {self.row}{who}: {self.column}: {self.reason}"


@dataclass
class WorkLog:
    """The usable orders of a log, one row each, and what was left out.

    ``orders`` columns: ``id``, ``row``, the times ``received_h``, ``dispatched_h``,
    ``closed_h``, ``due_h`` (hours since ``start``; NaN when blank), ``channel`` (the scenario's
    channel id), ``category``, ``street``, ``community``, ``grid``, ``unit``, ``tier``,
    ``returns``, ``reopened`` (1, 0 or NaN), ``satisfaction`` (satisfied / unsatisfied / none /
    "" when blank), ``day`` (days since start) and ``hour`` (clock hour of receipt).
    """

    source: str
    orders: pd.DataFrame
    start: datetime
    end: datetime
    rows: int
    bad: list[BadRow] = field(default_factory=list)
    channel_kinds: dict[str, str] = field(default_factory=dict)

    @property
    def horizon_h(self) -> float:
        return (self.end - self.start).total_seconds() / 3600.0

    @property
    def days(self) -> int:
        return round(self.horizon_h / 24.0)

    def summary(self) -> str:
        """One paragraph for the terminal: rows read, used, and why others were not."""
        lines = [f"{self.source}: {self.rows:,} rows, {len(self.orders):,} orders used, "
                 f"{len(self.bad):,} rows not used; {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d} "
                 f"({self.days} days)"]
        by_reason: dict[str, list[BadRow]] = {}
        for bad in self.bad:
            by_reason.setdefault(f"{bad.column}: {bad.kind}", []).append(bad)
        for reason, rows in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
            shown = ", ".join(str(b.row) for b in rows[:5]) + (" …" if len(rows) > 5 else "")
            lines.append(f"  {len(rows):,} × {reason} (rows {shown})")
        return "\n".join(lines)


def _read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    name = str(path)
    if suffix not in SUFFIXES:
        raise ScenarioError([Problem(name, (), f"cannot read a {suffix or 'suffix-less'} file: "
                                               f"give a log as .csv, .parquet or .xlsx")])
    try:
        if suffix == ".parquet":
            table = pd.read_parquet(path)
            return table.astype(object).where(table.notna(), "").astype(str)
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError:  # many Chinese exports are GB 18030
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="gb18030")
    except FileNotFoundError:
        raise ScenarioError([Problem(name, (), "no such file")]) from None
    except (OSError, ValueError, ImportError) as exc:
        raise ScenarioError([Problem(name, (), f"cannot read the log: {exc}")]) from None


def _parse_times(values: pd.Series, formats: list[str]) -> pd.Series:
    """Each cell by the first format that reads it; NaT where none does (or blank)."""
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    todo = values != ""
    for fmt in formats:
        if not todo.any():
            break
        parsed = pd.to_datetime(values[todo], format=fmt, errors="coerce")
        got = parsed.notna()
        out[parsed.index[got]] = parsed[got]
        todo[parsed.index[got]] = False
    return out


def read_log(path: str | Path, columns: ColumnMap, end: datetime | None = None) -> WorkLog:
    """Read ``path`` with ``columns``; ``end`` is when the export was taken (default: midnight
    after the log's last time). Raises ScenarioError for a file or header that cannot be used."""
    path = Path(path)
    name = str(path)
    table = _read_table(path)
    table.columns = [str(c).strip() for c in table.columns]
    wanted = {fld: header for fld, header in columns.columns.model_dump().items()
              if header is not None}
    missing = [(fld, header) for fld, header in wanted.items() if header not in table.columns]
    if missing:
        raise ScenarioError([
            Problem(name, (), f"no column {header!r} (columns.{fld} of the column map); the "
                              f"log's columns are {list(table.columns)}")
            for fld, header in missing])
    if table.empty:
        raise ScenarioError([Problem(name, (), "the log has no rows")])
    cells = {fld: table[header].astype(str).str.strip() for fld, header in wanted.items()}
    n = len(table)
    row_no = np.arange(2, n + 2)  # as a spreadsheet numbers them, after the header
    ids = cells.get("id", pd.Series([""] * n))
    reason = pd.Series("", index=table.index)
    column = pd.Series("", index=table.index)
    kind = pd.Series("", index=table.index)

    def mark(bad: pd.Series, fld: str, what: str, why: pd.Series | str) -> None:
        new = bad & (reason == "")
        reason[new] = why[new] if isinstance(why, pd.Series) else why
        column[new] = wanted[fld]
        kind[new] = what

    times = {fld: _parse_times(cells[fld], columns.times.formats)
             for fld in TIME_FIELDS if fld in cells}
    formats = ", ".join(columns.times.formats)
    received = times["received"]
    mark(received.isna(), "received", "not a time",
         "cannot read '" + cells["received"] + f"' as a time (formats: {formats})")
    channel_values = cells["channel"]
    mark(~channel_values.isin(list(columns.channels)), "channel", "unknown value",
         "unknown value '" + channel_values + f"' (the map knows {sorted(columns.channels)})")
    mark(cells["category"] == "", "category", "empty", "empty")
    if "id" in cells:
        dup = ids.duplicated(keep="first") & (ids != "")
        first_row = pd.Series(row_no, index=table.index).groupby(ids).transform("min")
        mark(dup, "id", "repeated", "'" + ids + "' already on row " + first_row.astype(str))
    for fld in ("dispatched", "closed", "due"):
        if fld in times:
            unreadable = times[fld].isna() & (cells[fld] != "")
            mark(unreadable, fld, "not a time",
                 "cannot read '" + cells[fld] + f"' as a time (formats: {formats})")
    slack = pd.Timedelta(seconds=columns.times.tolerance_s)
    for later, earlier in (("dispatched", "received"), ("closed", "received"),
                           ("closed", "dispatched")):
        if later in times and earlier in times:
            early = times[later] < times[earlier] - slack
            mark(early, later, f"before {wanted[earlier]}", f"before {wanted[earlier]}")
    tiers = pd.Series("", index=table.index)
    if "unit" in cells:
        for rule in reversed(columns.units):  # the first rule that matches wins
            with warnings.catch_warnings():  # groups in a pattern are fine: only a match counts
                warnings.simplefilter("ignore", UserWarning)
                hit = cells["unit"].str.contains(rule.match, regex=True) & (cells["unit"] != "")
            tiers[hit] = rule.tier
        mark((cells["unit"] != "") & (tiers == ""), "unit", "no tier",
             "no rule of units matches '" + cells["unit"] + "'")
    returns = pd.Series(0.0, index=table.index)
    if "returns" in cells:
        returns = pd.to_numeric(cells["returns"].replace("", "0"), errors="coerce")
        mark(returns.isna() | (returns < 0) | (returns % 1 != 0), "returns", "not a count",
             "'" + cells["returns"] + "' is not a count")
    reopened = pd.Series(np.nan, index=table.index)
    if "reopened" in cells:
        known = {**{k: float(v) for k, v in columns.reopened.items()}, "": np.nan}
        mark(~cells["reopened"].isin(list(known)), "reopened", "unknown value",
             "unknown value '" + cells["reopened"]
             + f"' (the map knows {sorted(columns.reopened)})")
        reopened = cells["reopened"].map(known)
    satisfaction = pd.Series("", index=table.index)
    if "satisfaction" in cells:
        known_s = {**columns.satisfaction, "": ""}
        mark(~cells["satisfaction"].isin(list(known_s)), "satisfaction", "unknown value",
             "unknown value '" + cells["satisfaction"] + "' (the map knows "
             f"{sorted(columns.satisfaction)})")
        satisfaction = cells["satisfaction"].map(known_s).fillna("")

    good = reason == ""
    bad = [BadRow(int(row_no[i]), str(ids.iloc[i]), str(column.iloc[i]), str(kind.iloc[i]),
                  str(reason.iloc[i]))
           for i in np.flatnonzero(~good.to_numpy())]
    if not good.any():
        raise ScenarioError([Problem(name, (), f"no usable order in {n:,} rows; the first "
                                               f"problems: {'; '.join(str(b) for b in bad[:3])}")])
    first = received[good].min()
    start = datetime.combine(first.date(), datetime.min.time())
    # the export's end: the last receipt, dispatch or close (a deadline may lie beyond it)
    latest = max(times[fld][good].max() for fld in ("received", "dispatched", "closed")
                 if fld in times and times[fld][good].notna().any())
    midnight = latest.normalize().to_pydatetime()
    stop = end or (midnight if latest == midnight else midnight + timedelta(days=1))
    if stop <= start:
        raise ScenarioError([Problem(name, (), f"the log ends ({stop}) before it starts "
                                               f"({start})")])

    def hours(t: pd.Series) -> np.ndarray:
        return ((t[good] - start).dt.total_seconds() / 3600.0).to_numpy(dtype=float)

    def text(fld: str) -> np.ndarray:
        return cells[fld][good].to_numpy(dtype=object) if fld in cells else np.full(
            int(good.sum()), "", dtype=object)

    channel_id = {value: ch.id for value, ch in columns.channels.items()}
    orders = pd.DataFrame({
        "id": text("id"),
        "row": row_no[good.to_numpy()],
        **{f"{fld}_h": hours(times[fld]) if fld in times else np.full(int(good.sum()), np.nan)
           for fld in TIME_FIELDS},
        "channel": channel_values[good].map(channel_id).to_numpy(dtype=object),
        "category": text("category"),
        "street": text("street"),
        "community": text("community"),
        "grid": text("grid"),
        "unit": text("unit"),
        "tier": tiers[good].to_numpy(dtype=object),
        "returns": returns[good].fillna(0).astype(int).to_numpy(),
        "reopened": reopened[good].to_numpy(dtype=float),
        "satisfaction": satisfaction[good].to_numpy(dtype=object),
    })
    at = received[good]
    orders["day"] = ((at - start).dt.days).to_numpy()
    orders["hour"] = at.dt.hour.to_numpy()
    kinds = {ch.id: ch.kind for ch in columns.channels.values()}
    used = set(orders["channel"])
    return WorkLog(name, orders.reset_index(drop=True), start, stop, n, bad,
                   {cid: kind for cid, kind in kinds.items() if cid in used})

