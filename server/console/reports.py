"""统计报表 (issue 15): pick a period and a cut, see a table and its chart, a wait heatmap hour × weekday,
export Excel and CSV from the same query, print. The URL holds the whole view (period, cut, service)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, render_template, request

from application import reports
from core.tickets import DomainError
from server.console.base import Who, console_blueprint, hall, page
from server.store_reports import ReportStore

bp = console_blueprint("reports", "/reports")


def report_store() -> ReportStore:
    service = hall()
    found = current_app.extensions.get("hallq.reports")
    if found is None:
        found = ReportStore(service.store, service.config.tz, service.writing)  # type: ignore[arg-type]
        current_app.extensions["hallq.reports"] = found
    return found  # type: ignore[no-any-return]


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
    service = hall()
    return reports.build(report_store(), service.config, first, last, cut, service.hall.day, service=svc)


@page(bp, "", "page.reports")
def report(who: Who) -> str:
    rep = _build()
    args: dict[str, Any] = {"from": rep.first.isoformat(), "to": rep.last.isoformat(), "cut": rep.cut}
    if rep.service:
        args["service"] = rep.service
    return render_template(
        "console/reports/report.html",
        who=who,
        rep=rep,
        args=args,
        cuts=reports.CUT_NAMES,
        services=hall().config.services,
        chart=reports.chart_option(rep),
        heat=reports.heatmap_option(rep),
    )


def _filename(rep: reports.Report, ext: str) -> str:
    return f"report-{rep.cut}-{rep.first.isoformat()}-{rep.last.isoformat()}.{ext}"


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
