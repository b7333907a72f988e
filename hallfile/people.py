"""The hall file's people tables (issue 14): [attendance] (考勤, leave and its approval chain, meetings) and
[awards] (the periodic selection: 优质服务窗口 / 优秀服务标兵, or graded appraisal A–E); the extra keys of
[scoring] are in hallfile/hall.py's ScoringTable. Defaults are core.config's."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, PlainValidator, model_validator

from core.attendance import STEP_NAMES
from core.config import AttendanceRules, AwardScheme, Grade, LeaveType
from core.scoring import COMPONENTS, KINDS
from hallfile.fields import Code, Count, PositiveInt, Table, Text
from hallfile.problems import invalid


def known_kinds(points: dict[str, int]) -> dict[str, int]:
    """Deductions and additions name kinds of core.scoring.KINDS."""
    unknown = [key for key in points if key not in KINDS]
    if unknown:
        names = ", ".join(unknown)
        raise invalid(f"未知的扣分项 {names}", f"unknown deduction {names} (known: {', '.join(KINDS)})")
    return points


def _steps(steps: list[str]) -> list[str]:
    unknown = [s for s in steps if s not in STEP_NAMES]
    if unknown:
        raise invalid(
            f"未知的审批环节 {', '.join(unknown)}",
            f"unknown approval step {', '.join(unknown)} (known: {', '.join(STEP_NAMES)})",
        )
    return steps


def _kind_or_empty(kind: str) -> str:
    if kind and kind not in KINDS:
        raise invalid(f"未知的计分项 {kind!r}", f"unknown kind {kind!r}")
    return kind


def _weights(weights: dict[str, int]) -> dict[str, int]:
    unknown = [k for k in weights if k not in COMPONENTS]
    if unknown:
        raise invalid(
            f"未知的评分组成 {', '.join(unknown)}",
            f"unknown component {', '.join(unknown)} (known: {', '.join(COMPONENTS)})",
        )
    if weights and sum(weights.values()) != 100:
        raise invalid(f"权重之和应为 100，实际为 {sum(weights.values())}", "the weights must add up to 100")
    return weights


def _tie(value: Any) -> tuple[str, ...]:
    if isinstance(value, list) and all(v in ("lines", "served") for v in value):
        return tuple(value)
    raise invalid('应为 "lines"、"served" 的列表', 'must be a list of "lines" and "served"')


class LeaveTypeRow(Table):
    code: Text
    name: Text
    name_en: str = ""
    on_duty: bool = False


class AttendanceTable(Table):
    """考勤: see core/attendance.py."""

    grace_minutes: Count = 0
    arrive_early_minutes: Count = 0
    early_grace_minutes: Count = 0
    post_gap_minutes: Count = 10
    late_absence_after_minutes: Count = 0
    also: list[Code] = []
    leave_chain: Annotated[list[str], AfterValidator(_steps)] = list(AttendanceRules.leave_chain)
    short_leave_chain: Annotated[list[str], AfterValidator(_steps)] = list(AttendanceRules.short_leave_chain)
    written_from_sessions: Count = 1
    stand_in_days: Count = 1
    leave_types: list[LeaveTypeRow] = []  # empty: core.config.DEFAULT_LEAVE_TYPES
    meeting_absence: Annotated[str, AfterValidator(_kind_or_empty)] = "half_day_absence"

    def to_config(self) -> AttendanceRules:
        types = tuple(LeaveType(t.code, t.name, t.name_en, t.on_duty) for t in self.leave_types)
        return AttendanceRules(
            grace_minutes=self.grace_minutes,
            arrive_early_minutes=self.arrive_early_minutes,
            early_grace_minutes=self.early_grace_minutes,
            post_gap_minutes=self.post_gap_minutes,
            late_absence_after_minutes=self.late_absence_after_minutes,
            also=tuple(self.also),
            leave_chain=tuple(self.leave_chain),
            short_leave_chain=tuple(self.short_leave_chain),
            written_from_sessions=self.written_from_sessions,
            stand_in_days=self.stand_in_days,
            leave_types=types or AttendanceRules.leave_types,
            meeting_absence=self.meeting_absence,
        )


class GradeRow(Table):
    grade: Text
    share: Count | None = None  # % cap on this grade or better
    min_score: Count | None = None


class AwardsTable(Table):
    """The periodic selection: see core/scoring.py (awards)."""

    window_title: Text = AwardScheme.window_title
    staff_title: Text = AwardScheme.staff_title
    min_days_on_duty: Count = AwardScheme.min_days_on_duty
    shortlist_windows: Count = AwardScheme.shortlist_windows
    shortlist_staff: Count = AwardScheme.shortlist_staff
    select_windows: Count = AwardScheme.select_windows
    select_staff: Count = AwardScheme.select_staff
    weights: Annotated[dict[str, Count], AfterValidator(_weights)] = Field(
        default_factory=lambda: {"score": 80, "peer": 10, "leaders": 10}
    )
    disqualify: list[Annotated[str, AfterValidator(_kind_or_empty)]] = list(AwardScheme.disqualify)
    grades: list[GradeRow] = []
    honour_roll: list[Annotated[str, PlainValidator(lambda v: _roll(v))]] = list(AwardScheme.honour_roll)
    honour_roll_display: Annotated[str, PlainValidator(lambda v: _roll_display(v))] = AwardScheme.honour_roll_display
    honour_roll_every_s: PositiveInt = AwardScheme.honour_roll_every_s
    honour_roll_show_s: PositiveInt = AwardScheme.honour_roll_show_s
    honour_roll_refresh_s: PositiveInt = AwardScheme.honour_roll_refresh_s

    @model_validator(mode="after")
    def _shown_less_than_the_cycle(self) -> AwardsTable:
        if self.honour_roll_display == "rotate" and self.honour_roll_show_s >= self.honour_roll_every_s:
            raise invalid(
                "honour_roll_show_s 应小于 honour_roll_every_s（否则叫号画面不再出现）",
                "honour_roll_show_s must be less than honour_roll_every_s (else the calls never come back)",
            )
        return self

    def to_config(self) -> AwardScheme:
        return AwardScheme(
            window_title=self.window_title,
            staff_title=self.staff_title,
            min_days_on_duty=self.min_days_on_duty,
            shortlist_windows=self.shortlist_windows,
            shortlist_staff=self.shortlist_staff,
            select_windows=self.select_windows,
            select_staff=self.select_staff,
            weights=dict(self.weights),
            disqualify=tuple(self.disqualify),
            grades=tuple(Grade(g.grade, g.share, g.min_score) for g in self.grades),
            honour_roll=tuple(self.honour_roll),
            honour_roll_display=self.honour_roll_display,
            honour_roll_every_s=self.honour_roll_every_s,
            honour_roll_show_s=self.honour_roll_show_s,
            honour_roll_refresh_s=self.honour_roll_refresh_s,
        )


def _roll(value: Any) -> str:
    if value in ("windows", "staff", "red_flag"):
        return str(value)
    raise invalid('应为 "windows"、"staff" 或 "red_flag"', 'must be "windows", "staff" or "red_flag"')


def _roll_display(value: Any) -> str:
    if value in ("rotate", "panel", "off"):
        return str(value)
    raise invalid('应为 "rotate"（轮播）、"panel"（侧栏）或 "off"', 'must be "rotate", "panel" or "off"')


YEAR_MODES = ("average", "sum", "deduct")
TieList = Annotated[tuple[str, ...], PlainValidator(_tie)]
