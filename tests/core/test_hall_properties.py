"""Random command sequences: the invariants a hall must never break."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from core.calendar import WorkCalendar
from core.hall import Hall
from core.tickets import QUEUED, DomainError, Status
from tests.factories import at, make_config

CONFIG = make_config()
CAL = WorkCalendar()
STAFF = {1: "1001", 2: "1002", 3: "1003"}

commands = st.lists(
    st.one_of(
        st.tuples(st.just("issue"), st.sampled_from(["HJ", "SB", "YB"]), st.booleans()),
        st.tuples(
            st.sampled_from(["call", "finish", "no_show", "suspend", "recall", "start"]), st.sampled_from([1, 2, 3])
        ),
        st.tuples(st.just("transfer"), st.sampled_from([1, 2, 3]), st.sampled_from([1, 2, 3])),
        st.tuples(st.just("resume_ticket"), st.sampled_from([1, 2, 3])),
        st.tuples(
            st.just("next_day"),
        ),
    ),
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(commands)
def test_no_number_twice_and_no_ticket_at_two_windows(script):
    hall = Hall(CONFIG, dt.date(2026, 11, 23))
    day = dt.date(2026, 11, 23)
    clock = at(8, 0, day=day)
    numbers_seen: set[tuple[dt.date, str]] = set()
    called_by: dict[str, int] = {}
    for n, w in STAFF.items():
        hall.sign_in(n, w, clock)
    for step, cmd in enumerate(script):
        clock += dt.timedelta(seconds=30)
        try:
            if cmd[0] == "issue":
                t = hall.issue(cmd[1], clock, ticket_id=f"t{step}", priority=cmd[2]).ticket
                key = (hall.day, t.number)
                assert key not in numbers_seen, f"{t.number} issued twice"
                numbers_seen.add(key)
            elif cmd[0] == "call":
                t = hall.call_next(cmd[1], clock).ticket
                if t:
                    assert t.id not in called_by, f"{t.number} called while already at window {called_by[t.id]}"
                    called_by[t.id] = cmd[1]
            elif cmd[0] == "transfer":
                hall.transfer(cmd[1], clock, to_window=cmd[2], note="转办")
            elif cmd[0] == "resume_ticket":
                for t in hall.suspended_at(cmd[1])[:1]:
                    hall.resume_ticket(cmd[1], t.id, clock)
            elif cmd[0] == "next_day":
                day += dt.timedelta(days=1)
                clock = at(8, 0, day=day)
                hall.issue("HJ", clock, ticket_id=f"t{step}")
                numbers_seen.add((hall.day, "A001"))
                for n, w in STAFF.items():
                    hall.sign_in(n, w, clock)
            elif cmd[0] == "finish":
                hall.finish(cmd[1], clock, calendar=CAL, case_id=f"c{step}")
            else:
                getattr(hall, cmd[0])(cmd[1], clock)
        except DomainError:
            pass
        # who is at a window right now
        current = [ws.current for ws in hall.windows.values() if ws.current]
        assert len(current) == len(set(current)), "one ticket at two windows"
        called_by = {tid: n for n, ws in hall.windows.items() if (tid := ws.current)}
        for tid in current:
            assert hall.tickets[tid].status in (Status.CALLED, Status.SERVING)
        # every open ticket is in exactly one place
        queued = [t.id for q in hall.queues.values() for part in (q.head, q.priority, q.normal) for t in part]
        queued += [t.id for part in hall.window_heads.values() for t in part]
        assert len(queued) == len(set(queued))
        for tid, t in hall.tickets.items():
            places = (tid in queued) + (tid in current) + (t.status is Status.SUSPENDED)
            assert places == 1, f"{t.number} ({t.status}) is in {places} places"
            assert (t.status in QUEUED) == (tid in queued)
