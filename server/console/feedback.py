"""好差评 and complaints in the console (issue 12): rating figures and their export, the rectification ledger,
complaints from acceptance to the archive (with their letters as A4 PDF), satisfaction surveys and the hall's
follow-up visits. Every page reads and every form writes through application.feedback.FeedbackService
(`app.extensions["hallq.feedback"]`); core/feedback.py and core/complaints.py say who may do what."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, stream_with_context, url_for

from application.feedback import FeedbackService, Viewer
from core import complaints as cp
from core import feedback as fb
from core.ratings import LEVELS
from core.tickets import DomainError
from server.console.base import Who, console_blueprint, done, hall, page
from server.letters import render_pdf

bp = console_blueprint("feedback")
log = logging.getLogger("hallq.console")

FONT = '"HallQ CJK", "Noto Sans SC", "Microsoft YaHei", sans-serif'
BY = {
    "window": ("窗口", "Window"),
    "staff": ("工作人员", "Clerk"),
    "service": ("业务", "Service"),
    "item": ("事项", "Item"),
    "line": ("线口部门", "Line"),
}


def feedback() -> FeedbackService:
    service: FeedbackService = current_app.extensions["hallq.feedback"]
    return service


def viewer(who: Who) -> Viewer:
    return Viewer(who.staff, who.role, tuple(who.windows))


def _period(default_kind: str = "month") -> fb.Period:
    raw = request.args.get("period", "")
    if raw:
        return fb.parse_period(raw)
    return fb.period_of(default_kind, hall().today())


HISTORY = {
    "rectification.opened": "开立整改记录 opened",
    "rectification.phone_viewed": "查看回访电话 phone shown",
    "complaint.accepted": "受理 accepted",
    "complaint.identity_viewed": "查看投诉人身份 identity shown",
    "complaint.escalated": "逾期报中心主任 escalated",
    **{f"rectification.{k}": f"{zh} {en.lower()}" for k, (zh, en) in fb.RECT_ACTIONS.items()},
    **{f"complaint.{k}": f"{zh} {en.lower()}" for k, (zh, en) in cp.ACTIONS.items()},
}


def _names() -> dict[str, Any]:
    """The tables of names every page of this area shows."""
    return {
        "history_names": HISTORY,
        "levels": LEVELS,
        "rect_states": fb.RECT_STATES,
        "outcomes": fb.OUTCOMES,
        "appeal_grounds": fb.APPEAL_GROUNDS,
        "follow_up_views": fb.FOLLOW_UP_VIEWS,
        "rect_actions": fb.RECT_ACTIONS,
        "channels": cp.CHANNELS,
        "forms": cp.FORMS,
        "complexity": cp.COMPLEXITY,
        "findings": cp.FINDINGS,
        "answer_views": cp.ANSWER_VIEWS,
        "routes": cp.ROUTES,
        "c_states": cp.STATES,
        "c_actions": cp.ACTIONS,
        "percent": fb.percent,
        "by_names": BY,
        "visit_who": fb.VISIT_WHO,
        "visit_how": fb.VISIT_HOW,
        "survey_states": fb.SURVEY_STATES,
        "question_kinds": fb.QUESTION_KINDS,
        "survey_channels": fb.SURVEY_CHANNELS,
    }


def trend_chart(days: list[dict[str, Any]]) -> dict[str, Any]:
    """ECharts option: served and rated per day (bars), satisfaction (line, right axis)."""
    return {
        "animation": False,
        "textStyle": {"fontFamily": FONT, "fontSize": 12},
        "legend": {"top": 0, "textStyle": {"fontFamily": FONT}},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 8, "top": 30, "bottom": 4, "containLabel": True},
        "xAxis": {"type": "category", "data": [d["day"][5:] for d in days], "axisLabel": {"fontFamily": FONT}},
        "yAxis": [
            {"type": "value", "minInterval": 1, "axisLabel": {"fontFamily": FONT}},
            {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%", "fontFamily": FONT}},
        ],
        "series": [
            {
                "type": "bar",
                "name": "办结 Served",
                "data": [d["served"] for d in days],
                "itemStyle": {"color": "#9aa3b5"},
            },
            {
                "type": "bar",
                "name": "评价 Rated",
                "data": [d["rated"] for d in days],
                "itemStyle": {"color": "#0b3d91"},
            },
            {
                "type": "line",
                "name": "满意度 Satisfaction",
                "yAxisIndex": 1,
                "connectNulls": False,
                "itemStyle": {"color": "#1b6e2b"},
                "data": [None if d["satisfaction"] is None else round(d["satisfaction"] * 100, 1) for d in days],
            },
        ],
    }


def _scoped(who: Who, key: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A window head's figures: her windows and their clerks only."""
    if not who.own_window_only:
        return rows
    windows = [hall().config.window(n) for n in who.windows]
    if key == "window":
        return [r for r in rows if r["unit"] in who.windows]
    if key == "staff":
        staff = {s for w in windows if w for s in (w.staff_a, w.staff_b) if s}
        return [r for r in rows if r["unit"] in staff]
    if key == "line":
        lines = {w.department or w.name for w in windows if w}
        return [r for r in rows if r["unit"] in lines]
    return rows


