import datetime as dt

import pytest

from core.ratings import check_rating, satisfaction
from core.tickets import DomainError, Status, Ticket
from tests.factories import at


def served(status=Status.DONE, window=3):
    return Ticket(
        id="t1",
        number="A001",
        service="HJ",
        day=dt.date(2026, 11, 23),
        seq=1,
        issued_at=at(9),
        status=status,
        window=window,
        staff="1003",
    )


def test_a_served_ticket_can_be_rated_once():
    rating = check_rating(served(), score=5, reasons=[], comment="", now=at(10), already_rated=False, window=3)
    assert (rating.score, rating.window, rating.staff, rating.bad) == (5, 3, "1003", False)
    with pytest.raises(DomainError) as err:
        check_rating(served(), score=5, reasons=[], comment="", now=at(10), already_rated=True)
    assert (err.value.code, err.value.status) == ("already_rated", 409)


@pytest.mark.parametrize("status", [Status.WAITING, Status.CALLED, Status.NO_SHOW, Status.CANCELLED])
def test_a_ticket_that_was_not_served_cannot_be_rated(status):
    with pytest.raises(DomainError) as err:
        check_rating(served(status), score=4, reasons=[], comment="", now=at(10), already_rated=False)
    assert (err.value.code, err.value.status) == ("not_served", 400)


def test_the_pad_can_only_rate_its_own_windows_tickets():
    with pytest.raises(DomainError) as err:
        check_rating(served(window=3), score=4, reasons=[], comment="", now=at(10), already_rated=False, window=5)
    assert err.value.code == "wrong_window"


@pytest.mark.parametrize("score", [1, 2])
def test_a_bad_rating_needs_a_reason(score):
    with pytest.raises(DomainError) as err:
        check_rating(served(), score=score, reasons=["  "], comment="", now=at(10), already_rated=False)
    assert err.value.code == "reason_required"
    ok = check_rating(served(), score=score, reasons=["等候时间过长"], comment="", now=at(10), already_rated=False)
    assert ok.bad and ok.reasons == ("等候时间过长",)


@pytest.mark.parametrize("score", [0, 6, -1])
def test_scores_outside_one_to_five_are_refused(score):
    with pytest.raises(DomainError):
        check_rating(served(), score=score, reasons=["x"], comment="", now=at(10), already_rated=False)


def test_satisfaction_rate():
    assert satisfaction([5, 4, 3, 2]) == 0.75
    assert satisfaction([]) is None
