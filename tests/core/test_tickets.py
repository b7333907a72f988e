import pytest

from core.tickets import TRANSITIONS, Action, DomainError, Status, format_number, next_status

LEGAL = [(s, a, t) for (s, a), t in TRANSITIONS.items()]


@pytest.mark.parametrize("state, action, target", LEGAL)
def test_each_legal_move_lands_where_the_table_says(state, action, target):
    assert next_status(state, action) is target


ILLEGAL = [(s, a) for s in Status for a in Action if (s, a) not in TRANSITIONS]


@pytest.mark.parametrize("state, action", ILLEGAL)
def test_every_other_move_is_refused_with_a_reason(state, action):
    with pytest.raises(DomainError) as err:
        next_status(state, action, "A001")
    assert err.value.code == "illegal_transition"
    assert "A001" in err.value.message


@pytest.mark.parametrize("state", [Status.DONE, Status.CANCELLED, Status.CLOSED])
def test_terminal_states_have_no_way_out(state):
    assert not [a for (s, a) in TRANSITIONS if s is state]


def test_a_missed_number_has_one_way_back_the_service_desk():
    assert [a for (s, a) in TRANSITIONS if s is Status.NO_SHOW] == [Action.REINSTATE]


@pytest.mark.parametrize(
    "seq, width, expected", [(1, 3, "A001"), (999, 3, "A999"), (1000, 3, "A1000"), (7, 4, "A0007")]
)
def test_numbers_are_padded_and_grow_instead_of_wrapping(seq, width, expected):
    assert format_number("A", seq, width) == expected


def test_to_dict_round_trips():
    import datetime as dt

    from core.tickets import Referral, Ticket
    from tests.factories import at

    t = Ticket(id="x", number="A001", service="HJ", day=dt.date(2026, 11, 23), seq=1, issued_at=at(9), priority=True)
    t.referrals.append(Referral(from_window=1, from_staff="1001", note="转", at=at(9, 5), to_window=2))
    t.called_at = at(9, 3)
    again = Ticket.from_dict(t.to_dict())
    assert again == t and again.to_dict() == t.to_dict()