def _total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    total = fb.Tally(served=sum(r["served"] for r in rows))
    for r in rows:
        for score, n in zip((5, 4, 3, 2, 1), r["levels"], strict=True):
            total.counts[score] += n
        for reason, n in r["reasons"]:
            total.reasons[reason] += n
    return total.row(hall().config.feedback.satisfied_levels)


# ---- the hub and the rating figures ---------------------------------------------------------------------------


@page(bp, "/feedback", "page.rectifications")
def hub(who: Who) -> Response:
    """The area's entry in the menu: the figures for who may see them, else the rectification ledger."""
    target = "console_feedback.ratings" if who.may("page.ratings") else "console_feedback.rectifications"
    return redirect(url_for(target), code=303)  # type: ignore[return-value]


@page(bp, "/ratings", "page.ratings")
def ratings(who: Who) -> str:
    period = _period()
    by = request.args.get("by", "window")
    if by not in BY:
        by = "window"
    figures = feedback().figures(period)
    rows = _scoped(who, by, figures["tables"][by])
    flagged = figures["flags"].get(by, {}) if by in ("window", "staff") else {}
    if who.own_window_only:  # a window head: her windows' totals, no hall-wide chart
        figures["total"] = _total(_scoped(who, "window", figures["tables"]["window"]))
        figures["days"] = []
    return render_template(
        "console/feedback/ratings.html",
        who=who,
        period=period,
        by=by,
        figures=figures,
        rows=rows,
        flagged=flagged,
        flag_reasons=fb.FLAG_REASONS,
        chart=trend_chart(figures["days"]),
        rules=hall().config.feedback,
        kinds=fb.PERIOD_KINDS,
        **_names(),
    )


@page(bp, "/ratings/export.<fmt>", "act.export_ratings")
def export(who: Who, fmt: str) -> Response:
    """A period's ratings as a file in the provincial platforms' field mapping (CSV or JSON; no upload)."""
    period = _period()
    service = feedback()
    with hall().writing():
        hall().audit("ratings.exported", period.key, after={"format": fmt})
    if fmt == "csv":
        body, mimetype = service.export_csv(period), "text/csv; charset=utf-8"
    elif fmt == "json":
        body, mimetype = service.export_json(period), "application/json"
    else:
        raise DomainError("bad_format", "导出格式应为 csv 或 json。 / Export as csv or json.", 404)
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="ratings-{period.key}.{fmt}"'
    return response


# ---- rectifications ---------------------------------------------------------------------------------------------


@page(bp, "/rectifications", "page.rectifications")
def rectifications(who: Who) -> str:
    status = request.args.get("status", "owed")
    raw_period = request.args.get("period", "")
    period = fb.parse_period(raw_period) if raw_period else None
    raw_window = request.args.get("window", "")
    window = int(raw_window) if raw_window.isdigit() else None
    rows = feedback().rectifications(viewer(who), period=period, status=status, window=window)
    mine = None
    if who.role == "clerk":  # her own figures this month (a clerk sees her own only)
        month = fb.period_of("month", hall().today())
        own = [r for r in feedback().figures(month)["tables"]["staff"] if r["unit"] == who.staff]
        mine = {"month": month, "row": own[0] if own else None}
    return render_template(
        "console/feedback/rectifications.html",
        who=who,
        mine=mine,
        rows=rows,
        status=status,
        period=period,
        window=window,
        today=hall().today(),
        **_names(),
    )


