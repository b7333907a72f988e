"""The report queries against core.kpis computed ticket by ticket from the same rows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from application import reports
from core import kpis
from core.config import HallConfig
from server.store import SqliteStore
from server.store_reports import ReportStore
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


def test_report_matches_kpis(store: SqliteStore, config: HallConfig) -> None:
    reads = ReportStore(store, config.tz)
    rep = reports.build(reads, config, FIRST, END, "service", END + dt.timedelta(days=1))
    vs = visits(store, FIRST, END)
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
    for row in rep.rows:
        sub = [v for v in vs if v.service == row["key"]]
        assert row["issued"] == len(sub)
        assert row["wait_max"] == pytest.approx(kpis.waits(sub).max, abs=1)


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
