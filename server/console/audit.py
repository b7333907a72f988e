"""The record of who did what (操作记录): read, filtered by period and staff, exported as CSV (the same query).
Director and admin read it; nobody edits or deletes it (the table's triggers refuse), and this page has no form
that writes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from flask import Response, render_template, request

from core.tickets import DomainError
from server.console.base import Who, console_blueprint, hall, page

bp = console_blueprint("audit")

PAGE_LIMIT = 500
EXPORT_LIMIT = 50_000


def _day(raw: str | None, default: dt.date) -> dt.date:
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise DomainError("bad_day", "日期格式应为 YYYY-MM-DD。 / A day must be YYYY-MM-DD.", 400) from None


def _query() -> dict[str, Any]:
    """The filter as asked: a period of local days (default: the last 7) and a staff number."""
    service = hall()
    today = service.today()
    until = _day(request.args.get("until"), today)
    since = _day(request.args.get("since"), until - dt.timedelta(days=6))
    if since > until:
        since, until = until, since
    tz, stored_tz = service.config.tz, service.now().tzinfo

    def edge(day: dt.date) -> str:  # a local midnight, written as the log writes its times
        return dt.datetime.combine(day, dt.time(), tz).astimezone(stored_tz).isoformat()

    staff = request.args.get("staff", "").strip()
    return {
        "since": since,
        "until": until,
        "staff": staff,
        "args": {"since": edge(since), "until": edge(until + dt.timedelta(days=1)), "staff": staff or None},
    }


def _show(value: str | None) -> str:
    """A before/after value as a sentence-like line: JSON objects as key=value."""
    if value is None:
        return ""
    try:
        data = json.loads(value)
    except ValueError:
        return value
    if isinstance(data, dict):
        return "; ".join(f"{k}={v}" for k, v in data.items())
    return str(data)


def _rows(args: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    service = hall()
    rows = service.audit_log(since=args["since"], until=args["until"], staff=args["staff"], limit=limit)
    for row in rows:
        member = service.config.staff_member(row["staff"]) if row["staff"] else None
        row["name"] = member.name if member else ""
        row["local"] = dt.datetime.fromisoformat(row["at"]).astimezone(service.config.tz).strftime("%Y-%m-%d %H:%M:%S")
        row["before_text"], row["after_text"] = _show(row["before"]), _show(row["after"])
    return rows


@page(bp, "/audit", "page.audit")
def audit(who: Who) -> str:
    q = _query()
    rows = _rows(q["args"], PAGE_LIMIT + 1)
    return render_template(
        "console/audit/audit.html",
        who=who,
        q=q,
        rows=rows[:PAGE_LIMIT],
        more=len(rows) > PAGE_LIMIT,
        limit=PAGE_LIMIT,
        staff=hall().config.staff,
    )


@page(bp, "/audit.csv", "page.audit")
def audit_csv(who: Who) -> Response:
    q = _query()
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 with a BOM as Chinese text
    writer = csv.writer(out)
    writer.writerow(["时间 time", "工号 staff", "姓名 name", "角色 role", "来源 source", "操作 action", "对象 target",
                     "之前 before", "之后 after"])  # fmt: skip
    for r in _rows(q["args"], EXPORT_LIMIT):
        writer.writerow([r["local"], r["staff"], r["name"], r["role"], r["source"], r["action"], r["target"],
                         r["before"] or "", r["after"] or ""])  # fmt: skip
    name = f"audit-{q['since'].isoformat()}-{q['until'].isoformat()}{'-' + q['staff'] if q['staff'] else ''}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