@page(bp, "/rectifications/<ticket_id>", "page.rectifications")
def rectification(who: Who, ticket_id: str, phone: str = "") -> str:
    record = feedback().rectification(viewer(who), ticket_id)
    return render_template(
        "console/feedback/rectification.html",
        who=who,
        r=record,
        phone=phone,
        today=hall().today(),
        **_names(),
    )


@page(bp, "/rectifications/<ticket_id>/phone", "act.follow_up", methods=("POST",))
def reveal_phone(who: Who, ticket_id: str) -> str:
    """The citizen's number for the one making the call (on record)."""
    phone = feedback().reveal_phone(viewer(who), ticket_id)
    return rectification(who=who, ticket_id=ticket_id, phone=phone)


def _step(who: Who, ticket_id: str, action: str) -> Response:
    feedback().step(viewer(who), ticket_id, action, request.form)
    zh, en = fb.RECT_ACTIONS[action]
    return done(f"已记录：{zh}。 / Recorded: {en}.", default="console_feedback.rectifications")


@page(bp, "/rectifications/<ticket_id>/step", "act.rectify", methods=("POST",))
def rectify_step(who: Who, ticket_id: str) -> Response:
    action = request.form.get("action", "")
    if action not in fb.OWNER_STEPS:
        raise DomainError("wrong_step", f"未知的步骤 {action!r}。 / Unknown step {action!r}.", 400)
    return _step(who, ticket_id, action)


@page(bp, "/rectifications/<ticket_id>/appeal", "act.decide_appeal", methods=("POST",))
def decide_appeal(who: Who, ticket_id: str) -> Response:
    action = request.form.get("action", "")
    if action not in fb.DIRECTOR_STEPS:
        raise DomainError("wrong_step", "请选择申诉成立或不成立。 / Uphold or reject.", 400)
    return _step(who, ticket_id, action)


@page(bp, "/rectifications/<ticket_id>/follow-up", "act.follow_up", methods=("POST",))
def follow_up(who: Who, ticket_id: str) -> Response:
    return _step(who, ticket_id, "follow_up")


# ---- complaints ---------------------------------------------------------------------------------------------------


@page(bp, "/complaints", "page.complaints")
def complaints(who: Who) -> str:
    status = request.args.get("status", "")
    raw_period = request.args.get("period", "")
    period = fb.parse_period(raw_period) if raw_period else None
    rows = feedback().complaints(viewer(who), period=period, status=status if status in cp.STATES else "")
    return render_template(
        "console/feedback/complaints.html", who=who, rows=rows, status=status, period=period, **_names()
    )


@page(bp, "/complaints/new", "act.accept_complaint")
def new_complaint(who: Who) -> str:
    config = hall().config
    return render_template(
        "console/feedback/complaint_new.html",
        who=who,
        config=config,
        grounds=config.feedback.complaint_grounds,
        ticket=request.args.get("ticket", ""),
        **_names(),
    )


@page(bp, "/complaints/new", "act.accept_complaint", methods=("POST",))
def accept_complaint(who: Who) -> Response:
    form = request.form
    body: dict[str, Any] = {k: form.get(k, "") for k in form}
    body["grounds"] = form.getlist("grounds")
    body["named"] = [s for s in form.getlist("named") if s]
    body["anonymous"] = form.get("anonymous") == "1"
    body["about_leadership"] = form.get("about_leadership") == "1"
    body["outside_remit"] = form.get("outside_remit") == "1"
    c = feedback().accept_complaint(viewer(who), body)
    route = cp.ROUTES[c["route"]]
    message = (
        f"投诉 {c['number']} 已登记：{route[0]}，应于 {c['due_date']} 前答复。"
        f" / Complaint {c['number']} registered ({route[1].lower()}); answer due {c['due_date']}."
    )
    if not c["visible"]:  # it names the one who took it and went to the higher authority: not hers to see
        return done(message, default="console_feedback.complaints")
    return _to(c["id"], message)


