"""core/scoring.py on hand-made lines: a month's score from mixed sources, the red flag tie rule, the warning
thresholds, the year, eligibility, the 80/10/10 selection with a disqualification, the A–E quota — and the
other hall's scheme from its hall file alone."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from core import scoring as sc
from core.config import AwardScheme, Grade
from tests.factories import make_config

NOV = dt.date(2026, 11, 1)


def d(day: int, month: int = 11) -> dt.date:
    return dt.date(2026, month, day)


def line(day: int, kind: str, staff: str = "", window: int | None = None, source: str = "attendance", **kw):
    return sc.ScoreLine(d(day), kind, kw.pop("what", kind), source, staff, window, **kw)


WINDOWS = [(1, "户籍窗口"), (2, "社保医保窗口"), (3, "综合窗口")]
STAFF = [("1001", "张敏"), ("1002", "王芳"), ("1003", "赵磊"), ("1101", "李强")]


def test_a_months_score_from_mixed_sources():
    scoring = make_config().scoring
    lines = [
        line(3, "late", "1001", 1),  # attendance
        line(4, "early_leave", "1001", 1),
        line(5, "half_day_absence", "1002", 2),
        line(10, "forbidden_behaviour", "1003", 3, source="inspection", recorded_by="9001"),
        line(11, "duty_lapse", "", 2, source="inspection"),  # the window only (一次扣窗口5分)
        {"day": "2026-11-12", "kind": "verified_complaint", "staff": "1003", "window": 3, "source": "complaint"},
        line(20, "commendation", "1101", 1, source="manual", what="拾金不昧"),
        line(21, "internal_criticism", "1002", None, source="manual", points=-15),  # the source fixed the points
    ]
    windows, people = sc.month_scores([sc.ScoreLine.of(x) for x in lines], WINDOWS, STAFF, scoring)
    assert [(s.key, s.total) for s in windows] == [("1", 99), ("2", 90), ("3", 88)]
    # window 1: −1 late −2 early +2 commendation of its B post
    assert [(s.key, s.total) for s in people] == [("1001", 97), ("1002", 80), ("1003", 88), ("1101", 102)]
    w3 = windows[2]
    assert [(ln.day.isoformat(), ln.kind_zh, ln.source_zh, ln.points) for ln in w3.lines] == [
        ("2026-11-10", "巡查发现禁止行为", "督查", -2),
        ("2026-11-12", "被投诉查实", "投诉", -10),
    ]


def test_gather_reads_every_source_once_in_date_order():
    scoring = make_config().scoring
    sources = {
        "attendance": lambda first, last: [line(5, "late", "1001", 1)],
        "complaint": lambda first, last: [
            {"day": "2026-11-02", "kind": "verified_complaint", "staff": "1002", "window": 2},
            {"day": "2026-12-02", "kind": "verified_complaint", "staff": "1002", "window": 2},  # outside
        ],
    }
    got = sc.gather(sources, NOV, d(30), scoring)
    assert [(ln.day.day, ln.source, ln.points) for ln in got] == [(2, "complaint", -10), (5, "attendance", -1)]


def score(key: str, total_lines: int, points: int = -1) -> sc.Score:
    lines = tuple(line(1 + i, "late", "", int(key), points=points) for i in range(total_lines))
    return sc.Score("window", key, key, 100, lines)


@pytest.mark.parametrize(
    ("scores", "served", "windows", "how"),
    [
        ([score("1", 1), score("2", 3)], {}, (1,), "Highest"),
        # 98 = 98: one line of −2 beats two of −1 (fewer deduction lines)
        ([score("1", 2), score("2", 1, points=-2)], {}, (2,), "fewer deduction lines"),
        # same score and lines: more citizens served
        ([score("1", 1), score("2", 1)], {1: 300, 2: 412}, (2,), "more citizens served"),
        # everything equal: shared
        ([score("1", 0), score("2", 0), score("3", 1)], {1: 5, 2: 5}, (1, 2), "shared"),
    ],
)
def test_the_red_flag_tie_rule(scores, served, windows, how):
    flag = sc.red_flag(scores, served)
    assert flag is not None and flag.windows == windows and how in flag.rule


def test_the_tie_breakers_are_the_halls():
    tied = [score("1", 2), score("2", 1, points=-2)]
    assert sc.red_flag(tied, {1: 10, 2: 1}, tie=("served",)).windows == (1,)
    assert sc.red_flag(tied, {}, tie=()).windows == (1, 2)


@pytest.mark.parametrize(("late", "drafted"), [(3, False), (4, True)])  # "月累计超过3次": more than 3
def test_personal_warning_after_more_than_three(late, drafted):
    scoring = make_config().scoring
    lines = [line(2 + i, "late" if i % 2 else "early_leave", "1001", 1) for i in range(late)]
    drafts = sc.draft_warnings(sc.priced(lines, scoring), scoring, {"1001": 1})
    assert [w.basis for w in drafts] == (["late_early:1001:2026-11"] if drafted else [])
    if drafted:
        assert len(drafts[0].facts) == late and drafts[0].window == 1


def test_other_grounds_are_drafted_from_their_facts():
    scoring = make_config().scoring
    lines = [
        line(3, "absent_from_post", "1002", 2, what="上午脱岗 30分钟"),
        line(4, "verified_complaint", "1003", 3, source="complaint", ref="TS-7", ground="rude"),
        line(5, "overdue_case", "1003", 3, source="case", ref="20261105-0003", ground="deadline_missed"),
        line(6, "late", "1001", 1),
    ]
    drafts = sc.draft_warnings(lines, scoring, {})
    assert [(w.ground, w.staff) for w in drafts] == [
        ("left_post", "1002"),
        ("rude", "1003"),
        ("deadline_missed", "1003"),
    ]


@pytest.mark.parametrize(("warned", "collective"), [(2, 0), (3, 1), (5, 1), (6, 2)])  # "3次以上(含3次)"
def test_collective_warning_at_three_or_more(warned, collective):
    scoring = make_config().scoring
    confirmed = [("1001" if i % 2 else "1101", 1, d(1 + i)) for i in range(warned)]
    confirmed.append(("1002", 2, d(3)))
    drafts = sc.collective_drafts(confirmed, scoring, 2026)
    assert len(drafts) == collective
    assert all(w.window == 1 and w.kind == "collective" for w in drafts)


def test_the_year_average_sum_and_deduct():
    base = make_config().scoring
    months = [100, 90, 80]
    assert sc.year_score("1001", months, [], base).total == 90.0
    lines = [line(3, "late", "1001")]
    assert sc.year_score("1001", months, lines, base).award
    low = sc.year_score("1001", [84, 85], lines, base)
    assert low.total == 84.5 and not low.award
    barred = sc.year_score("1001", months, [line(9, "higher_criticism", "1001")], base)
    assert not barred.award and "上级通报批评" in barred.reasons[0]
    warned = sc.year_score("1001", months, lines, base, warnings=1)
    assert not warned.award
    total = sc.year_score("1001", months, lines, replace(base, year="sum"))
    assert total.total == 270


# ---- awards -----------------------------------------------------------------------------------------------


def cand(key, score, days=62, peer=None, leaders=None, dq=(), **marks):
    m = dict(marks)
    if peer is not None:
        m["peer"] = peer
    if leaders is not None:
        m["leaders"] = leaders
    return sc.Candidate("staff", key, key, score, days, m, tuple(dq))


@pytest.mark.parametrize(("days", "eligible"), [(59, False), (60, True), (61, True)])
def test_eligibility_is_sixty_days_on_duty(days, eligible):
    scheme = AwardScheme(shortlist_staff=0, select_staff=1)
    placed = sc.select([cand("1001", 99, days, 90, 90)], scheme, "staff")
    assert placed[0].eligible is eligible
    if not eligible:
        assert "不足60天" in placed[0].why_not


def test_the_80_10_10_selection_with_a_disqualification():
    scheme = AwardScheme(shortlist_staff=4, select_staff=2)
    candidates = [
        cand("A", 99.7, peer=60, leaders=60, dq=["2026-11-12 被投诉查实"]),  # best score, but a founded complaint
        cand("B", 99.0, peer=70, leaders=70),  # 0.8×99 + 7 + 7 = 93.2
        cand("C", 98.0, peer=95, leaders=95),  # 0.8×98 + 9.5 + 9.5 = 97.4
        cand("D", 97.0, peer=90, leaders=80),  # 77.6 + 9 + 8 = 94.6
        cand("E", 96.0, peer=100, leaders=100),  # 76.8 + 20 = 96.8
        cand("F", 95.0, peer=100, leaders=100),  # not shortlisted (5th by score once A is out)
        cand("G", 100.0, days=40),  # not eligible: 40 days
    ]
    placed = sc.select(candidates, scheme, "staff")
    by = {p.candidate.key: p for p in placed}
    assert by["A"].eligible is False and "被投诉查实" in by["A"].why_not
    assert by["G"].eligible is False
    assert [p.candidate.key for p in placed if p.shortlisted] == ["C", "E", "D", "B"]
    assert [(p.candidate.key, p.final) for p in placed if p.shortlisted] == [
        ("C", 97.4),
        ("E", 96.8),
        ("D", 94.6),
        ("B", 93.2),
    ]
    assert [p.candidate.key for p in placed if p.selected] == ["C", "E"]
    assert not by["F"].shortlisted and "未进入候选" in by["F"].why_not


def test_a_missing_mark_holds_the_selection():
    scheme = AwardScheme(shortlist_staff=2, select_staff=1)
    placed = sc.select([cand("A", 99, peer=80), cand("B", 98, peer=90, leaders=90)], scheme, "staff")
    assert placed[0].final is None and placed[0].missing == ("leaders",)
    assert not any(p.selected for p in placed)


def test_disqualifications_come_from_the_schemes_kinds():
    scheme = AwardScheme()
    lines = [
        line(3, "late", "1001", 1),
        line(4, "verified_complaint", "1002", 2, source="complaint"),
        line(5, "overdue_case", "", 3, source="case", what="20261105-0003"),
    ]
    dq = sc.disqualifications(lines, scheme)
    assert set(dq) == {"staff:1002", "window:2", "window:3"}


AE = (Grade("A", share=20), Grade("B", share=60), Grade("C", min_score=70), Grade("D", min_score=60), Grade("E"))


@pytest.mark.parametrize(
    ("finals", "expected"),
    [
        # 10 people: at most 2 A, at most 6 A+B
        (
            [95, 94, 93, 90, 88, 86, 85, 72, 65, 50],
            "A A B B B B C C D E",
        ),
        # a tie at the A cap goes down together (3 at 95 > 2 A places)
        ([95, 95, 95, 90, 88, 86, 85, 72, 65, 50], "B B B B B B C C D E"),
        # 4 people: 20 % of 4 is 0.8 → no A at all; A+B ≤ 2
        ([99, 98, 97, 96], "B B C C"),
    ],
)
def test_grades_a_to_e_within_their_quota(finals, expected):
    keys = [f"s{i}" for i in range(len(finals))]
    got = sc.grade(list(zip(keys, [float(x) for x in finals], strict=True)), AE)
    assert " ".join(got[k] for k in keys) == expected
    shares = [got[k] for k in keys]
    assert shares.count("A") <= len(keys) * 0.2 and shares.count("A") + shares.count("B") <= len(keys) * 0.6


def test_the_month_closes_after_its_review_window():
    assert sc.may_close(NOV, dt.date(2026, 12, 3), 3) == (False, dt.date(2026, 12, 4))
    assert sc.may_close(NOV, dt.date(2026, 12, 4), 3)[0]
    assert sc.month_bounds("2026-12") == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert sc.quarter_months("2026-Q4") == ["2026-10", "2026-11", "2026-12"]
    assert sc.quarter_of(dt.date(2026, 8, 31)) == "2026-Q3"


# ---- the other hall's scheme, from its hall file alone --------------------------------------------------------

OTHER_HALL = {
    # 江口镇: the year-end score loses 5 per late arrival, early departure or absence from post, 50 per day absent
    "scoring": {
        "start": 100,
        "year": "deduct",
        "award_threshold": 60,
        "deductions": {"late": 5, "early_leave": 5, "absent_from_post": 5, "half_day_absence": 25},
    },
    # 温州: appraisal by peers 40 %, the head 40 %, the people served 20 %; grades A–E, A ≤ 20 %, A+B ≤ 60 %
    "awards": {
        "min_days_on_duty": 0,
        "shortlist_staff": 0,
        "select_staff": 0,
        "shortlist_windows": 0,
        "select_windows": 0,
        "weights": {"peer": 40, "head": 40, "ratings": 20},
        "grades": [
            {"grade": "A", "share": 20},
            {"grade": "B", "share": 60},
            {"grade": "C", "min_score": 70},
            {"grade": "D", "min_score": 60},
            {"grade": "E"},
        ],
    },
}


def test_the_other_halls_scheme_is_configuration_only():
    config = make_config(**OTHER_HALL)
    lines = [line(3, "late", "1001"), line(4, "early_leave", "1001"), line(5, "absent_from_post", "1001")]
    lines += [
        line(6, "half_day_absence", "1001", what="上午旷工"),
        line(6, "half_day_absence", "1001", what="下午旷工"),
    ]
    year = sc.year_score("1001", [], lines, config.scoring)
    assert year.total == 100 - 5 - 5 - 5 - 50 == 35 and not year.award
    people = [
        sc.Candidate("staff", f"s{i}", f"s{i}", 0.0, 0, {"peer": p, "head": h, "ratings": r})
        for i, (p, h, r) in enumerate([(95, 95, 99), (90, 92, 98), (85, 80, 97), (80, 78, 90), (70, 60, 80)])
    ]
    placed = sc.select(people, config.awards, "staff")
    assert [(p.candidate.key, p.final, p.grade) for p in placed] == [
        ("s0", 95.8, "A"),  # 0.4×95 + 0.4×95 + 0.2×99
        ("s1", 92.4, "B"),
        ("s2", 85.4, "B"),
        ("s3", 81.2, "C"),
        ("s4", 68.0, "D"),
    ]
    assert not any(p.selected for p in placed)
