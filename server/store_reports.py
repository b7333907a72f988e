"""All of the reports' SQL (issue 15).

`report_facts` (m501_reports) holds one narrow row per ticket: local day, month, hour and weekday of issue, its
service, item, window and clerk, status, wait / handling / walk / busy seconds (core.kpis definitions), transfer
and recall counts, its rating. Past days are kept once (`report_days`), on demand the first time a report needs
them (or at day close); today's rows are rebuilt on every report. A report is then one GROUP BY over narrow rows
(index on the day) plus one histogram query for the percentiles (10-second buckets: p50/p90 are exact to 10 s).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any
from zoneinfo import ZoneInfo

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
_FACT_COLUMNS = (
    "d, month, hour, weekday, service, item, window, staff, status, wait, handle, walk, busy, transferred, "
    "from_window, from_staff, recalls, priority, score"
)


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


class ReportStore:
    def __init__(
        self,
        store: SqliteStore,
        tz: ZoneInfo,
        writing: Callable[[], AbstractContextManager[Any]] | None = None,
    ):
        self.store = store
        self.tz = tz
        self.writing = writing or nullcontext

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        return self.store._rows(sql, params)

    @contextmanager
    def _write(self) -> Iterator[Any]:
        with self.writing():
            yield self.store._writer

    # ---- keeping the facts ------------------------------------------------------------------------------

    def ensure(self, first: dt.date, last: dt.date, today: dt.date) -> int:
        """Keep the facts of every past day in [first, last] not yet kept; rebuild today's. Returns rows written."""
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
            written += len(facts)
        return written

    # ---- reading ------------------------------------------------------------------------------------------

    @staticmethod
    def _where(first: dt.date, last: dt.date, service: str | None, window: int | None) -> tuple[str, list[Any]]:
        where, params = "d BETWEEN ? AND ?", [first.isoformat(), last.isoformat()]
        if service:
            where += " AND service = ?"
            params.append(service)
        if window is not None:
            where += " AND window = ?"
            params.append(window)
        return where, params

    def summary(
        self,
        first: dt.date,
        last: dt.date,
        cut: str,
        level_s: int,
        *,
        service: str | None = None,
        window: int | None = None,
    ) -> list[dict[str, Any]]:
        """Per value of the cut: volumes, wait/handling/walk sums, maxima and counts, the service level, ratings."""
        col = CUTS[cut]
        where, params = self._where(first, last, service, window)
        sql = (
            f"SELECT {col} AS k, COUNT(*) AS issued, SUM(status = 'done') AS served,"
            " SUM(status = 'no_show') AS no_shows, SUM(status = 'cancelled') AS cancelled,"
            " SUM(transferred > 0) AS transferred, SUM(status = 'closed') AS unfinished, SUM(recalls) AS recalls,"
            " COUNT(wait) AS called, AVG(wait) AS wait_mean, MAX(wait) AS wait_max, SUM(wait <= ?) AS within,"
            " COUNT(handle) AS handled, AVG(handle) AS handle_mean, MAX(handle) AS handle_max,"
            " COUNT(walk) AS walked, AVG(walk) AS walk_mean, MAX(walk) AS walk_max, SUM(busy) AS busy,"
            " COUNT(score) AS rated, SUM(score = 5) AS s5, SUM(score = 4) AS s4, SUM(score = 3) AS s3,"
            " SUM(score = 2) AS s2, SUM(score = 1) AS s1"
            f" FROM report_facts WHERE {where} GROUP BY k ORDER BY k"
        )
        return [dict(r) for r in self._rows(sql, [level_s, *params])]

    def histogram(
        self,
        first: dt.date,
        last: dt.date,
        cut: str,
        measure: str,
        *,
        service: str | None = None,
        window: int | None = None,
    ) -> dict[Any, list[tuple[int, int]]]:
        """Per value of the cut: (bucket, count) of a duration in BUCKET_S buckets, ascending."""
        if measure not in ("wait", "handle", "walk"):
            raise ValueError(measure)
        col = CUTS[cut]
        where, params = self._where(first, last, service, window)
        out: dict[Any, list[tuple[int, int]]] = {}
        for r in self._rows(
            f"SELECT {col} AS k, {measure} / {BUCKET_S} AS b, COUNT(*) FROM report_facts"
            f" WHERE {where} AND {measure} IS NOT NULL GROUP BY k, b ORDER BY k, b",
            params,
        ):
            out.setdefault(r[0], []).append((r[1], r[2]))
        return out

    def heatmap(
        self, first: dt.date, last: dt.date, level_s: int, *, service: str | None = None
    ) -> list[dict[str, Any]]:
        """Waits by hour of day × weekday: tickets called, mean wait, share within the service level."""
        where, params = self._where(first, last, service, None)
        return [
            dict(r)
            for r in self._rows(
                "SELECT hour, weekday, COUNT(wait) AS called, AVG(wait) AS wait_mean, SUM(wait <= ?) AS within"
                f" FROM report_facts WHERE {where} AND wait IS NOT NULL GROUP BY hour, weekday",
                [level_s, *params],
            )
        ]

    def transfers_out(self, first: dt.date, last: dt.date, cut: str) -> dict[Any, int]:
        col = {"window": "from_window", "clerk": "from_staff"}.get(cut)
        if col is None:
            return {}
        where, params = self._where(first, last, None, None)
        return {
            r[0]: r[1]
            for r in self._rows(
                f"SELECT {col}, COUNT(*) FROM report_facts WHERE {where} AND {col} IS NOT NULL GROUP BY {col}", params
            )
        }

    def transfers_in(self, first: dt.date, last: dt.date, cut: str) -> dict[Any, int]:
        col = {"window": "window", "clerk": "staff"}.get(cut)
        if col is None:
            return {}
        where, params = self._where(first, last, None, None)
        return {
            r[0]: r[1]
            for r in self._rows(
                f"SELECT {col}, COUNT(*) FROM report_facts WHERE {where} AND transferred > 0 AND wait IS NOT NULL"
                f" GROUP BY {col}",
                params,
            )
        }

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

    def pauses(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        """Pauses from the event log (kept for its retention period only: older days show none)."""
        lo = dt.datetime.combine(first, dt.time(), self.tz).astimezone(dt.UTC).isoformat()
        hi = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), self.tz).astimezone(dt.UTC).isoformat()
        return [
            dict(r)
            for r in self._rows(
                "SELECT name, at, payload FROM events WHERE name IN ('window.paused', 'window.resumed')"
                " AND at >= ? AND at < ? ORDER BY id",
                (lo, hi),
            )
        ]

    def periods(self) -> tuple[str | None, str | None]:
        r = self._rows("SELECT MIN(day), MAX(day) FROM tickets")
        return (r[0][0], r[0][1]) if r else (None, None)