def _to(complaint_id: str, message: str) -> Response:
    flash(message, "ok")
    return redirect(url_for("console_feedback.complaint", complaint_id=complaint_id), code=303)  # type: ignore[return-value]


@page(bp, "/complaints/<complaint_id>", "page.complaints")
def complaint(who: Who, complaint_id: str, identity: dict[str, Any] | None = None) -> str:
    c = feedback().complaint(viewer(who), complaint_id)
    return render_template(
        "console/feedback/complaint.html",
        who=who,
        c=c,
        identity=identity,
        grounds=hall().config.feedback.complaint_grounds,
        **_names(),
    )


@page(bp, "/complaints/<complaint_id>/identity", "act.handle_complaint", methods=("POST",))
def complainant(who: Who, complaint_id: str) -> str:
    identity = feedback().complainant(viewer(who), complaint_id)
    return complaint(who=who, complaint_id=complaint_id, identity=identity)


@page(bp, "/complaints/<complaint_id>/step", "act.handle_complaint", methods=("POST",))
def complaint_step(who: Who, complaint_id: str) -> Response:
    action = request.form.get("action", "")
    if action not in cp.ACTIONS:
        raise DomainError("wrong_step", f"未知的步骤 {action!r}。 / Unknown step {action!r}.", 400)
    c = feedback().complaint_step(viewer(who), complaint_id, action, request.form)
    zh, en = cp.ACTIONS[action]
    return _to(c["id"], f"投诉 {c['number']}：已{zh}。 / Complaint {c['number']}: {en.lower()} recorded.")


@page(bp, "/complaints/<complaint_id>/letter/<kind>", "act.handle_complaint")
def complaint_letter(who: Who, complaint_id: str, kind: str) -> Response:
    """The acknowledgement (受理回执) or the written reply (答复函) as an A4 PDF (its printing is on record)."""
    if kind not in ("ack", "reply"):
        raise DomainError("not_found", "没有这种文书。 / No such letter.", 404)
    c = feedback().letter(viewer(who), complaint_id, kind)
    config = hall().config
    html = render_template(
        "console/feedback/letter.html",
        c=c,
        kind=kind,
        hall=config,
        rules=config.feedback,
        today=hall().today(),
        **_names(),
    )
    pdf = render_pdf(html)
    response = Response(pdf, mimetype="application/pdf")
    name = f"{c['number']}-{'回执' if kind == 'ack' else '答复函'}.pdf"
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


# ---- surveys ------------------------------------------------------------------------------------------------------


@page(bp, "/surveys", "page.surveys")
def surveys(who: Who) -> str:
    today = hall().today()
    return render_template(
        "console/feedback/surveys.html",
        who=who,
        surveys=feedback().surveys(),
        opens=today.isoformat(),
        closes=(today + dt.timedelta(days=30)).isoformat(),
        **_names(),
    )


@page(bp, "/surveys", "act.surveys", methods=("POST",))
def create_survey(who: Who) -> Response:
    form = request.form
    texts, kinds, options = form.getlist("q_text"), form.getlist("q_kind"), form.getlist("q_options")
    questions = [
        {
            "text": t,
            "kind": kinds[i] if i < len(kinds) else "levels",
            "options": (options[i] if i < len(options) else "").split("/"),
        }
        for i, t in enumerate(texts)
    ]
    survey = feedback().create_survey(
        viewer(who),
        {
            "title": form.get("title", ""),
            "intro": form.get("intro", ""),
            "questions": questions,
            "opens_on": form.get("opens_on", ""),
            "closes_on": form.get("closes_on", ""),
            "allow_comment": form.get("allow_comment") == "1",
        },
    )
    flash(f"问卷“{survey['title']}”已保存为草稿。 / The survey is saved as a draft.", "ok")
    return redirect(url_for("console_feedback.survey", survey_id=survey["id"]), code=303)  # type: ignore[return-value]


@page(bp, "/surveys/<survey_id>", "page.surveys")
def survey(who: Who, survey_id: str) -> str:
    raw_window = request.args.get("window", "")
    raw_period = request.args.get("period", "")
    report = feedback().survey_report(
        survey_id,
        window=int(raw_window) if raw_window.isdigit() else None,
        period=fb.parse_period(raw_period) if raw_period else None,
    )
    return render_template(
        "console/feedback/survey.html",
        who=who,
        report=report,
        s=report["survey"],
        window=raw_window,
        period=raw_period,
        chart=survey_chart(report["questions"]),
        **_names(),
    )


