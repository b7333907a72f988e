"""All of the reports' SQL (issue 15).

How a year of a 20-window hall (≈ 1 million tickets) renders within 2 s and a month within 500 ms — the decision:

- `report_facts` (m501) holds one narrow row per ticket: local day, month, hour and weekday of issue, its service,
  item, window and clerk, status, wait / handling / walk / busy seconds (core.kpis definitions), transfer and
  recall counts, its rating. A past day's rows are written once (`report_days`): at the day's close (the service's
  day-close hook, `keep_day`), or on first use for days not yet kept (an existing database's backfill). Today's
  rows are rebuilt for a report when the hall has changed since, at most once a minute (`today_max_age_s`: today's
  figures are at most a minute old); each past day's sums are rolled up too (`report_rollup` with the day as its
  period, no histograms), so a month not yet complete reads its days' sums and only its histograms from facts.
- `report_rollup` and `report_rhist` (m502) hold each complete past month once more, summed per cut (hour,
  weekday, day, month, service, item, window, clerk, and hour × weekday for the heatmap), for all services ('')
  and per service, with the wait and handling histograms (10-second buckets) of each value of each cut. They are
  written at the close of a month's last day, or on first use. A month's `within` (waits within the service
  level) is counted at the hall's level of the time (`report_months.level_s`); when the hall changes its level,
  the month is rolled up again on first use.
- A report over [first, last] reads the rollups of the complete months inside it and the facts of the other days
  (at most the two partial months at its ends, and today), and adds them up: sums add, maxima take the larger,
  histograms add bucket by bucket, so the percentiles stay exact to 10 s. Twelve months are a few thousand rows
  rather than a million; a month not yet complete is one GROUP BY over ≤ 31 days of narrow rows (index on the day).
- The windows' pauses (count, seconds, by reason) live only in the event log, which keeps a few days: each day's
  are kept in `report_pauses` at its close (or on first use while the log still has them); older days show none.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any
from zoneinfo import ZoneInfo

from core import kpis
from server.store import SqliteStore

BUCKET_S = 10  # histogram resolution of the percentiles

CUTS: dict[str, str] = {  # cut → column
    "hour": "hour",
    "weekday": "weekday",
    "day": "d",
    "month": "month",
    "service": "service",
    "item": "item",
    "window": "window",
    "clerk": "staff",
}
HEAT = "hw"  # the heatmap's cut in the rollups: weekday × 100 + hour
_DIMS: dict[str, str] = {**CUTS, HEAT: "weekday * 100 + hour"}
_FACT_COLUMNS = (
    "d, month, hour, weekday, service, item, window, staff, status, wait, handle, walk, busy, transferred, "
    "from_window, from_staff, recalls, priority, score"
)
SUMS = (
    "issued",
    "served",
    "no_shows",
    "cancelled",
    "transferred",
    "unfinished",
    "recalls",
    "called",
    "wait_sum",
    "within",
    "handled",
    "handle_sum",
    "walked",
    "walk_sum",
    "busy",
    "rated",
    "s5",
    "s4",
    "s3",
    "s2",
    "s1",
)
MAXES = ("wait_max", "handle_max", "walk_max")
_FACT_SUMS = (
    "COUNT(*) AS issued, COALESCE(SUM(status = 'done'), 0) AS served,"
    " COALESCE(SUM(status = 'no_show'), 0) AS no_shows, COALESCE(SUM(status = 'cancelled'), 0) AS cancelled,"
    " COALESCE(SUM(transferred > 0), 0) AS transferred, COALESCE(SUM(status = 'closed'), 0) AS unfinished,"
    " COALESCE(SUM(recalls), 0) AS recalls, COUNT(wait) AS called, COALESCE(SUM(wait), 0) AS wait_sum,"
    " COALESCE(SUM(wait <= ?), 0) AS within, COUNT(handle) AS handled, COALESCE(SUM(handle), 0) AS handle_sum,"
    " COUNT(walk) AS walked, COALESCE(SUM(walk), 0) AS walk_sum, COALESCE(SUM(busy), 0) AS busy,"
    " COUNT(score) AS rated, COALESCE(SUM(score = 5), 0) AS s5, COALESCE(SUM(score = 4), 0) AS s4,"
    " COALESCE(SUM(score = 3), 0) AS s3, COALESCE(SUM(score = 2), 0) AS s2, COALESCE(SUM(score = 1), 0) AS s1,"
    " MAX(wait) AS wait_max, MAX(handle) AS handle_max, MAX(walk) AS walk_max"
)
_ROLLUP_SUMS = ", ".join(f"SUM({c}) AS {c}" for c in SUMS) + ", " + ", ".join(f"MAX({c}) AS {c}" for c in MAXES)
Ranges = Sequence[tuple[str, str]]


def _seconds(a: dt.datetime | None, b: dt.datetime | None) -> int | None:
    if a is None or b is None:
        return None
    return max(0, round((b - a).total_seconds()))


def fact_row(t: dict[str, Any], tz: ZoneInfo) -> tuple[Any, ...]:
    """One ticket row (with its rating's score) as a report_facts row (core.kpis.Visit's definitions)."""

    def when(v: Any) -> dt.datetime | None:
        return dt.datetime.fromisoformat(v) if v else None

    issued = dt.datetime.fromisoformat(t["issued_at"]).astimezone(tz)
    queued, called, started, finished = (
        when(t["queued_at"]),
        when(t["called_at"]),
        when(t["started_at"]),
        when(t["finished_at"]),
    )
    status = t["status"]
    referrals = json.loads(t["referrals"] or "[]")
    last = referrals[-1] if referrals else None
    return (
        t["day"],
        t["day"][:7],
        issued.hour,
        issued.isoweekday(),
        t["service"],
        t["item"],
        t["window"],
        t["staff"],
        status,
        _seconds(queued or issued, called),
        _seconds(called, finished) if status == "done" else None,
        _seconds(called, started),
        _seconds(called, finished) if status in ("done", "no_show") else None,
        len(referrals),
        last["from_window"] if last else None,
        last["from_staff"] if last else None,
        t["recalls"] or 0,
        int(bool(t["priority"])),
        t["score"],
    )


def _empty(k: Any) -> dict[str, Any]:
    return {"k": k, **dict.fromkeys(SUMS, 0), **dict.fromkeys(MAXES), "t_out": 0, "t_in": 0}


def _add(into: dict[str, Any], r: Any) -> None:
    for c in SUMS:
        into[c] += r[c] or 0
    for c in MAXES:
        if r[c] is not None and (into[c] is None or r[c] > into[c]):
            into[c] = r[c]


def _means(row: dict[str, Any]) -> dict[str, Any]:
    for m, n in (("wait", "called"), ("handle", "handled"), ("walk", "walked")):
        row[f"{m}_mean"] = row[f"{m}_sum"] / row[n] if row[n] else None
    return row


def month_span(m: str) -> tuple[dt.date, dt.date]:
    first = dt.date.fromisoformat(f"{m}-01")
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def split(first: dt.date, last: dt.date, today: dt.date) -> tuple[list[str], list[tuple[str, str]]]:
    """The complete past months inside [first, last] (read from rollups) and the day ranges left (from facts)."""
    months: list[str] = []
    ranges: list[tuple[str, str]] = []
    d = first
    while d <= last:
        m0, m1 = month_span(d.isoformat()[:7])
        end = min(m1, last)
        if d == m0 and end == m1 and m1 < today:
            months.append(d.isoformat()[:7])
        elif ranges and dt.date.fromisoformat(ranges[-1][1]) + dt.timedelta(days=1) == d:
            ranges[-1] = (ranges[-1][0], end.isoformat())
        else:
            ranges.append((d.isoformat(), end.isoformat()))
        d = end + dt.timedelta(days=1)
    return months, ranges


class ReportStore:
    def __init__(
        self,
        store: SqliteStore,
        tz: ZoneInfo,
        writing: Callable[[], AbstractContextManager[Any]] | None = None,
        *,
        level_s: int = 15 * 60,
        version: Callable[[], int] | None = None,
        today_max_age_s: float = 60.0,
    ):
        self.store = store
        self.tz = tz
        self.writing = writing or nullcontext
        self.level_s = level_s  # the service level the months are rolled up at (the hall's; a report may say)
        self.version = version  # the hall's last event id: today's facts are rebuilt only after it moved
        self._today_kept: tuple[str, int] | None = None
        self._today_at = -math.inf  # when today's facts were last rebuilt (time.monotonic)
        self.today_max_age_s = today_max_age_s  # ... and how stale they may be while the hall is busy

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        return self.store._rows(sql, params)

    @contextmanager
    def _write(self) -> Iterator[Any]:
        with self.writing():
            yield self.store._writer

    # ---- keeping the facts ------------------------------------------------------------------------------

    def keep_day(self, day: dt.date, today: dt.date) -> None:
        """The day's close: its facts, sums and pauses kept; when its month is over, the month rolled up."""
        self._keep_facts(day, day, today)
        self._keep_pauses(day, day, today)
        if day.isoformat()[:7] < today.isoformat()[:7]:  # its month is over (after its last day, or a long closure)
            first, last = month_span(day.isoformat()[:7])
            self._keep_facts(first, last, today)  # any day the server was down for
            self._roll_month(day.isoformat()[:7], self.level_s)

    def ensure(self, first: dt.date, last: dt.date, today: dt.date, level_s: int | None = None) -> int:
        """Everything a report over [first, last] reads: past days' facts and pauses not yet kept (kept now),
        today's rebuilt, complete months rolled up (again, when rolled up at another service level).
        Returns the fact rows written."""
        if level_s is not None:
            self.level_s = level_s
        months, ranges = split(first, last, today)
        written = 0
        for lo, hi in ranges:
            written += self._keep_facts(dt.date.fromisoformat(lo), dt.date.fromisoformat(hi), today)
            hi = min(hi, (today - dt.timedelta(days=1)).isoformat())
            rolled = {
                r[0]
                for r in self._rows(
                    "SELECT m FROM report_months WHERE level_s = ? AND m BETWEEN ? AND ?", (self.level_s, lo, hi)
                )
            }
            for (d,) in self._rows("SELECT d FROM report_days WHERE d BETWEEN ? AND ?", (lo, hi)):
                if d not in rolled:  # kept at another service level: its sums again
                    self._roll(d, d, d, self.level_s, hist=False)
        self._keep_pauses(first, last, today)
        if months:
            done = {
                r[0]
                for r in self._rows(
                    f"SELECT m FROM report_months WHERE level_s = ? AND m IN ({', '.join('?' * len(months))})",
                    [self.level_s, *months],
                )
            }
            for m in months:
                if m not in done:
                    m_first, m_last = month_span(m)
                    written += self._keep_facts(m_first, m_last, today)
                    self._roll_month(m, self.level_s)
        return written

    def _keep_facts(self, first: dt.date, last: dt.date, today: dt.date) -> int:
        lo, hi = first.isoformat(), min(last, today).isoformat()
        if lo > hi:
            return 0
        kept = {r[0] for r in self._rows("SELECT d FROM report_days WHERE d BETWEEN ? AND ?", (lo, hi))}
        days = [
            r[0]
            for r in self._rows("SELECT DISTINCT day FROM tickets WHERE day BETWEEN ? AND ?", (lo, hi))
            if r[0] not in kept
        ]
        written = 0
        now = dt.datetime.now(dt.UTC).isoformat()
        for day in days:
            if day == today.isoformat() and self.version is not None:
                mark = (day, self.version())
                fresh = self._today_kept is not None and self._today_kept[0] == day
                if fresh and (self._today_kept == mark or time.monotonic() - self._today_at < self.today_max_age_s):
                    continue  # nothing happened since today's facts were rebuilt, or they are under a minute old
                self._today_kept, self._today_at = mark, time.monotonic()
            rows = self._rows(
                "SELECT t.day, t.issued_at, t.queued_at, t.called_at, t.started_at, t.finished_at, t.status, t.service,"
                " t.item, t.window, t.staff, t.recalls, t.priority, t.referrals, r.score"
                " FROM tickets t LEFT JOIN ratings r ON r.ticket = t.id WHERE t.day = ?",
                (day,),
            )
            facts = [fact_row(dict(r), self.tz) for r in rows]
            with self._write() as db:
                db.execute("DELETE FROM report_facts WHERE d = ?", (day,))
                db.executemany(f"INSERT INTO report_facts ({_FACT_COLUMNS}) VALUES ({', '.join('?' * 19)})", facts)
                if day < today.isoformat():
                    db.execute("INSERT OR REPLACE INTO report_days (d, computed_at) VALUES (?, ?)", (day, now))
            if day < today.isoformat():
                self._roll(day, day, day, self.level_s, hist=False)
            written += len(facts)
        return written

    def _roll_month(self, m: str, level_s: int) -> None:
        lo, hi = (d.isoformat() for d in month_span(m))
        self._roll(m, lo, hi, level_s, hist=True)

    def _roll(self, m: str, lo: str, hi: str, level_s: int, *, hist: bool) -> None:
        """Sum the facts of [lo, hi] per cut, for all services and per service, as period `m` (a month, with its
        histograms; or a day, its sums only)."""
        rollup: list[tuple[Any, ...]] = []
        hists: list[tuple[Any, ...]] = []
        for dim, col in _DIMS.items():
            rows: dict[tuple[str, Any], dict[str, Any]] = {}

            def row(service: str, k: Any, rows: dict[tuple[str, Any], dict[str, Any]] = rows) -> dict[str, Any]:
                found = rows.get((service, k))
                if found is None:
                    found = rows[(service, k)] = _empty(k)
                return found

            for r in self._rows(
                f"SELECT service, {col} AS k, {_FACT_SUMS} FROM report_facts WHERE d BETWEEN ? AND ?"
                " GROUP BY service, k",
                (level_s, lo, hi),
            ):
                _add(row(r["service"], r["k"]), r)
                _add(row("", r["k"]), r)
            if dim in ("window", "clerk"):
                frm = "from_window" if dim == "window" else "from_staff"
                for svc, k, n in self._rows(
                    f"SELECT service, {frm}, COUNT(*) FROM report_facts WHERE d BETWEEN ? AND ? AND {frm} IS NOT NULL"
                    " GROUP BY 1, 2",
                    (lo, hi),
                ):
                    row(svc, k)["t_out"] += n
                    row("", k)["t_out"] += n
                for svc, k, n in self._rows(
                    f"SELECT service, {col}, COUNT(*) FROM report_facts WHERE d BETWEEN ? AND ? AND transferred > 0"
                    " AND wait IS NOT NULL GROUP BY 1, 2",
                    (lo, hi),
                ):
                    row(svc, k)["t_in"] += n
                    row("", k)["t_in"] += n
            for (svc, k), r in rows.items():
                rollup.append((m, svc, dim, k, *(r[c] for c in SUMS), *(r[c] for c in MAXES), r["t_out"], r["t_in"]))
            if dim == HEAT or not hist:
                continue
            for measure in ("wait", "handle"):
                counts: dict[tuple[str, Any, int], int] = {}
                for svc, k, b, n in self._rows(
                    f"SELECT service, {col}, {measure} / {BUCKET_S}, COUNT(*) FROM report_facts"
                    f" WHERE d BETWEEN ? AND ? AND {measure} IS NOT NULL GROUP BY 1, 2, 3",
                    (lo, hi),
                ):
                    counts[(svc, k, b)] = n
                    counts[("", k, b)] = counts.get(("", k, b), 0) + n
                hists += [(m, svc, dim, k, measure, b, n) for (svc, k, b), n in counts.items()]
        columns = ("m", "service", "dim", "k", *SUMS, *MAXES, "t_out", "t_in")
        with self._write() as db:
            db.execute("DELETE FROM report_rollup WHERE m = ?", (m,))
            db.execute("DELETE FROM report_rhist WHERE m = ?", (m,))
            db.executemany(
                f"INSERT INTO report_rollup ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rollup
            )
            db.executemany(
                "INSERT INTO report_rhist (m, service, dim, k, measure, b, n) VALUES (?, ?, ?, ?, ?, ?, ?)", hists
            )
            db.execute(
                "INSERT OR REPLACE INTO report_months (m, level_s, computed_at) VALUES (?, ?, ?)",
                (m, level_s, dt.datetime.now(dt.UTC).isoformat()),
            )

    # ---- reading ------------------------------------------------------------------------------------------

    def _plan(
        self, first: dt.date, last: dt.date, today: dt.date | None, window: int | None
    ) -> tuple[list[str], list[str], Ranges, Ranges]:
        """Where a report's figures come from: complete months from their roll-ups (sums and histograms), past days
        from their day roll-ups (sums; their histograms from the facts), the rest (today, days not rolled up at the
        current level) from the facts. Returns (months, days, sum ranges of facts, histogram ranges of facts)."""
        if window is not None or today is None:
            whole = [(first.isoformat(), last.isoformat())]
            return [], [], whole, whole
        months, ranges = split(first, last, today)
        ready: set[str] = set()
        if months:
            ready = {
                r[0]
                for r in self._rows(
                    f"SELECT m FROM report_months WHERE level_s = ? AND m IN ({', '.join('?' * len(months))})",
                    [self.level_s, *months],
                )
            }
        hist_ranges = list(ranges)
        for m in months:
            if m not in ready:
                m_first, m_last = month_span(m)
                hist_ranges.append((m_first.isoformat(), m_last.isoformat()))
        hist_ranges.sort()
        days: list[str] = []
        sum_ranges: list[tuple[str, str]] = []
        for lo, hi in hist_ranges:
            rolled = {
                r[0]
                for r in self._rows(
                    "SELECT m FROM report_months WHERE level_s = ? AND m BETWEEN ? AND ? AND length(m) = 10",
                    (self.level_s, lo, hi),
                )
            }
            d, end = dt.date.fromisoformat(lo), dt.date.fromisoformat(hi)
            while d <= end:
                key = d.isoformat()
                if key in rolled:
                    days.append(key)
                elif sum_ranges and sum_ranges[-1][1] == (d - dt.timedelta(days=1)).isoformat():
                    sum_ranges[-1] = (sum_ranges[-1][0], key)
                else:
                    sum_ranges.append((key, key))
                d += dt.timedelta(days=1)
        return [m for m in months if m in ready], days, sum_ranges, hist_ranges

    @staticmethod
    def _where(ranges: Ranges, service: str | None, window: int | None) -> tuple[str, list[Any]]:
        where = "(" + " OR ".join("d BETWEEN ? AND ?" for _ in ranges) + ")"
        params: list[Any] = [x for r in ranges for x in r]
        if service:
            where += " AND service = ?"
            params.append(service)
        if window is not None:
            where += " AND window = ?"
            params.append(window)
        return where, params

    @staticmethod
    def _in_months(months: Sequence[str]) -> str:
        return f"m IN ({', '.join('?' * len(months))})"

    def summary(
        self,
        first: dt.date,
        last: dt.date,
        cut: str,
        level_s: int,
        *,
        service: str | None = None,
        window: int | None = None,
        today: dt.date | None = None,
    ) -> list[dict[str, Any]]:
        """Per value of the cut: volumes, wait/handling/walk sums, means, maxima and counts, the service level,
        ratings, transfers out and in (window and clerk cuts)."""
        out = self._sums(first, last, cut, level_s, service=service, window=window, today=today)
        return [_means(out[k]) for k in sorted(out, key=lambda k: (k is None, k))]

    def _sums(
        self,
        first: dt.date,
        last: dt.date,
        dim: str,
        level_s: int,
        *,
        service: str | None,
        window: int | None,
        today: dt.date | None,
    ) -> dict[Any, dict[str, Any]]:
        col = _DIMS[dim]
        months, days, ranges, _ = self._plan(first, last, today, window)
        months = [*months, *days]
        if level_s != self.level_s:
            months, ranges = [], [(first.isoformat(), last.isoformat())]
        out: dict[Any, dict[str, Any]] = {}

        def row(k: Any) -> dict[str, Any]:
            found = out.get(k)
            if found is None:
                found = out[k] = _empty(k)
            return found

        if months:
            for r in self._rows(
                f"SELECT k, {_ROLLUP_SUMS}, SUM(t_out) AS t_out, SUM(t_in) AS t_in FROM report_rollup"
                f" WHERE dim = ? AND service = ? AND {self._in_months(months)} GROUP BY k",
                [dim, service or "", *months],
            ):
                into = row(r["k"])
                _add(into, r)
                into["t_out"] += r["t_out"]
                into["t_in"] += r["t_in"]
        if ranges:
            where, params = self._where(ranges, service, window)
            for r in self._rows(
                f"SELECT {col} AS k, {_FACT_SUMS} FROM report_facts WHERE {where} GROUP BY k", [level_s, *params]
            ):
                _add(row(r["k"]), r)
            if dim in ("window", "clerk"):
                frm = "from_window" if dim == "window" else "from_staff"
                for k, n in self._rows(
                    f"SELECT {frm}, COUNT(*) FROM report_facts WHERE {where} AND {frm} IS NOT NULL GROUP BY 1", params
                ):
                    row(k)["t_out"] += n
                for k, n in self._rows(
                    f"SELECT {col}, COUNT(*) FROM report_facts WHERE {where} AND transferred > 0"
                    " AND wait IS NOT NULL GROUP BY 1",
                    params,
                ):
                    row(k)["t_in"] += n
        return out

    def histogram(
        self,
        first: dt.date,
        last: dt.date,
        cut: str,
        measure: str,
        *,
        service: str | None = None,
        window: int | None = None,
        today: dt.date | None = None,
    ) -> dict[Any, list[tuple[int, int]]]:
        """Per value of the cut: (bucket, count) of a duration in BUCKET_S buckets, ascending."""
        if measure not in ("wait", "handle", "walk"):
            raise ValueError(measure)
        col = CUTS[cut]
        months: list[str] = []
        ranges: Ranges = [(first.isoformat(), last.isoformat())]
        if measure != "walk":
            months, _, _, ranges = self._plan(first, last, today, window)
        counts: dict[Any, dict[int, int]] = {}
        rows: list[Any] = []
        if months:
            rows += self._rows(
                f"SELECT k, b, SUM(n) FROM report_rhist WHERE dim = ? AND measure = ? AND service = ?"
                f" AND {self._in_months(months)} GROUP BY k, b",
                [cut, measure, service or "", *months],
            )
        if ranges:
            where, params = self._where(ranges, service, window)
            rows += self._rows(
                f"SELECT {col}, {measure} / {BUCKET_S}, COUNT(*) FROM report_facts"
                f" WHERE {where} AND {measure} IS NOT NULL GROUP BY 1, 2",
                params,
            )
        for k, b, n in rows:
            per = counts.setdefault(k, {})
            per[b] = per.get(b, 0) + n
        return {k: sorted(per.items()) for k, per in counts.items()}

    def heatmap(
        self,
        first: dt.date,
        last: dt.date,
        level_s: int,
        *,
        service: str | None = None,
        today: dt.date | None = None,
    ) -> list[dict[str, Any]]:
        """Waits by hour of day × weekday: tickets called, mean wait, share within the service level."""
        out = []
        for k, r in self._sums(first, last, HEAT, level_s, service=service, window=None, today=today).items():
            if r["called"]:
                out.append(
                    {
                        "hour": k % 100,
                        "weekday": k // 100,
                        "called": r["called"],
                        "wait_mean": r["wait_sum"] / r["called"],
                        "within": r["within"],
                    }
                )
        return sorted(out, key=lambda h: (h["weekday"], h["hour"]))

    def transfers_out(self, first: dt.date, last: dt.date, cut: str, today: dt.date | None = None) -> dict[Any, int]:
        if cut not in ("window", "clerk"):
            return {}
        sums = self._sums(first, last, cut, self.level_s, service=None, window=None, today=today)
        return {k: r["t_out"] for k, r in sums.items() if r["t_out"]}

    def transfers_in(self, first: dt.date, last: dt.date, cut: str, today: dt.date | None = None) -> dict[Any, int]:
        if cut not in ("window", "clerk"):
            return {}
        sums = self._sums(first, last, cut, self.level_s, service=None, window=None, today=today)
        return {k: r["t_in"] for k, r in sums.items() if r["t_in"]}

    def sign_ins(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        """Sign-ins and sign-outs at windows in the period, in order (utilisation and served per hour open)."""
        return [
            dict(r)
            for r in self._rows(
                "SELECT staff, window, kind, at FROM attendance WHERE day BETWEEN ? AND ?"
                " AND kind IN ('sign_in', 'sign_out') ORDER BY at",
                (first.isoformat(), last.isoformat()),
            )
        ]

    # ---- pauses ---------------------------------------------------------------------------------------------

    def _first_event_at(self, at: str) -> int:
        """The id of the first event at or after `at` (events are appended in time order): a binary search on the
        key, not a scan of the log."""
        bounds = self._rows("SELECT MIN(id), MAX(id) FROM events")[0]
        if bounds[0] is None:
            return 0
        lo, hi = bounds[0], bounds[1] + 1
        while lo < hi:
            mid = (lo + hi) // 2
            found = self._rows("SELECT at FROM events WHERE id >= ? ORDER BY id LIMIT 1", (mid,))
            if found and dt.datetime.fromisoformat(found[0][0]) < dt.datetime.fromisoformat(at):
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _events(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        lo = dt.datetime.combine(first, dt.time(), self.tz).astimezone(dt.UTC).isoformat()
        hi = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), self.tz).astimezone(dt.UTC).isoformat()
        return [
            dict(r)
            for r in self._rows(
                "SELECT name, at, payload FROM events WHERE id >= ? AND id < ? AND name IN ('window.paused',"
                " 'window.resumed', 'window.closed') ORDER BY id",
                (self._first_event_at(lo), self._first_event_at(hi)),
            )
        ]

    def pause_spans(
        self, first: dt.date, last: dt.date, now: dt.datetime | None = None
    ) -> dict[tuple[str, int, str | None], list[Any]]:
        """(day, window, clerk) → (reason, paused at, resumed at) spans, from the event log: a pause ends when the
        window resumes or closes, or at the day's end."""
        open_: dict[int, tuple[str, str | None, str, float]] = {}
        out: dict[tuple[str, int, str | None], list[Any]] = {}

        def close(w: int, at: dt.datetime) -> None:
            day, staff, reason, since = open_.pop(w)
            out.setdefault((day, w, staff), []).append((reason, since, at.timestamp()))

        for e in self._events(first, last):
            at = dt.datetime.fromisoformat(e["at"])
            p = json.loads(e["payload"]) if isinstance(e["payload"], str) else e["payload"]
            w = (p.get("window") or {}).get("number")
            if w is None:
                continue
            local = at.astimezone(self.tz)
            if w in open_ and open_[w][0] != local.date().isoformat():  # a pause left open over midnight
                end = dt.datetime.combine(dt.date.fromisoformat(open_[w][0]) + dt.timedelta(days=1), dt.time(), self.tz)
                close(w, end)
            if e["name"] == "window.paused":
                if w in open_:
                    close(w, at)
                reason = p.get("reason") or (p.get("window") or {}).get("pause_reason") or ""
                open_[w] = (local.date().isoformat(), p["window"].get("staff"), reason, at.timestamp())
            elif w in open_:
                close(w, at)
        for w in list(open_):
            end = dt.datetime.combine(dt.date.fromisoformat(open_[w][0]) + dt.timedelta(days=1), dt.time(), self.tz)
            close(w, min(end, now) if now is not None else end)
        return out

    def _keep_pauses(self, first: dt.date, last: dt.date, today: dt.date) -> None:
        lo, hi = first.isoformat(), min(last, today - dt.timedelta(days=1)).isoformat()
        if lo > hi:
            return
        kept = {r[0] for r in self._rows("SELECT d FROM report_pause_days WHERE d BETWEEN ? AND ?", (lo, hi))}
        days = [
            r[0]
            for r in self._rows("SELECT DISTINCT day FROM attendance WHERE day BETWEEN ? AND ?", (lo, hi))
            if r[0] not in kept
        ]
        if not days:
            return
        spans = self.pause_spans(dt.date.fromisoformat(days[0]), dt.date.fromisoformat(days[-1]))
        rows = []
        for (day, w, staff), ss in spans.items():
            if day in days:
                for reason, (n, s) in kpis.pauses(ss).by_reason.items():
                    rows.append((day, w, staff, reason, n, round(s)))
        with self._write() as db:
            db.executemany("DELETE FROM report_pauses WHERE d = ?", [(d,) for d in days])
            db.executemany(
                "INSERT INTO report_pauses (d, window, staff, reason, count, seconds) VALUES (?, ?, ?, ?, ?, ?)", rows
            )
            db.executemany("INSERT OR REPLACE INTO report_pause_days (d) VALUES (?)", [(d,) for d in days])

    def pauses(
        self, first: dt.date, last: dt.date, cut: str, today: dt.date, now: dt.datetime | None = None
    ) -> dict[Any, kpis.Pauses]:
        """Per window or clerk: pauses (count, seconds, by reason) — kept days from `report_pauses`, today from
        the event log."""
        col = {"window": "window", "clerk": "staff"}.get(cut)
        if col is None:
            return {}
        by: dict[Any, dict[str, tuple[int, float]]] = {}
        for k, reason, n, s in self._rows(
            f"SELECT {col}, reason, SUM(count), SUM(seconds) FROM report_pauses WHERE d BETWEEN ? AND ? GROUP BY 1, 2",
            (first.isoformat(), last.isoformat()),
        ):
            by.setdefault(k, {})[reason] = (n, float(s))
        if first <= today <= last:
            for (_, w, staff), ss in self.pause_spans(today, today, now).items():
                k = w if cut == "window" else staff
                for reason, (n, s) in kpis.pauses(ss).by_reason.items():
                    c0, s0 = by.setdefault(k, {}).get(reason, (0, 0.0))
                    by[k][reason] = (c0 + n, s0 + s)
        return {
            k: kpis.Pauses(sum(n for n, _ in rs.values()), sum(s for _, s in rs.values()), rs) for k, rs in by.items()
        }

    def periods(self) -> tuple[str | None, str | None]:
        r = self._rows("SELECT MIN(day), MAX(day) FROM tickets")
        return (r[0][0], r[0][1]) if r else (None, None)
