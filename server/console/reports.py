"""统计报表 (issue 15): pick a period and a cut, see a table and its chart, a wait heatmap hour × weekday, the
period's service quality (the register's on-time rate, the complaint ledger's figures), the windows' pauses;
export Excel and CSV from the same query, print. The URL holds the whole view (period, cut, service).

The reports' roll-ups are kept at each day's close: the blueprint, once registered, hooks
`ReportStore.keep_day` on the hall service's day close (server/store_reports.py says what is kept)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, render_template, request
from flask.blueprints import BlueprintSetupState

from application import reports
from core.tickets import DomainError
from server.console.base import Who, console_blueprint, hall, page
from server.store_reports import ReportStore

bp = console_blueprint("reports", "/reports")
log = logging.getLogger("hallq.reports")


def _store_of(app: Any) -> ReportStore:
    found = app.extensions.get("hallq.reports")
    if found is None:
        service = app.extensions["hallq"]
        found = ReportStore(
            service.store,
            service.config.tz,
            service.writing,
            level_s=service.config.reports.service_level_minutes * 60,
            version=lambda: service.last_event_id,
        )
        app.extensions["hallq.reports"] = found
    return found  # type: ignore[no-any-return,unused-ignore]


def report_store() -> ReportStore:
    return _store_of(current_app)


@bp.record_once
def _keep_at_day_close(state: BlueprintSetupState) -> None:
    """At each day's close: that day's facts and pauses kept, and its month rolled up after its last day."""
    app = state.app
    service = app.extensions.get("hallq")
    if service is None:
        return
    store = _store_of(app)

    def keep(closed: dt.date, today: dt.date) -> None:
        store.level_s = service.config.reports.service_level_minutes * 60
        store.keep_day(closed, today)

    service.on_day_closed(keep)


class _Quality:
    """The ledgers' own reads for the report's service quality (reports.QualityReads)."""

    def __init__(self, extensions: dict[str, Any]) -> None:
        self.extensions = extensions

    def on_time(self, first: dt.date, last: dt.date, by: str = "window") -> dict[str, Any]:
        return self.extensions["hallq.oversight"].on_time(first, last, by)

    def complaints(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        ledger = self.extensions.get("hallq.feedback")
        if ledger is None:
            return []
        return ledger.store.complaints(start=first, end=last + dt.timedelta(days=1))


def _period() -> tuple[dt.date, dt.date, str, str | None]:
    service = hall()
    today = service.hall.day
    try:
        last = dt.date.fromisoformat(request.args.get("to") or today.isoformat())
        first = dt.date.fromisoformat(request.args.get("from") or last.replace(day=1).isoformat())
    except ValueError:
        raise DomainError("bad_date", "日期格式应为 YYYY-MM-DD。 / Dates are YYYY-MM-DD.", 400) from None
    if first > last:
        first, last = last, first
    if (last - first).days > 400:
        raise DomainError("period_too_long", "期间最长 400 天。 / A period is at most 400 days.", 400)
    cut = request.args.get("cut", "day")
    if cut not in reports.CUT_NAMES:
        cut = "day"
    svc = request.args.get("service") or None
    if svc is not None and service.config.service(svc) is None:
        svc = None
    return first, last, cut, svc


def _build() -> reports.Report:
    first, last, cut, svc = _period()
    view = request.args.get("view", "all")
    if view not in reports.VIEWS:
        view = "all"
    if view == "windows" and cut not in ("window", "clerk"):
        cut = "window"  # the windows' figures are per window or clerk
    service = hall()
    # the ledgers' figures (the register reads every case held to a date in the period): the quality report only
    quality = (
        _Quality(current_app.extensions) if view == "quality" and "hallq.oversight" in current_app.extensions else None
    )
    return reports.build(
        report_store(),
        service.config,
        first,
        last,
        cut,
        service.hall.day,
        service=svc,
        quality=quality,
        now=service.now(),
    ).narrow(view)


@page(bp, "", "page.reports")
def report(who: Who) -> str:
    rep = _build()
    args: dict[str, Any] = {
        "from": rep.first.isoformat(),
        "to": rep.last.isoformat(),
        "cut": rep.cut,
        "view": rep.view,
    }
    if rep.service:
        args["service"] = rep.service
    return render_template(
        "console/reports/report.html",
        who=who,
        rep=rep,
        args=args,
        cuts=reports.CUT_NAMES,
        views=reports.VIEWS,
        services=hall().config.services,
        chart=reports.chart_option(rep),
        heat=reports.heatmap_option(rep),
        quality=reports.quality_lines(rep),
    )


def _filename(rep: reports.Report, ext: str) -> str:
    return f"report-{rep.view}-{rep.cut}-{rep.first.isoformat()}-{rep.last.isoformat()}.{ext}"


def _download(body: bytes | str, mimetype: str, name: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename={name}; filename*=UTF-8''{quote(name)}"},
    )


@page(bp, "/export.csv", "page.reports")
def export_csv(who: Who) -> Response:
    rep = _build()
    return _download(reports.to_csv(rep), "text/csv; charset=utf-8", _filename(rep, "csv"))


@page(bp, "/export.xlsx", "page.reports")
def export_xlsx(who: Who) -> Response:
    rep = _build()
    return _download(
        reports.to_xlsx(rep, hall().config.name),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _filename(rep, "xlsx"),
    )
