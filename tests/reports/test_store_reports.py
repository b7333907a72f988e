"""The report queries against core.kpis computed ticket by ticket from the same rows."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from application import reports
from core import complaints as cp
from core import kpis
from core.config import HallConfig
from core.oversight import OnTime
from server.store import SqliteStore
from server.store_reports import ReportStore, split
from tests.reports.conftest import END

FIRST = END - dt.timedelta(days=13)


def visits(store: SqliteStore, first: dt.date, last: dt.date) -> list[kpis.Visit]:
    def ts(v: str | None) -> float | None:
        return dt.datetime.fromisoformat(v).timestamp() if v else None

    out = []
    for r in store._rows("SELECT * FROM tickets WHERE day BETWEEN ? AND ?", (first.isoformat(), last.isoformat())):
        out.append(
            kpis.Visit(
                ts(r["issued_at"]) or 0.0,
                r["status"],
                r["service"],
                r["item"],
                r["window"],
                r["staff"],
                ts(r["queued_at"]),
                ts(r["called_at"]),
                ts(r["started_at"]),
                ts(r["finished_at"]),
                r["recalls"],
                bool(r["priority"]),
                tuple(x["from_window"] for x in json.loads(r["referrals"])),
            )
        )
    return out


@pytest.fixture(scope="module")
def store(history_dir: Path) -> SqliteStore:
    s = SqliteStore(history_dir / "hall.db")
    yield s
    s.close()


FEB1, FEB28 = dt.date(2025, 2, 1), dt.date(2025, 2, 28)


@pytest.mark.parametrize(
    ("first", "last", "cut"),
    [
        (FIRST, END, "service"),  # facts only (the month is not over)
        (FEB1, END, "service"),  # February from its roll-up, March from the facts
        (FEB1, FEB28, "window"),  # a roll-up alone
        (dt.date(2025, 2, 10), END, "hour"),  # facts at both ends, no whole month
        (FEB1, END, "day"),
        (FEB1, END, "clerk"),
    ],
)
def test_report_matches_kpis(store: SqliteStore, config: HallConfig, first: dt.date, last: dt.date, cut: str) -> None:
    reads = ReportStore(store, config.tz)
    rep = reports.build(reads, config, first, last, cut, END + dt.timedelta(days=1))
    if first == FEB1:
        assert store._rows("SELECT level_s FROM report_months WHERE m = '2025-02'")[0][0] == 15 * 60
    vs = visits(store, first, last)
    assert vs, "the history made tickets"
    vol = kpis.volumes(vs)
    t = rep.total
    assert (t["issued"], t["served"], t["no_shows"], t["cancelled"], t["transferred"]) == (
        vol.issued,
        vol.served,
        vol.no_shows,
        vol.cancelled,
        vol.transferred,
    )
    w = kpis.waits(vs)
    assert t["wait_max"] == pytest.approx(w.max, abs=1)
    assert t["wait_mean"] == pytest.approx(w.mean, abs=1)
    assert abs(t["wait_p50"] - w.p50) <= 10 and abs(t["wait_p90"] - w.p90) <= 10  # 10-second buckets
    assert t["within"] == pytest.approx(kpis.within_service_level(vs, 15), abs=0.002)
    assert t["no_show_rate"] == pytest.approx(kpis.no_show_rate(vs))
    column = {"service": "service", "window": "window", "clerk": "staff", "hour": None, "day": None}[cut]
    for row in rep.rows:
        if column is None:
            continue
        sub = [v for v in vs if getattr(v, column) == row["key"]]
        assert row["issued"] == len(sub)
        assert row["served"] == kpis.volumes(sub).served
        assert row["wait_max"] == pytest.approx(kpis.waits(sub).max, abs=1)
        p90 = kpis.waits(sub).p90
        assert (row["wait_p90"] is None) == (p90 is None)
        if p90 is not None:
            assert abs(row["wait_p90"] - p90) <= 10
        # waits are kept in whole seconds: a wait of 900.4 s is within 15 minutes there (one ticket of a clerk's)
        assert row["within"] == pytest.approx(kpis.within_service_level(sub, 15), abs=0.005)
    if cut == "day":
        assert [r["key"] for r in rep.rows] == sorted(
            {
                dt.date.fromisoformat(r["day"]).isoformat()
                for r in store._rows(
                    "SELECT DISTINCT day FROM tickets WHERE day BETWEEN ? AND ?", (first.isoformat(), last.isoformat())
                )
            }
        )


def test_split_months_and_days() -> None:
    today = dt.date(2025, 3, 14)
    assert split(FEB1, END, today) == (["2025-02"], [("2025-03-01", "2025-03-14")])
    assert split(dt.date(2025, 1, 15), END, today) == (
        ["2025-02"],
        [("2025-01-15", "2025-01-31"), ("2025-03-01", "2025-03-14")],
    )
    assert split(dt.date(2025, 3, 1), dt.date(2025, 3, 31), dt.date(2025, 4, 1)) == (["2025-03"], [])
    assert split(dt.date(2025, 3, 1), dt.date(2025, 3, 31), dt.date(2025, 3, 31)) == (
        [],
        [("2025-03-01", "2025-03-31")],
    )
    assert split(FEB1, dt.date(2025, 2, 27), today) == ([], [("2025-02-01", "2025-02-27")])


def test_level_change_rolls_the_month_up_again(store: SqliteStore, config: HallConfig) -> None:
    reads = ReportStore(store, config.tz)
    ten = replace(config, reports=replace(config.reports, service_level_minutes=10))
    rep = reports.build(reads, ten, FEB1, FEB28, "service", END)
    assert store._rows("SELECT level_s FROM report_months WHERE m = '2025-02'")[0][0] == 600
    vs = visits(store, FEB1, FEB28)
    assert rep.total["within"] == pytest.approx(kpis.within_service_level(vs, 10), abs=0.002)
    assert rep.total["within"] < reports.build(reads, config, FEB1, FEB28, "service", END).total["within"]
    assert store._rows("SELECT level_s FROM report_months WHERE m = '2025-02'")[0][0] == 900


def test_pauses_by_window_from_the_event_log(store: SqliteStore, config: HallConfig) -> None:
    """The generator logs the last 7 working days' events: their window.paused events are the pauses counted."""
    first = END - dt.timedelta(days=8)
    reads = ReportStore(store, config.tz)
    rep = reports.build(reads, config, first, END, "window", END + dt.timedelta(days=1))
    lo = dt.datetime.combine(first, dt.time(), config.tz).astimezone(dt.UTC).isoformat()
    paused = store._rows("SELECT COUNT(*) FROM events WHERE name = 'window.paused' AND at >= ?", (lo,))[0][0]
    assert paused > 0
    assert sum(r["pauses"] for r in rep.rows) == rep.total["pauses"] == paused
    assert sum(n for _, _, n, _ in rep.pause_rows) == paused
    assert all(r["pause_s"] >= 0 for r in rep.rows) and rep.total["pause_s"] > 0
    kept = store._rows(
        "SELECT SUM(count) FROM report_pauses WHERE d BETWEEN ? AND ?", (first.isoformat(), END.isoformat())
    )
    assert kept[0][0] == paused  # kept for good: the event log may drop them now
    book = load_workbook(io.BytesIO(reports.to_xlsx(rep, config.name)))
    assert sum(r[2] for r in book["暂停 Pauses"].iter_rows(min_row=2, values_only=True)) == paused


