"""限时办结 and 督查 in the console (issue 13): the case register (每件一登记) and each case's flow, due soon and
overdue, extensions with their approval and the citizen's notice, the on-time rate, the day's / week's / month's
summary (每日一汇总) with the day's close, inspections and their findings, the duty-window rota.

Every page reads and every form writes through application.oversight.OversightService
(`app.extensions["hallq.oversight"]`); every table is exportable (CSV, JSON) from the same query as the page, and
the URL holds the whole view (period, filters). A4 PDFs (the citizen's extension notice, the agency form, the
summaries) go through server.letters.render_pdf (WeasyPrint, the bundled CJK font).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, flash, redirect, render_template, request, url_for

from application.oversight import CaseQuery, OversightService, Scope
from core.cases import CASE_TYPE_LIST, CASE_TYPES
from core.inspections import DEDUCTION_NAMES, FINDING_DEDUCTIONS, KINDS
from core.oversight import DUE_RULES, OUTCOMES, PERIODS, STAGES, OnTime, period_of, shift_period
from core.tickets import DomainError
from server.console.base import Who, console_blueprint, done, hall, page
from server.letters import render_pdf

bp = console_blueprint("oversight", "/oversight")

FONT = '"HallQ CJK", "Noto Sans SC", "Microsoft YaHei", sans-serif'
PHOTO_LIMIT = 6 << 20  # the evidence photo's form (the app's own limit is 64 KB)
STATUS = {
    "open": ("未办结", "Open"),
    "completed": ("已办结", "Completed"),
    "overdue": ("已逾期", "Overdue"),
    "due_soon": ("即将到期", "Due soon"),
}
BY = {
    "window": ("窗口", "Window"),
    "staff": ("工作人员", "Clerk"),
    "item": ("事项", "Item"),
    "type": ("办件类型", "Type"),
}


def oversight() -> OversightService:
    service: OversightService = current_app.extensions["hallq.oversight"]
    return service


def scope_of(who: Who) -> Scope:
    return Scope(
        staff=who.staff,
        role=who.session.role,
        own_only=who.role == "clerk",
        windows=tuple(who.windows) if who.own_window_only else None,
        unmask=who.may("data.citizen"),
    )


def _allow_photo_uploads() -> None:
    """The finding form carries a photo: its request may be larger than the app's 64 KB (set before the CSRF
    check reads the form)."""
    if request.endpoint == "console_oversight.add_finding":
        request.max_content_length = PHOTO_LIMIT


@bp.record_once
def _register_upload_limit(state: Any) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_photo_uploads)


def _names() -> dict[str, Any]:
    return {
        "case_types": CASE_TYPE_LIST,
        "type_names": {k: (v.zh, v.en) for k, v in CASE_TYPES.items()},
        "stages": STAGES,
        "status_names": STATUS,
        "outcomes": OUTCOMES,
        "due_rules": DUE_RULES,
        "kinds": KINDS,
        "deductions": DEDUCTION_NAMES,
        "periods": PERIODS,
    }


def _render(template: str, who: Who, **context: Any) -> str:
    return render_template(f"console/oversight/{template}", who=who, **_names(), **context)


def _date_arg(name: str, default: dt.date | None = None) -> dt.date | None:
    raw = request.values.get(name, "").strip()
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise DomainError("bad_day", "日期格式应为 YYYY-MM-DD。 / Dates are YYYY-MM-DD.", 400) from None


def _int_arg(name: str) -> int | None:
    raw = request.values.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise DomainError("bad_number", f"{name} 应为数字。 / {name} must be a number.", 400)
    return int(raw)


def _month_arg() -> tuple[dt.date, dt.date]:
    raw = request.args.get("month", "").strip()
    if raw:
        try:
            first = dt.date.fromisoformat(raw + "-01")
        except ValueError:
            raise DomainError("bad_month", "月份格式应为 YYYY-MM。 / The month is YYYY-MM.", 400) from None
    else:
        first = hall().today().replace(day=1)
    return period_of("month", first)


def _csv(rows: Iterable[Sequence[Any]], header: Sequence[str], name: str) -> Response:
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 CSV with a BOM
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return _download(out.getvalue().encode(), "text/csv; charset=utf-8", name)


def _download(data: bytes, mimetype: str, name: str, inline: bool = False) -> Response:
    response = Response(data, mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(name)}"
    return response


def _json(data: Any, name: str) -> Response:
    text = json.dumps(data, ensure_ascii=False, default=_plain, indent=1)
    return _download(text.encode(), "application/json", name)


def _plain(value: Any) -> Any:
    if isinstance(value, OnTime):
        return value.as_dict()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def _pdf(html: str, name: str) -> Response:
    return _download(render_pdf(html), "application/pdf", name, inline=True)


# ---- the register --------------------------------------------------------------------------------------------

REGISTER_COLUMNS = (
    ("case_number", "办件编号"),
    ("number", "票号"),
    ("accepted_on", "受理日期"),
    ("type_zh", "办件类型"),
    ("item_name", "事项"),
    ("window", "受理窗口"),
    ("owner_window", "承办窗口"),
    ("staff_name", "受理人"),
    ("stage_zh", "环节"),
    ("status", "状态"),
    ("due_date", "办结期限"),
    ("due_rule_zh", "期限依据"),
    ("original_due", "原定期限"),
    ("completed_at", "办结时间"),
    ("outcome_zh", "按期情况"),
    ("citizen_name", "申请人"),
    ("citizen_id", "身份证号"),
)


def _query() -> CaseQuery:
    args = request.args
    case_type = args.get("type", "").strip()
    status = args.get("status", "").strip()
    return CaseQuery(
        number=args.get("number", "").strip(),
        item=args.get("item", "").strip(),
        window=_int_arg("window"),
        staff=args.get("staff", "").strip(),
        case_type=case_type if case_type in CASE_TYPES else "",
        status=status if status in STATUS else "",
        stage=args.get("stage", "").strip() if args.get("stage", "").strip() in STAGES else "",
        accepted_from=_date_arg("from"),
        accepted_to=_date_arg("to"),
        due_from=_date_arg("due_from"),
        due_to=_date_arg("due_to"),
    )


@page(bp, "/cases", "page.cases")
def cases(who: Who) -> str | Response:
    service = oversight()
    scope = scope_of(who)
    fmt = request.args.get("format", "")
    query = _query()
    if not (query.number[:1].isdigit() or query.accepted_from or query.accepted_to or query.due_from) and not (
        query.due_to or query.status or request.args.get("all")
    ):
        query.accepted_from = hall().today() - dt.timedelta(days=30)  # the last month unless asked otherwise
    if fmt in ("csv", "json"):
        rows: list[dict[str, Any]] = []
        offset = 0
        while len(rows) < 50_000:
            chunk = service.register(scope, query, limit=1000, offset=offset)["rows"]
            rows += chunk
            offset += len(chunk)
            if len(chunk) < 1000:
                break
        if fmt == "json":
            return _json(rows, "办件登记.json")
        return _csv(
            ([r.get(k) for k, _ in REGISTER_COLUMNS] for r in rows), [zh for _, zh in REGISTER_COLUMNS], "办件登记.csv"
        )
    offset = max(0, _int_arg("offset") or 0)
    result = service.register(scope, query, limit=100, offset=offset)
    config = service.config
    return _render(
        "cases.html",
        who,
        result=result,
        query=query,
        args=request.args,
        items=config.items,
        windows=config.windows,
        clerks=[s for s in config.staff if s.role == "clerk"],
        export_args={k: v for k, v in request.args.items() if k not in ("format", "offset")},
    )


@page(bp, "/cases/<case_id>", "page.cases")
def case(who: Who, case_id: str) -> str:
    service = oversight()
    detail = service.case_detail(scope_of(who), case_id)
    today = service.today()
    return _render(
        "case.html",
        who=who,
        d=detail,
        c=detail["case"],
        windows=service.config.windows,
        may_approve=service.may_approve(who.session),
        soonest=service.calendar.add_workdays(today, 1),
        today=today,
        config=service.config,
    )


def _back_to_case(case_id: str) -> str:
    return url_for("console_oversight.case", case_id=case_id)


@page(bp, "/cases/<case_id>/stage", "act.case_stage", methods=("POST",))
def advance(who: Who, case_id: str) -> Response:
    form = request.form
    stage = form.get("stage", "")
    oversight().advance(
        who.session,
        case_id,
        stage,
        window=_int_arg("window"),
        deadline=_date_arg("deadline"),
        ref=form.get("ref", ""),
        note=form.get("note", ""),
    )
    zh, en = STAGES.get(stage, (stage, stage))
    return done(f"已登记：{zh}。 / Recorded: {en}.", default="console_oversight.cases")


@page(bp, "/cases/<case_id>/extension", "act.request_extension", methods=("POST",))
def request_extension(who: Who, case_id: str) -> Response:
    new_due = _date_arg("to_due")
    if new_due is None:
        raise DomainError("bad_due_date", "请填写延期后的日期。 / Give the new due date.", 400)
    oversight().request_extension(who.session, case_id, new_due, request.form.get("reason", ""))
    return done(
        f"延期申请已提交，待领导审批（新期限 {new_due.isoformat()}）。"
        f" / Extension to {new_due.isoformat()} requested; waiting for approval.",
        default="console_oversight.cases",
    )


@page(bp, "/extensions/<ext_id>/decide", "act.approve_extension", methods=("POST",))
def decide_extension(who: Who, ext_id: str) -> Response:
    approve = request.form.get("decision") == "approve"
    ext = oversight().decide_extension(who.session, ext_id, approve, request.form.get("note", ""))
    if approve:
        late = (
            ""
            if ext.get("in_time")
            else " 批准时原期限已过，按期办结率仍按原期限计算。 / Approved after the date had passed: the on-time rate keeps the original."
        )
        return done(
            f"已批准延期至 {ext['to_due']}。 / Extension to {ext['to_due']} approved.{late}",
            default="console_oversight.due",
        )
    return done("已不予批准延期。 / Extension refused.", default="console_oversight.due")


@page(bp, "/extensions/<ext_id>/notice", "page.cases")
def extension_notice(who: Who, ext_id: str) -> str | Response:
    service = oversight()
    data = service.extension_notice(ext_id)
    if not scope_of(who).sees(data["case"]):
        raise DomainError("forbidden", "您无权查看此件。 / You may not see this case.", 403)
    html = render_template(
        "console/oversight/notice_print.html", hall=service.config, n=data, today=service.today(), print_pdf=True
    )
    if request.args.get("format") == "html":
        return html
    return _pdf(html, f"{data['case']['case_number']}-延期办理告知书.pdf")


@page(bp, "/cases/<case_id>/agency", "page.cases")
def agency_form(who: Who, case_id: str) -> str | Response:
    """代理服务委托书 (全程代理): printed at acceptance for a forwarded case, signed by the applicant."""
    service = oversight()
    detail = service.case_detail(scope_of(who), case_id)
    c = detail["case"]
    if c["case_type"] != "forwarded":
        raise DomainError(
            "not_forwarded", "只有上报件需要代理服务委托书。 / Only a forwarded case has an agency form.", 400
        )
    item = service.config.item(c["item"]) if c["item"] else None
    html = render_template("console/oversight/agency_print.html", hall=service.config, c=c, item=item, print_pdf=True)
    if request.args.get("format") == "html":
        return html
    return _pdf(html, f"{c['case_number']}-代理服务委托书.pdf")


@page(bp, "/cases/<case_id>/citizen", "act.citizen", methods=("POST",))
def set_citizen(who: Who, case_id: str) -> Response:
    oversight().set_citizen(who.session, case_id, request.form.get("name", ""), request.form.get("id_number", ""))
    return done(
        "已登记申请人信息（页面上脱敏显示）。 / The applicant is recorded (shown masked).",
        default="console_oversight.cases",
    )


# ---- due soon and overdue ---------------------------------------------------------------------------------------


@page(bp, "/due", "page.cases")
def due(who: Who) -> str:
    service = oversight()
    scope = scope_of(who)
    attention = service.attention(scope)
    return _render(
        "due.html",
        who,
        overdue=attention["overdue"],
        due_soon=attention["due_soon"],
        overdue_n=attention["overdue_n"],
        due_soon_n=attention["due_soon_n"],
        pending=service.pending_extensions(scope),
        may_approve=service.may_approve(who.session),
        soon=service.config.oversight.due_soon_workdays,
    )


# ---- the on-time rate ----------------------------------------------------------------------------------------------


def on_time_chart(groups: list[tuple[Any, str, OnTime]]) -> dict[str, Any]:
    """ECharts option: the on-time rate per group (bars, %), red below 100 %."""
    shown = [g for g in groups if g[2].due]
    return {
        "animation": False,
        "textStyle": {"fontFamily": FONT, "fontSize": 12},
        "grid": {"left": 8, "right": 40, "top": 8, "bottom": 4, "containLabel": True},
        "xAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%", "fontFamily": FONT}},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "axisLabel": {"fontFamily": FONT},
            "data": [g[1] for g in shown],
        },
        "series": [
            {
                "type": "bar",
                "barMaxWidth": 18,
                "label": {"show": True, "position": "right", "formatter": "{c}%", "fontFamily": FONT},
                "data": [
                    {
                        "value": round(100 * (g[2].rate or 0), 1),
                        "itemStyle": {"color": "#1b6e2b" if g[2].rate == 1 else "#b00020"},
                    }
                    for g in shown
                ],
            }
        ],
    }


@page(bp, "/on-time", "page.on_time")
def on_time(who: Who) -> str | Response:
    service = oversight()
    first, last = _month_arg()
    by = request.args.get("by", "window")
    result = service.on_time(
        first, last, by if by in BY else "window", tuple(who.windows) if who.own_window_only else None
    )
    groups = result["groups"]
    fmt = request.args.get("format", "")
    header = [BY[result["by"]][0], "应办结", "按期办结", "超期办结", "逾期未办结", "未到期", "按期办结率"]
    table = [
        [name, f.due, f.on_time, f.late, f.overdue, f.pending, f"{100 * f.rate:.1f}%" if f.rate is not None else ""]
        for _, name, f in groups
    ]
    if fmt == "csv":
        return _csv(table, header, f"按期办结率-{first:%Y-%m}.csv")
    if fmt == "json":
        return _json(
            {
                "month": f"{first:%Y-%m}",
                "by": result["by"],
                "total": result["total"],
                "groups": [{"key": k, "name": n, **f.as_dict()} for k, n, f in groups],
            },
            f"按期办结率-{first:%Y-%m}.json",
        )
    return _render(
        "on_time.html",
        who,
        result=result,
        groups=groups,
        by_names=BY,
        month=first,
        previous=shift_period("month", first, -1),
        following=shift_period("month", first, 1),
        chart=on_time_chart(groups),
    )


# ---- summaries and the day's close ------------------------------------------------------------------------------------


def _period_args() -> tuple[str, dt.date, dt.date, dt.date]:
    kind = request.values.get("period", "day")
    if kind not in PERIODS:
        kind = "day"
    day = _date_arg("day", hall().today()) or hall().today()
    first, last = period_of(kind, day)
    return kind, day, first, last


def summary_chart(summary: dict[str, Any]) -> dict[str, Any]:
    """ECharts option: tickets issued and served per day of the period."""
    days = summary["per_day"]
    return {
        "animation": False,
        "textStyle": {"fontFamily": FONT, "fontSize": 12},
        "legend": {"data": ["取号 Issued", "办结 Served"], "textStyle": {"fontFamily": FONT}},
        "grid": {"left": 8, "right": 8, "top": 30, "bottom": 4, "containLabel": True},
        "xAxis": {"type": "category", "data": [d["day"][5:] for d in days]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "type": "bar",
                "name": "取号 Issued",
                "data": [d["issued"] for d in days],
                "itemStyle": {"color": "#9aa3b5"},
            },
            {
                "type": "bar",
                "name": "办结 Served",
                "data": [d["served"] for d in days],
                "itemStyle": {"color": "#0b3d91"},
            },
        ],
    }


@page(bp, "/summary", "page.summary")
def summary(who: Who) -> str | Response:
    service = oversight()
    kind, day, first, last = _period_args()
    fmt = request.args.get("format", "")
    closed = service.day_close(day) if kind == "day" else None
    if closed is not None and request.args.get("live") != "1":
        data = closed["summary"]  # the day as it was closed
        data["first"], data["last"] = first, last
        data["on_time"] = OnTime(**{k: data["on_time"][k] for k in ("on_time", "late", "overdue", "pending")})
        for w in data["windows"]:
            w["on_time"] = OnTime(**{k: w["on_time"][k] for k in ("on_time", "late", "overdue", "pending")})
    else:
        data = service.summary(first, last)
    title = _summary_title(kind, first, last)
    if fmt == "json":
        return _json(data, f"{title}.json")
    if fmt == "csv":
        return _csv(_summary_lines(data), ["项目 Item", "数值 Value"], f"{title}.csv")
    if fmt in ("pdf", "print"):
        html = render_template(
            "console/oversight/summary_print.html",
            hall=service.config,
            s=data,
            title=title,
            kind=kind,
            closed=closed,
            print_pdf=fmt == "pdf",
            **_names(),
        )
        return _pdf(html, f"{title}.pdf") if fmt == "pdf" else html
    return _render(
        "summary.html",
        who,
        s=data,
        kind=kind,
        day=day,
        first=first,
        last=last,
        title=title,
        closed=closed,
        previous=shift_period(kind, first, -1),
        following=shift_period(kind, first, 1),
        today=service.today(),
        chart=summary_chart(data),
    )


def _summary_title(kind: str, first: dt.date, last: dt.date) -> str:
    if kind == "day":
        return f"{first.isoformat()} 日汇总"
    if kind == "week":
        return f"{first.isoformat()}至{last.isoformat()} 周汇总"
    return f"{first:%Y年%m月} 月汇总"


def _summary_lines(s: dict[str, Any]) -> list[tuple[str, Any]]:
    t = s["tickets"]
    on = s["on_time"]
    lines: list[tuple[str, Any]] = [
        ("期间 Period", f"{_iso(s['first'])} — {_iso(s['last'])}"),
        ("取号 Tickets issued", t.get("issued", 0)),
        ("办结 Served", t.get("served", 0)),
        ("过号未到 No-shows", t.get("no_show", 0)),
        ("取消 Cancelled", t.get("cancelled", 0)),
        ("平均等候（秒）Average wait (s)", t.get("average_wait_s")),
        ("最长等候（秒）Longest wait (s)", t.get("max_wait_s")),
        ("等候超过30分钟 Waits over 30 min", t.get("long_waits", 0)),
    ]
    lines += [(f"{c['zh']} {c['en']}", c["n"]) for c in s["cases_by_type"]]
    on_d = on if isinstance(on, dict) else on.as_dict()
    lines += [
        ("应办结 Cases due", on_d["due"]),
        ("按期办结 On time", on_d["on_time"]),
        ("超期办结 Late", on_d["late"]),
        ("逾期未办结 Overdue", on_d["overdue"]),
        ("按期办结率 On-time rate", f"{100 * on_d['rate']:.1f}%" if on_d["rate"] is not None else ""),
        ("批准延期 Extensions approved", s["extensions"]["approved"]),
        ("评价 Ratings", s["ratings"]["rated"]),
        ("差评 Bad ratings", s["ratings"]["bad"]),
        ("巡查 Patrols", s["inspections"]["per_kind"].get("patrol", 0)),
        ("应巡查 Patrols required", s["inspections"]["patrols_required"]),
        ("督查发现问题 Findings", len(s["inspections"]["findings"])),
        ("扣分 Points deducted", s["inspections"]["points"]),
    ]
    return lines


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


@page(bp, "/summary/close", "act.close_day", methods=("POST",))
def close_day(who: Who) -> Response:
    day = _date_arg("day", hall().today()) or hall().today()
    oversight().close_day(who.session, day, request.form.get("note", ""))
    return done(
        f"{day.isoformat()} 已日结，汇总已保存，可打印。 / {day.isoformat()} is closed; its summary is kept for printing.",
        default="console_oversight.summary",
    )


# ---- inspections ---------------------------------------------------------------------------------------------------------


@page(bp, "/inspections", "page.inspections")
def inspections(who: Who) -> str | Response:
    service = oversight()
    first, last = _month_arg()
    kind = request.args.get("kind", "")
    rows = service.inspections(first, last, kind if kind in KINDS else None)
    windows = tuple(who.windows) if who.own_window_only else None
    findings = service.findings(first, last, windows=windows)
    if request.args.get("format") == "csv":
        header = [
            "日期",
            "类型",
            "检查人",
            "窗口",
            "工作人员",
            "检查项",
            "扣分项",
            "扣分",
            "问题",
            "整改期限",
            "整改情况",
        ]
        table = [
            [
                f["day"],
                f["kind_zh"],
                f["inspector"],
                f["window"],
                f["staff_name"],
                f["checklist"],
                f["deduction_zh"],
                f["points"],
                f["note"],
                f["rectify_by"],
                f["rectify_note"],
            ]
            for f in findings
        ]
        return _csv(table, header, f"督查-{first:%Y-%m}.csv")
    today = service.today()
    config = service.config
    return _render(
        "inspections.html",
        who,
        rows=rows if windows is None else [r for r in rows if any(f["inspection"] == r["id"] for f in findings)],
        findings=findings,
        month=first,
        previous=shift_period("month", first, -1),
        following=shift_period("month", first, 1),
        patrols=service.patrol_count(today),
        spot_checks=service.spot_check_count(today),
        checklist=list(
            zip(
                config.oversight.checklist,
                config.oversight.checklist_en or [""] * len(config.oversight.checklist),
                strict=False,
            )
        ),
        staff=[s for s in config.staff if s.role in ("manager", "director", "supervisor", "admin")],
        now=service.hall.now().astimezone(config.tz),
        kind=kind,
    )


@page(bp, "/inspections", "act.inspect", methods=("POST",))
def record_inspection(who: Who) -> Response:
    service = oversight()
    form = request.form
    at = None
    raw = form.get("at", "").strip()
    if raw:
        try:
            at = dt.datetime.fromisoformat(raw).replace(tzinfo=service.config.tz)
        except ValueError:
            raise DomainError("bad_time", "时间格式不正确。 / The time is not valid.", 400) from None
    row = service.record_inspection(
        who.session,
        kind=form.get("kind", "patrol"),
        at=at,
        inspector=form.get("inspector", ""),
        checked=form.getlist("checked"),
        note=form.get("note", ""),
    )
    zh, en = KINDS[row["kind"]]
    flash(f"已登记{zh}，可继续登记发现的问题。 / {en} recorded; add its findings.", "ok")
    return redirect(url_for("console_oversight.inspection", inspection_id=row["id"]), code=303)  # type: ignore[return-value]


@page(bp, "/inspections/<inspection_id>", "page.inspections")
def inspection(who: Who, inspection_id: str) -> str:
    service = oversight()
    row = service.inspection(inspection_id)
    if who.own_window_only:
        row["findings"] = [f for f in row["findings"] if f["window"] in who.windows]
    config = service.config
    return _render(
        "inspection.html",
        who,
        i=row,
        windows=config.windows,
        clerks=[s for s in config.staff if s.role == "clerk"],
        checklist=config.oversight.checklist,
        finding_deductions=[
            (d, *DEDUCTION_NAMES[d], config.scoring.deductions.get(d, 0) if d else 0) for d in FINDING_DEDUCTIONS
        ],
        rectify_by=service.calendar.add_workdays(service.today(), config.oversight.rectify_workdays),
        today=service.today(),
    )


@page(bp, "/inspections/<inspection_id>/findings", "act.inspect", methods=("POST",))
def add_finding(who: Who, inspection_id: str) -> Response:
    form = request.form
    upload = request.files.get("photo")
    photo = upload.read() if upload is not None and upload.filename else None
    finding = oversight().add_finding(
        who.session,
        inspection_id,
        window=_int_arg("window"),
        staff=form.get("staff", ""),
        checklist_item=form.get("checklist", ""),
        deduction=form.get("deduction", ""),
        note=form.get("note", ""),
        rectify_by=_date_arg("rectify_by"),
        photo=photo,
    )
    points = f"，扣 {finding['points']} 分" if finding["points"] else ""
    return done(
        f"已登记问题{points}，整改期限 {finding['rectify_by']}。 / Finding recorded; to be put right by {finding['rectify_by']}.",
        default="console_oversight.inspections",
    )


@page(bp, "/findings/<finding_id>/rectify", "act.rectify_finding", methods=("POST",))
def rectify(who: Who, finding_id: str) -> Response:
    oversight().rectify(who.session, finding_id, request.form.get("note", ""))
    return done("已登记整改情况。 / The rectification is recorded.", default="console_oversight.inspections")


@page(bp, "/findings/<finding_id>/photo", "page.inspections")
def photo(who: Who, finding_id: str) -> Response:
    service = oversight()
    finding = service.store.finding(finding_id)
    if finding is None or (who.own_window_only and finding["window"] not in who.windows):
        raise DomainError("no_photo", "没有照片。 / There is no photo.", 404)
    data, mime = service.photo(finding_id)
    response = Response(data, mimetype=mime)
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'"
    return response


# ---- the duty rota --------------------------------------------------------------------------------------------------------


@page(bp, "/rota", "page.rota")
def rota(who: Who) -> str | Response:
    service = oversight()
    first, last = _month_arg()
    days = service.rota(first, last)
    if request.args.get("format") == "csv":
        return _csv(
            (
                [d["day"].isoformat(), "是" if d["workday"] else "否", d["window"] or "", d.get("window_name", "")]
                for d in days
            ),
            ["日期", "工作日", "值班窗口", "窗口名称"],
            f"值班安排-{first:%Y-%m}.csv",
        )
    return _render(
        "rota.html",
        who,
        days=days,
        month=first,
        previous=shift_period("month", first, -1),
        following=shift_period("month", first, 1),
        windows=service.config.windows,
        today=service.today(),
        duties=service.duties(),
    )


@page(bp, "/rota/fill", "act.rota", methods=("POST",))
def fill_rota(who: Who) -> Response:
    service = oversight()
    first = _date_arg("first") or service.today().replace(day=1)
    _, last = period_of("month", first)
    n = service.fill_rota(who.session, first, last)
    return done(
        f"已为 {n} 个工作日排定值班窗口。 / Duty windows set for {n} working days.", default="console_oversight.rota"
    )


@page(bp, "/rota/set", "act.rota", methods=("POST",))
def set_duty(who: Who) -> Response:
    day = _date_arg("day")
    window = _int_arg("window")
    if day is None or window is None:
        raise DomainError("invalid", "请选择日期和窗口。 / Choose the day and the window.", 400)
    oversight().set_duty(who.session, day, window, request.form.get("note", ""))
    return done(
        f"{day.isoformat()} 值班窗口：{window}号。 / Duty window on {day.isoformat()}: {window}.",
        default="console_oversight.rota",
    )


@page(bp, "/rota/lapse", "act.rota", methods=("POST",))
def duty_lapse(who: Who) -> Response:
    day = _date_arg("day")
    if day is None:
        raise DomainError("invalid", "请选择日期。 / Choose the day.", 400)
    finding = oversight().record_duty_lapse(
        who.session, day, request.form.get("note", ""), request.form.get("staff", "")
    )
    return done(
        f"已登记值班失职，扣 {finding['points']} 分。 / Duty lapse recorded: −{finding['points']}.",
        default="console_oversight.rota",
    )


# ---- the live page's card --------------------------------------------------------------------------------------------------


def live_panel(who: Who) -> dict[str, Any] | None:
    """The oversight card of the live page (server/templates/console/oversight/_live.html); None if this app has
    no oversight service."""
    service = current_app.extensions.get("hallq.oversight")
    if service is None:
        return None
    panel: dict[str, Any] = service.live_panel(scope_of(who))
    return panel
