"""Public pages of issue 12 (no sign-in, no personal data): the monthly 好差评公示 (printable; link it from the
display's scrolling notice: /public/ratings always shows the last complete month), a published survey report,
and the citizen's phone pages from the ticket's QR code — rate the service (/t/<id>/rate) and answer the hall's
open survey (/s/<id>)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

from application.feedback import FeedbackService
from core import feedback as fb
from core.ratings import LEVELS
from core.tickets import DomainError

bp = Blueprint("feedback_pages", __name__)


def feedback() -> FeedbackService:
    service: FeedbackService = current_app.extensions["hallq.feedback"]
    return service


@bp.app_template_global()
def feedback_links(ticket_id: str) -> dict[str, Any]:
    """For the ticket's phone page: may it still be rated here, and the open survey it may answer."""
    service = feedback()
    try:
        form = service.phone_rating_form(ticket_id)
    except DomainError:
        return {"rate": False, "survey": None}
    return {"rate": form["why"] == "", "survey": service.survey_for_ticket(ticket_id)}


@bp.get("/public/ratings")
def latest_month() -> Response:
    """The last complete month (the address to put in the display's notice)."""
    month = fb.period_of("month", feedback().today()).previous()
    return redirect(url_for("feedback_pages.public_month", month=month.key), code=302)  # type: ignore[return-value]


@bp.get("/public/ratings/<month>")
def public_month(month: str) -> str:
    try:
        period = fb.parse_period(month)
    except DomainError:
        abort(404)
    if period.kind != "month" or period.start > feedback().today():
        abort(404)
    data = feedback().public_month(period)
    return render_template(
        "feedback/public_month.html",
        hall=current_app.extensions["hallq"].config,
        d=data,
        percent=fb.percent,
        outcomes=fb.OUTCOMES,
        views=fb.FOLLOW_UP_VIEWS,
        previous=period.previous(),
        following=period.following() if period.end <= feedback().today() else None,
    )


@bp.get("/public/surveys/<survey_id>")
def public_survey(survey_id: str) -> str:
    try:
        report = feedback().survey_report(survey_id)
    except DomainError:
        abort(404)
    if not report["survey"]["published_at"]:
        abort(404)
    return render_template(
        "feedback/public_survey.html",
        hall=current_app.extensions["hallq"].config,
        r=report,
        percent=fb.percent,
    )


@bp.route("/s/<ticket_id>", methods=["GET", "POST"])
def answer_survey(ticket_id: str) -> str | tuple[str, int]:
    """The open survey on the citizen's phone (from the ticket's QR code): one answer per ticket, anonymous."""
    service = feedback()
    hall = current_app.extensions["hallq"]
    if hall.find_ticket(ticket_id) is None:
        abort(404)
    survey_id = request.values.get("survey", "")
    survey = service.survey(survey_id) if survey_id else service.survey_for_ticket(ticket_id)
    error = ""
    if request.method == "POST" and survey is not None:
        answers = {q["id"]: request.form.get(q["id"], "") for q in survey["questions"]}
        try:
            service.answer_survey(survey["id"], ticket_id, answers, request.form.get("comment", ""), "phone")
        except DomainError as exc:
            error = exc.message
        else:
            return render_template("feedback/thanks.html", hall=hall.config, what="survey", ticket_id=ticket_id)
    status = 200 if survey is not None else 404
    return render_template(
        "feedback/survey_answer.html",
        hall=hall.config,
        survey=survey,
        ticket_id=ticket_id,
        levels=LEVELS,
        error=error,
        form=request.form,
    ), status


@bp.route("/t/<ticket_id>/rate", methods=["GET", "POST"])
def rate(ticket_id: str) -> str | tuple[str, int]:
    """Rate the service from the phone (channel "phone"), once per ticket: never a default, a reason for a bad one;
    a phone number may be left for the follow-up call."""
    service = feedback()
    hall = current_app.extensions["hallq"]
    try:
        form = service.phone_rating_form(ticket_id)
    except DomainError:
        abort(404)
    error = ""
    if request.method == "POST" and form["why"] == "":
        try:
            score = int(request.form.get("score", "0") or 0)
            service.rate_by_phone(
                ticket_id,
                score,
                request.form.getlist("reasons"),
                request.form.get("comment", ""),
                request.form.get("phone", ""),
            )
        except (DomainError, ValueError) as exc:
            error = getattr(exc, "message", "请选择评价等级。 / Choose a level.")
        else:
            return render_template("feedback/thanks.html", hall=hall.config, what="rating", ticket_id=ticket_id)
    return render_template(
        "feedback/rate.html",
        hall=hall.config,
        t=form,
        levels=LEVELS,
        reasons=hall.config.ratings.bad_reasons,
        error=error,
        form=request.form,
    )