class FakeLedgers:
    """The ledgers' reads (reports.QualityReads) as the register and the complaint ledger answer them."""

    def on_time(self, first: dt.date, last: dt.date, by: str = "window") -> dict[str, Any]:
        assert by == "window"
        w1, w2 = OnTime(on_time=8, late=1, overdue=1, pending=3), OnTime(on_time=5)
        return {"total": OnTime(on_time=13, late=1, overdue=1, pending=3), "groups": [(1, "1号", w1), (2, "2号", w2)]}

    def complaints(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        return [
            {
                "window": 1,
                "staff": "1001",
                "status": cp.ACCEPTED,
                "due_date": "2025-03-10",
                "answered_at": None,
                "finding": None,
            },
            {
                "window": 1,
                "staff": "1001",
                "status": cp.ACCEPTED,
                "due_date": "2025-03-20",
                "answered_at": None,
                "finding": None,
            },
            {
                "window": 2,
                "staff": "1002",
                "status": cp.ANSWERED,
                "due_date": "2025-03-01",
                "answered_at": "x",
                "finding": "founded",
            },
        ]


def test_service_quality_from_the_ledgers(store: SqliteStore, config: HallConfig) -> None:
    reads = ReportStore(store, config.tz)
    rep = reports.build(reads, config, FIRST, END, "window", END, quality=FakeLedgers())
    rows = {r["key"]: r for r in rep.rows}
    assert (rows[1]["cases_due"], rows[1]["on_time_rate"], rows[1]["late"], rows[1]["overdue"]) == (10, 0.8, 1, 1)
    assert (rows[2]["on_time_rate"], rows[2]["overdue"]) == (1.0, 0)
    assert rows[1]["complaints"] == 2 and rows[1]["complaints_overdue"] == 1  # the one due 03-10, still open
    assert rows[2]["complaints"] == 1 and rows[2]["complaints_overdue"] == 0
    assert rep.quality is not None and rep.quality.complaints == reports.Complaints(3, 1, 1, 1)
    lines = dict((name, value) for name, value, _ in reports.quality_lines(rep))
    assert lines["按期办结率 On-time rate"] == pytest.approx(13 / 15)
    book = load_workbook(io.BytesIO(reports.to_xlsx(rep, config.name)))
    q = {r[0]: r[1] for r in book["服务质量 Quality"].iter_rows(min_row=2, values_only=True)}
    assert q["逾期未办结 Overdue"] == 1 and q["投诉逾期 Complaints overdue"] == 1
    assert "按期办结率 On-time rate" in reports.to_csv(rep).splitlines()[0]


def test_window_cut_and_exports(store: SqliteStore, config: HallConfig) -> None:
    reads = ReportStore(store, config.tz)
    rep = reports.build(reads, config, FIRST, END, "window", END + dt.timedelta(days=1))
    vs = visits(store, FIRST, END)
    for row in rep.rows:
        if row["key"] is None:
            continue
        assert row["transfers_out"] == kpis.transfers_out(vs, row["key"])
        assert row["transfers_in"] == kpis.transfers_in(vs, row["key"])
        assert row["signed_in_h"] > 0 and 0 < row["utilisation"] <= 1
    assert reports.to_csv(rep).count("\n") == len(rep.rows) + 2
    assert reports.to_xlsx(rep, config.name)[:2] == b"PK"
    assert reports.chart_option(rep)["series"][0]["data"] == [r["issued"] for r in rep.rows]
    assert reports.heatmap_option(rep)["series"][0]["data"]


def test_empty_period(store: SqliteStore, config: HallConfig) -> None:
    reads = ReportStore(store, config.tz)
    day = dt.date(2020, 1, 6)
    rep = reports.build(reads, config, day, day, "hour", END)
    assert rep.rows == [] and rep.total["issued"] == 0 and rep.total["wait_p50"] is None
    assert reports.to_xlsx(rep, config.name)[:2] == b"PK"


def test_views_narrow_the_columns_and_the_exports(store: SqliteStore, config: HallConfig) -> None:
    reads = ReportStore(store, config.tz)
    for view, must, never in (
        ("volumes", {"issued", "served", "no_shows"}, {"wait_p90", "utilisation"}),
        ("waits", {"wait_p50", "wait_p90", "within", "walk_mean"}, {"issued", "pauses"}),
        ("windows", {"utilisation", "pauses", "pause_s", "transfers_in"}, {"wait_p90"}),
        ("quality", {"satisfaction", "rating_rate", "bad"}, {"wait_p90", "pauses"}),
    ):
        rep = reports.build(reads, config, FIRST, END, "window", END + dt.timedelta(days=1)).narrow(view)
        keys = [c[0] for c in rep.columns]
        assert must <= set(keys) and not never & set(keys), view
        assert reports.to_csv(rep).splitlines()[0].count(",") == len(keys)
        sheet = load_workbook(io.BytesIO(reports.to_xlsx(rep, config.name)))["报表 Report"]
        assert sheet.max_column == len(keys) + 1
        option = reports.chart_option(rep)
        assert option["series"] and all(len(s["data"]) == len(rep.rows) for s in option["series"])
    with pytest.raises(ValueError):
        rep.narrow("everything")
