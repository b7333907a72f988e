"""People (issue 14): attendance (the day, the month, corrections), leave and its approvals, meetings, the monthly
scores with their lines and the red flag, month close, efficiency warnings (drafted, confirmed, printed), the
year, the quarter's selection with its announcement (通报) and certificates (荣誉证书) as A4 PDF, and the public
honour roll page (/honours). Each view is thin over application/people.py; the rules are core's."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from application.people import People
from core import attendance as att
from core import scoring as sc
from core.tickets import DomainError
from server import people_pdf
from server.console.base import Who, console_blueprint, done, hall, page, require_window

bp = console_blueprint("people", "/people")
public = Blueprint("people_public", __name__)


def people() -> People:
    service: People = current_app.extensions["hallq.people"]
    return service


def _bad(zh: str, en: str) -> DomainError:
    return DomainError("invalid", f"{zh} / {en}", 400)


def _day(raw: str | None) -> dt.date:
    if not raw:
        return hall().today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise _bad("日期格式应为 YYYY-MM-DD", "the day must be YYYY-MM-DD") from None


def _month(raw: str | None) -> str:
    if not raw:
        return sc.month_key(hall().today())
    try:
        sc.month_bounds(raw)
    except ValueError:
        raise _bad("月份格式应为 YYYY-MM", "the month must be YYYY-MM") from None
    return raw


def _quarter(raw: str | None) -> str:
    if not raw:
        return sc.quarter_of(hall().today())
    try:
        sc.quarter_months(raw)
    except ValueError:
        raise _bad("季度格式应为 YYYY-Q1…Q4", "the quarter must be YYYY-Q1…Q4") from None
    return raw


def _time(raw: str | None) -> dt.time | None:
    if not raw:
        return None
    try:
        return dt.time.fromisoformat(raw)
    except ValueError:
        raise _bad("时间格式应为 HH:MM", "the time must be HH:MM") from None


def _int(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise _bad("应为整数", "must be a whole number") from None


def _scope(who: Who) -> set[str] | None:
    """The staff a window head sees (her windows' A and B posts); None: everyone."""
    if not who.own_window_only:
        return None
    config = hall().config
    return {s for w in config.windows if w.number in who.windows for s in (w.staff_a, w.staff_b) if s}


def _shift_month(month: str, by: int) -> str:
    first, _ = sc.month_bounds(month)
    index = first.year * 12 + first.month - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _shift_quarter(period: str, by: int) -> str:
    year, q = period.split("-Q")
    index = int(year) * 4 + int(q) - 1 + by
    return f"{index // 4}-Q{index % 4 + 1}"


def _common() -> dict[str, Any]:
    p = people()
    return {
        "names": {s.code: s.name for s in hall().config.staff},
        "staff_list": hall().config.staff,
        "windows": hall().config.windows,
        "mark_names": att.MARK_NAMES,
        "status_names": att.STATUS_NAMES,
        "step_names": att.STEP_NAMES,
        "leave_status": att.LEAVE_STATUS_NAMES,
        "kinds": sc.KINDS,
        "sources": sc.SOURCES,
        "grounds": sc.GROUNDS,
        "scoring": hall().config.scoring,
        "window_name": p.window_name,
        "hm": lambda t: t.astimezone(hall().config.tz).strftime("%H:%M") if t else "—",
    }


# ---- attendance ---------------------------------------------------------------------------------------------------


@page(bp, "/attendance", "page.attendance")
def attendance(who: Who) -> str:
    day = _day(request.args.get("day"))
    data = people().day(day)
    scope = _scope(who)
    records = [r for r in data["records"] if scope is None or r.staff in scope]
    return render_template(
        "console/people/attendance.html",
        who=who,
        d=data,
        records=records,
        day=day,
        previous=day - dt.timedelta(days=1),
        following=day + dt.timedelta(days=1),
        today=hall().today(),
        actions=att.CORRECTION_ACTIONS,
        meeting_kinds=att.MEETING_KINDS,
        **_common(),
    )


@page(bp, "/attendance/month", "page.attendance")
def attendance_month(who: Who) -> str:
    month = _month(request.args.get("month"))
    data = people().month_attendance(month)
    scope = _scope(who)
    return render_template(
        "console/people/attendance_month.html",
        who=who,
        m=data,
        month=month,
        shown=[s for s in data["people"] if scope is None or s in scope],
        previous=_shift_month(month, -1),
        following=_shift_month(month, 1),
        **_common(),
    )


@page(bp, "/attendance/correct", "act.correct_attendance", methods=("POST",))
def correct(who: Who) -> Response:
    f = request.form
    day = _day(f.get("day"))
    people().correct(
        f.get("staff", "").strip(),
        day,
        f.get("action", ""),
        f.get("reason", ""),
        time=_time(f.get("time")),
        session=_int(f.get("session")),
        window=_int(f.get("window")),
    )
    return done("考勤已更正，记录在案。 / The correction is on record.", "console_people.attendance")


@page(bp, "/attendance/sign", "act.sign_attendance", methods=("POST",))
def console_sign(who: Who) -> Response:
    kind = request.form.get("kind", "")
    people().console_sign(who.staff, kind)
    message = "已签到。 / Signed in." if kind == att.SIGN_IN else "已签退。 / Signed out."
    return done(message, "console_people.leave")


@page(bp, "/meetings", "act.correct_attendance", methods=("POST",))
def add_meeting(who: Who) -> Response:
    f = request.form
    start, end = _time(f.get("start")), _time(f.get("end"))
    if start is None or end is None:
        raise _bad("请填写会议起止时间", "a meeting needs its start and end")
    people().add_meeting(_day(f.get("day")), start, end, f.get("title", ""), f.get("kind", "meeting"))
    return done("会议已登记，请录入签到。 / The meeting is added; record who signed in.", "console_people.attendance")


@page(bp, "/meetings/<meeting_id>/sign", "act.correct_attendance", methods=("POST",))
def sign_meeting(who: Who, meeting_id: str) -> Response:
    people().sign_meeting(meeting_id, request.form.getlist("present"), request.form.getlist("excused"))
    return done("会议签到已保存。 / The sign-in list is saved.", "console_people.attendance")


# ---- leave --------------------------------------------------------------------------------------------------------


@page(bp, "/leave", "page.leave")
def leave(who: Who) -> str:
    p = people()
    month = _month(request.args.get("month"))
    first, last = sc.month_bounds(month)
    scope = _scope(who)
    everyone = who.role in ("admin", "director", "manager", "supervisor")

    def visible(view: dict[str, Any]) -> bool:
        staff = view["leave"].staff
        return everyone or staff == who.staff or (scope is not None and staff in scope)

    pending = [v for v in p.pending_leaves() if visible(v)]
    rows = [v for v in p.leaves(first, last) if visible(v)]
    has_window = any(who.staff in (w.staff_a, w.staff_b) for w in hall().config.windows)
    return render_template(
        "console/people/leave.html",
        who=who,
        pending=pending,
        rows=rows,
        month=month,
        previous=_shift_month(month, -1),
        following=_shift_month(month, 1),
        types=p.leave_types(),
        for_anyone=who.role in ("admin", "director", "manager"),
        has_window=has_window,
        **_common(),
    )


def _datetime(day: str | None, time: str | None) -> dt.datetime:
    d = _day(day)
    t = _time(time) or dt.time(0)
    return dt.datetime.combine(d, t, hall().config.tz)


@page(bp, "/leave", "act.request_leave", methods=("POST",))
def request_leave(who: Who) -> Response:
    f = request.form
    staff = f.get("staff", "").strip() or who.staff
    if staff != who.staff and who.role not in ("admin", "director", "manager"):
        raise _bad("只能为自己请假", "you may request leave for yourself only")
    view = people().request_leave(
        staff,
        f.get("type", ""),
        _datetime(f.get("start_day"), f.get("start_time")),
        _datetime(f.get("end_day") or f.get("start_day"), f.get("end_time")),
        f.get("reason", ""),
        written=f.get("written") == "1",
        stand_in=f.get("stand_in", ""),
    )
    steps = "、".join(att.STEP_NAMES[s][0] for s in view["chain"]) or "—"
    return done(f"请假已提交，审批：{steps}。 / Leave requested; approval: {steps}.", "console_people.leave")


@page(bp, "/leave/<leave_id>/decide", "act.approve_leave", methods=("POST",))
def decide_leave(who: Who, leave_id: str) -> Response:
    f = request.form
    approve = f.get("decision") == "approve"
    view = people().decide_leave(
        leave_id,
        f.get("step", ""),
        approve,
        actor_role=who.role,
        actor_windows=who.windows,
        signer=f.get("signer", ""),
        note=f.get("note", ""),
    )
    status = att.LEAVE_STATUS_NAMES[view["leave"].status]
    return done(f"已记录：{status[0]}。 / Recorded: {status[1]}.", "console_people.leave")


@page(bp, "/leave/<leave_id>/amend", "act.approve_leave", methods=("POST",))
def amend_leave(who: Who, leave_id: str) -> Response:
    f = request.form
    written = None if "written" not in f else f.get("written") == "1"
    people().amend_leave(leave_id, stand_in=f.get("stand_in") if "stand_in" in f else None, written=written)
    return done("已保存。 / Saved.", "console_people.leave")


@page(bp, "/leave/<leave_id>/cancel", "act.request_leave", methods=("POST",))
def cancel_leave(who: Who, leave_id: str) -> Response:
    lv = people().get_leave(leave_id)
    if lv.staff != who.staff and who.role not in ("admin", "director", "manager"):
        raise _bad("只能撤销自己的请假", "you may cancel your own leave only")
    people().cancel_leave(leave_id)
    return done("请假已撤销。 / The leave is cancelled.", "console_people.leave")


# ---- the monthly scores -------------------------------------------------------------------------------------------


@page(bp, "/scores", "page.scores")
def scores(who: Who) -> str:
    month = _month(request.args.get("month"))
    data = people().month(month)
    scope = _scope(who)
    if scope is not None:
        data["windows"] = [s for s in data["windows"] if int(s["key"]) in who.windows]
        data["staff"] = [s for s in data["staff"] if s["key"] in scope]
    return render_template(
        "console/people/scores.html",
        who=who,
        m=data,
        month=month,
        previous=_shift_month(month, -1),
        following=_shift_month(month, 1),
        holder=people().red_flag_holder(),
        **_common(),
    )


@page(bp, "/scores/entry", "act.score_entry", methods=("POST",))
def score_entry(who: Who) -> Response:
    f = request.form
    target = f.get("target", "")
    staff, window = "", None
    if target.startswith("s:"):
        staff = target[2:]
    elif target.startswith("w:"):
        window = _int(target[2:])
    people().add_entry(
        _day(f.get("day")),
        f.get("kind", ""),
        f.get("what", ""),
        staff=staff,
        window=window,
        points=_int(f.get("points")),
        source=f.get("source", "manual") or "manual",
        ground=f.get("ground", ""),
        evidence=f.get("evidence", ""),
    )
    return done("已录入，计入当月得分。 / Entered; it counts in the month's score.", "console_people.scores")


@page(bp, "/scores/entry/<entry_id>/withdraw", "act.score_entry", methods=("POST",))
def withdraw_entry(who: Who, entry_id: str) -> Response:
    people().withdraw_entry(entry_id, request.form.get("reason", ""))
    return done("已撤销，记录在案。 / Withdrawn, on record.", "console_people.scores")


@page(bp, "/scores/close", "act.close_month", methods=("POST",))
def close_month(who: Who) -> Response:
    month = _month(request.form.get("month"))
    data = people().close_month(month)
    flag = data["red_flag"]
    won = "、".join(f"{n}号" for n in flag["windows"]) if flag else "—"
    return done(f"{month} 得分已确认；流动红旗：{won}。 / {month} closed; red flag: {won}.", "console_people.scores")


# ---- warnings -----------------------------------------------------------------------------------------------------


@page(bp, "/warnings", "page.warnings")
def warnings(who: Who) -> str:
    year = _int(request.args.get("year")) or hall().today().year
    p = people()
    return render_template(
        "console/people/warnings.html",
        who=who,
        year=year,
        drafts=p.warning_drafts(year),
        decided=p.warnings(year),
        **_common(),
    )


@page(bp, "/warnings/decide", "act.warnings", methods=("POST",))
def decide_warning(who: Who) -> Response:
    f = request.form
    row = people().decide_warning(f.get("basis", ""), f.get("decision") == "confirm", f.get("note", ""))
    if row["status"] == "confirmed":
        return done(f"已确认 {row['number']}，可打印告诫书。 / Confirmed {row['number']}.", "console_people.warnings")
    return done("已撤销此草稿，记录在案。 / Dismissed, on record.", "console_people.warnings")


@page(bp, "/warnings/add", "act.warnings", methods=("POST",))
def add_warning(who: Who) -> Response:
    f = request.form
    row = people().add_warning(f.get("staff", ""), f.get("ground", ""), f.get("facts", ""), f.get("evidence", ""))
    return done(f"已录入 {row['number']}。 / Entered {row['number']}.", "console_people.warnings")


def _document(template: str, pdf_name: str, as_pdf: bool, **context: Any) -> Response | str:
    if as_pdf:
        if not people_pdf.available():
            raise DomainError(
                "no_pdf", "服务器未安装 WeasyPrint，请用浏览器打印此页。 / WeasyPrint is not installed.", 501
            )
        html = render_template(template, font_url=people_pdf.font_uri(), printing=True, **context)
        response = Response(people_pdf.pdf(html), mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'inline; filename="{pdf_name}"'
        return response
    return render_template(template, font_url=url_for("pages.font"), printing=False, **context)


@page(bp, "/warnings/<path:basis>/print", "page.warnings")
def print_warning(who: Who, basis: str) -> Response | str:
    row = people().warning(basis)
    as_pdf = request.args.get("format") == "pdf"
    return _document("console/people/warning_print.html", "warning.pdf", as_pdf, w=row, who=who, **_common())


# ---- one's own scores ---------------------------------------------------------------------------------------------


@page(bp, "/mine", "page.my_scores")
def my_scores(who: Who) -> str:
    """A person's own month: her score and every line, her attendance, warnings and leave — never anyone else's."""
    asked = request.args.get("staff")
    if asked and asked != who.staff:
        raise DomainError(
            "not_yours",
            "此页只显示本人的考核，不能查看他人的数据。 / This page shows only your own scores, never another's.",
            403,
        )
    month = _month(request.args.get("month"))
    data = people().own_month(who.staff, month)
    today = hall().today()
    recent = [_shift_month(sc.month_key(today), -i) for i in range(12)]
    return render_template(
        "console/people/my_scores.html",
        who=who,
        d=data,
        month=month,
        previous=_shift_month(month, -1),
        following=_shift_month(month, 1),
        recent=recent,
        **_common(),
    )


# ---- the year -----------------------------------------------------------------------------------------------------


@page(bp, "/year", "page.scores")
def year(who: Who) -> str:
    y = _int(request.args.get("year")) or hall().today().year
    data = people().year(y)
    scope = _scope(who)
    if scope is not None:
        data["windows"] = [s for s in data["windows"] if int(s["key"]) in who.windows]
        data["staff"] = [s for s in data["staff"] if s["key"] in scope]
    return render_template("console/people/year.html", who=who, y=data, **_common())


# ---- awards -------------------------------------------------------------------------------------------------------


@page(bp, "/awards", "page.awards")
def awards(who: Who) -> str:
    period = _quarter(request.args.get("period"))
    data = people().quarter(period)
    return render_template(
        "console/people/awards.html",
        who=who,
        q=data,
        period=period,
        previous=_shift_quarter(period, -1),
        following=_shift_quarter(period, 1),
        components=sc.COMPONENTS,
        entered=[c for c in sc.ENTERED if c in hall().config.awards.weights],
        published=json.loads(data["published"]["result"]) if data["published"] else None,
        **_common(),
    )


@page(bp, "/awards/marks", "act.awards", methods=("POST",))
def award_marks(who: Who) -> Response:
    f = request.form
    period = _quarter(f.get("period"))
    count = 0
    for name, value in f.items():
        if not name.startswith("mark:") or value.strip() == "":
            continue
        _, subject, key, component = name.split(":", 3)
        try:
            number = float(value)
        except ValueError:
            raise _bad("分数应为数字", "a mark must be a number") from None
        people().set_mark(period, subject, key, component, number)
        count += 1
    return done(f"已保存 {count} 项评分。 / Saved {count} marks.", "console_people.awards")


@page(bp, "/awards/publish", "act.awards", methods=("POST",))
def publish(who: Who) -> Response:
    period = _quarter(request.form.get("period"))
    result = people().publish(period)
    n = len(result["windows"]) + len(result["staff"])
    return done(f"{period} 评选结果已公布（{n}）。 / {period} published.", "console_people.awards")


def _published(period: str) -> dict[str, Any]:
    q = people().quarter(period)
    if not q["published"]:
        raise DomainError("not_published", "该季度评选结果尚未公布。 / Not published yet.", 404)
    result: dict[str, Any] = json.loads(q["published"]["result"])
    result["decided_at"] = q["published"]["decided_at"]
    return result


@page(bp, "/awards/<period>/announcement", "page.awards")
def announcement(who: Who, period: str) -> Response | str:
    result = _published(_quarter(period))
    as_pdf = request.args.get("format") == "pdf"
    return _document(
        "console/people/announcement.html", f"tongbao-{period}.pdf", as_pdf, r=result, who=who, **_common()
    )


@page(bp, "/awards/<period>/certificates", "page.awards")
def certificates(who: Who, period: str) -> Response | str:
    result = _published(_quarter(period))
    as_pdf = request.args.get("format") == "pdf"
    return _document(
        "console/people/certificates.html", f"certificates-{period}.pdf", as_pdf, r=result, who=who, **_common()
    )


# ---- public: the honour roll --------------------------------------------------------------------------------------


@public.get("/honours")
def honours_page() -> str:
    return render_template("console/people/honours.html", h=people().honours(), hall=hall().config)


__all__ = ["bp", "public", "require_window"]