def survey_chart(questions: list[dict[str, Any]]) -> dict[str, Any]:
    """ECharts option: each five-level question's answers per level (stacked bars, one per question)."""
    levels = [q for q in questions if q["kind"] == "levels"]
    colours = {5: "#1b6e2b", 4: "#5a9e4b", 3: "#c8b400", 2: "#e07b00", 1: "#b00020"}
    return {
        "animation": False,
        "textStyle": {"fontFamily": FONT},
        "legend": {"top": 0, "textStyle": {"fontFamily": FONT}},
        "grid": {"left": 8, "right": 16, "top": 30, "bottom": 4, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": [q["text"][:14] for q in levels],
            "axisLabel": {"fontFamily": FONT},
        },
        "series": [
            {
                "type": "bar",
                "stack": "all",
                "name": LEVELS[s][0],
                "itemStyle": {"color": colours[s]},
                "data": [next(n for lv, _, n in q["levels"] if lv == s) for q in levels],
            }
            for s in (5, 4, 3, 2, 1)
        ],
    }


@page(bp, "/surveys/<survey_id>/status", "act.surveys", methods=("POST",))
def survey_status(who: Who, survey_id: str) -> Response:
    s = feedback().set_survey_status(viewer(who), survey_id, request.form.get("status", ""))
    zh, en = fb.SURVEY_STATES[s["status"]]
    return done(f"问卷现为“{zh}”。 / The survey is now {en.lower()}.", default="console_feedback.surveys")


@page(bp, "/surveys/<survey_id>/report", "act.surveys", methods=("POST",))
def survey_publish(who: Who, survey_id: str) -> Response:
    feedback().publish_survey_report(viewer(who), survey_id, request.form.get("report", ""))
    return done("调查报告已发布。 / The report is published.", default="console_feedback.surveys")


@page(bp, "/surveys/<survey_id>/actions", "act.surveys", methods=("POST",))
def survey_action(who: Who, survey_id: str) -> Response:
    form = request.form
    if form.get("done"):
        feedback().finish_survey_action(viewer(who), survey_id, int(form.get("done", "0") or 0))
        return done("整改措施已完成。 / The rectification is done.", default="console_feedback.surveys")
    feedback().add_survey_action(
        viewer(who), survey_id, form.get("text", ""), form.get("owner", ""), form.get("due", "")
    )
    return done("已添加整改措施。 / Rectification added.", default="console_feedback.surveys")


# ---- follow-up visits -----------------------------------------------------------------------------------------------


@page(bp, "/visits", "page.visits")
def visits(who: Who) -> str:
    month = _period()
    if month.kind != "month":
        month = fb.period_of("month", month.start)
    return render_template(
        "console/feedback/visits.html",
        who=who,
        month=month,
        data=feedback().visits(month),
        today=hall().today(),
        **_names(),
    )


@page(bp, "/visits", "act.visits", methods=("POST",))
def add_visit(who: Who) -> Response:
    feedback().add_visit(viewer(who), request.form)
    return done("回访已登记。 / The visit is recorded.", default="console_feedback.visits")


@page(bp, "/visits/<visit_id>/told", "act.visits", methods=("POST",))
def visit_told(who: Who, visit_id: str) -> Response:
    feedback().visit_told_back(viewer(who), visit_id, request.form.get("told_back", ""), request.form.get("day", ""))
    return done("已记录反馈情况。 / Recorded what was told back.", default="console_feedback.visits")


@bp.app_template_global("feedback_alerts")
def alerts_for(who: Who | None) -> dict[str, Any] | None:
    """For the live page's panel (console/feedback/_live.html): None when there is nothing the viewer may see, or
    the ledger cannot be read now (the live page still shows the rest)."""
    if who is None or not who.may("page.rectifications"):
        return None
    try:
        return feedback().alerts(viewer(who))
    except Exception:
        log.exception("the feedback panel could not be read")
        return None


def chart_json(option: dict[str, Any]) -> str:
    return json.dumps(option, ensure_ascii=False)
