"""A hall's configuration as frozen dataclasses, and the defaults of its announcements.

Every rule a hall may set differently (hours, deadlines, templates, weights, holidays) lives here; nothing
in the rest of the code hard-codes it. Reading and checking the hall's TOML file is the edge's job
(``hallfile.load_hall``); this module reads no file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

ROLES = ("clerk", "manager", "admin", "director", "supervisor")  # a window head is a clerk named in Window.head
SIGN_PROTOCOLS = ("bx", "text")
PRIORITY_POLICIES = ("strict", "interleave")

# Announcements: templates may use {number} (the ticket) and {window}.
TEMPLATE_FIELDS = ("number", "window")
DEFAULT_VOICE = {
    "zh": "请{number}号到{window}号窗口办理",
    "en": "Number {number}, please go to window {window}",
}
DEFAULT_LED_CALLED = "请{number}号"
DEFAULT_LED_PAUSED = "暂停服务"
DEFAULT_LED_IDLE = "{window}号窗口"
DEFAULT_LED_RED_FLAG = "流动红旗 {window}号窗口"  # the idle text of the window holding the red flag ("": as any)
DEFAULT_CHIME = "assets/sounds/chime.wav"

# Monthly scoring: points deducted per kind of event (the kinds a hall may weigh).
DEFAULT_DEDUCTIONS = {
    "late": 1,
    "early_leave": 2,
    "half_day_absence": 5,
    "forbidden_behaviour": 2,
    "duty_lapse": 5,
    "verified_complaint": 10,
    "internal_criticism": 20,
    "higher_criticism": 50,
    "absent_from_post": 2,  # 脱岗 (people, issue 14): a gap in a session with nobody at the window
}
# Additions a hall may allow (commendations), and the kinds a hall may record without points (they disqualify
# from awards or count as facts): see core/scoring.py KINDS.
DEFAULT_ADDITIONS = {"commendation": 2}


@dataclass(frozen=True)
class Session:
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Material:
    name: str
    copies: str = ""
    note: str = ""
    name_en: str = ""  # English, optional: where empty, screens show the Chinese
    copies_en: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class SampleFile:
    """A sample form (填写样表) uploaded in the console: a PDF or an image, stored by its content (core/samples.py).

    ``file`` is "<sha256>.pdf" / ".png" / ".jpg"; the kiosk shows its pages as images (GET /api/v1/samples/…)."""

    name: str
    file: str
    name_en: str = ""  # English, optional: where empty, screens show the Chinese


@dataclass(frozen=True)
class Item:
    """A matter (事项) with its complete guide (办事指南)."""

    code: str
    service: str
    name: str
    name_en: str
    department: str
    case_type: str
    time_limit_days: int
    legal_limit_days: int | None
    fees: str
    legal_basis: str
    conditions: str
    procedure: tuple[str, ...]
    materials: tuple[Material, ...]
    sample_forms: tuple[str, ...]
    consult_phone: str
    supervise_phone: str
    # English of the guide, optional: where a field is empty (or a list is shorter), screens show the Chinese
    fees_en: str = ""
    legal_basis_en: str = ""
    conditions_en: str = ""
    procedure_en: tuple[str, ...] = ()
    sample_forms_en: tuple[str, ...] = ()
    # oversight (issue 13): the limit comes from a [deadlines] rule instead of time_limit_days (core.oversight):
    # "leader_approval" (需请示领导), "study" (需研究), "site_check" (实地核实); "" = time_limit_days
    limit_rule: str = ""
    sample_files: tuple[SampleFile, ...] = ()  # sample forms as files the kiosk shows (issue 11)


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    name_en: str
    prefix: str
    description: str = ""


@dataclass(frozen=True)
class SignConfig:
    port: str
    protocol: str = "bx"
    address: int = 1
    baudrate: int = 57600
    width: int | None = None  # pixels of a BX sign; None: the display's default (64 × 16)
    height: int | None = None


@dataclass(frozen=True)
class Window:
    number: int
    name: str
    department: str
    levels: tuple[tuple[str, ...], ...]  # services by priority level; equal level = oldest first
    staff_a: str
    staff_b: str
    sign: SignConfig | None = None
    head: str = ""  # the window head (窗口负责人): a staff code, who sees this window in the console
    services: tuple[str, ...] = field(init=False)  # every service, in priority order

    def __post_init__(self) -> None:
        object.__setattr__(self, "services", tuple(code for level in self.levels for code in level))


@dataclass(frozen=True)
class Staff:
    code: str
    name: str
    role: str
    pin: str
    title: str = ""
    photo: str = ""


@dataclass(frozen=True)
class Announce:
    voice: dict[str, str]  # language → template with {number} and {window}
    languages: tuple[str, ...]
    repeat: int
    chime: str
    led_called: str
    led_paused: str
    led_idle: str
    led_red_flag: str = DEFAULT_LED_RED_FLAG


@dataclass(frozen=True)
class Ratings:
    timeout_s: int
    bad_reasons: tuple[str, ...]
    verify_workdays: int
    rectify_workdays: int
    bad_reasons_en: tuple[str, ...] = ()  # the same reasons in English, in the same order ("": show the Chinese)


DEFAULT_COMPLAINT_GROUNDS = (
    "首问责任人未履行职责",
    "拒绝受理符合条件的申请",
    "服务态度差",
    "违规收费",
    "超过承诺时限未办结",
    "找不到经办人员",
    "其他",
)


@dataclass(frozen=True)
class Feedback:
    """好差评 figures, rectification follow-up, complaints (投诉受理), surveys and visits: the hall's choices
    (core/feedback.py applies them; verify/rectify days are in Ratings, complaint_workdays in Deadlines)."""

    satisfied_levels: tuple[int, ...] = (5, 4, 3)  # what counts as satisfied (满意度): 非常满意 + 满意 + 基本满意
    flag_below: float = 0.95  # a window or clerk under this satisfaction (or last) two months running is flagged
    flag_min_rated: int = 10  # fewer ratings in a month: not ranked that month
    follow_up_target: float = 1.0  # 回访率 of reachable bad ratings
    follow_up_workdays: int = 5  # after the outcome (or the rectification), the citizen is called back within
    complaint_simple_workdays: int = 1  # simple complaints: answered the same or the next working day
    complaint_grounds: tuple[str, ...] = DEFAULT_COMPLAINT_GROUNDS
    efficiency_office: str = "县机关效能建设办公室"  # where an overdue complaint may be taken (escalation route)
    efficiency_office_phone: str = ""
    higher_authority: str = "县纪委监委派驻纪检监察组"  # complaints naming the director or the hall's leadership
    higher_authority_phone: str = ""
    leadership_roles: tuple[str, ...] = ("director", "manager")
    visits_per_month: int = 4  # 回访: the hall's monthly follow-up visits
    region_code: str = ""  # 行政区划代码 in the export
    org_code: str = ""  # the hall's 统一社会信用代码 / organisation code in the export


@dataclass(frozen=True)
class Deadlines:
    default_workdays: int
    leader_approval_days: int
    study_days: int
    site_check_workdays: int
    returned_decision_workdays: int
    complaint_workdays: int
    incomplete_notice_days: int


@dataclass(frozen=True)
class CalendarConfig:
    use_official: bool
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    weekend: tuple[int, ...]  # ISO weekdays, 6 = Saturday


@dataclass(frozen=True)
class Scoring:
    start: int
    deductions: dict[str, int]
    red_flag: bool
    award_threshold: int
    late_warning_after: int
    window_warning_after: int
    # people (issue 14): see core/scoring.py
    additions: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_ADDITIONS))
    year: str = (
        "average"  # the year's score: "average" of the months, their "sum", or "deduct" (start − the year's lines)
    )
    review_days: int = 3  # days after a month ends for objections before it may be closed
    red_flag_tie: tuple[str, ...] = ("lines", "served")  # tie-breakers, in order; still tied: the flag is shared
    floor: int = 0  # a score never goes below this
    warning_bars_award: bool = True  # a confirmed efficiency warning in the year: no annual award


@dataclass(frozen=True)
class LeaveType:
    code: str
    name: str
    name_en: str = ""
    on_duty: bool = False  # counts as a day on duty (公出: out on the hall's business)


DEFAULT_LEAVE_TYPES = (
    LeaveType("personal", "事假", "Personal leave"),
    LeaveType("sick", "病假", "Sick leave"),
    LeaveType("annual", "年休假", "Annual leave"),
    LeaveType("business", "公出", "Out on business", on_duty=True),
    LeaveType("other", "其他", "Other"),
)


@dataclass(frozen=True)
class AttendanceRules:
    """考勤 (people, issue 14): see core/attendance.py for what each number does."""

    grace_minutes: int = 0
    arrive_early_minutes: int = 0
    early_grace_minutes: int = 0
    post_gap_minutes: int = 10
    late_absence_after_minutes: int = 0
    also: tuple[str, ...] = ()  # staff without a window expected every working day
    leave_chain: tuple[str, ...] = ("window_head", "line_leader", "centre")  # half a day or more
    short_leave_chain: tuple[str, ...] = ("window_head",)  # arriving late, leaving early, going out
    written_from_sessions: int = 1  # whole sessions from which leave must be written (1 = half a day)
    stand_in_days: int = 1  # an A post away this many working days or more needs a stand-in named
    leave_types: tuple[LeaveType, ...] = DEFAULT_LEAVE_TYPES
    meeting_absence: str = "half_day_absence"  # the scoring kind a missed meeting counts as ("" : none)


@dataclass(frozen=True)
class Grade:
    grade: str
    share: int | None = None  # at most this % of those graded get this grade or a better one
    min_score: float | None = None  # and at least this final score


@dataclass(frozen=True)
class AwardScheme:
    """A periodic selection (the seeds: quarterly 优质服务窗口 / 优秀服务标兵). See core/scoring.py."""

    window_title: str = "优质服务窗口"
    staff_title: str = "优秀服务标兵"
    min_days_on_duty: int = 60
    shortlist_windows: int = 8  # 0: everyone eligible
    shortlist_staff: int = 13
    select_windows: int = 5  # 0: no selection (grades only)
    select_staff: int = 10
    weights: dict[str, int] = field(default_factory=lambda: {"score": 80, "peer": 10, "leaders": 10})
    disqualify: tuple[str, ...] = (
        "verified_complaint",
        "overdue_case",
        "internal_criticism",
        "higher_criticism",
        "corruption",
        "serious_incident",
        "media_exposure",
        "rule_breach",
    )
    grades: tuple[Grade, ...] = ()  # empty: select the top N; else grade everyone eligible (A–E)
    honour_roll: tuple[str, ...] = ("windows", "staff", "red_flag")  # what the hall display's 光荣榜 shows
    # How the hall display shows it: "rotate" (in place of the calls every `honour_roll_every_s` seconds, for
    # `honour_roll_show_s`; a call brings the calls back at once), "panel" (always, a band under the calls showing a
    # section at a time) or "off".
    honour_roll_display: str = "rotate"
    honour_roll_every_s: int = 180
    honour_roll_show_s: int = 20
    honour_roll_refresh_s: int = 600  # the display reads the roll again this often (and when the day rolls)


@dataclass(frozen=True)
class Oversight:
    """限时办结 and 督查 (issue 13; core/oversight.py, core/inspections.py): due-soon warnings, extensions,
    patrols and the duty-window rota."""

    patrols_per_day: int = 2  # the hall head's patrols each working day (工作督查制度: 每天不少于2次)
    spot_checks_per_week: int = 1  # the deputy's spot checks (分管领导每周不定期抽查)
    checklist: tuple[str, ...] = ("在岗在位", "着装仪表", "服务态度", "桌面整洁", "环境卫生", "禁止行为")
    checklist_en: tuple[str, ...] = ("Presence", "Dress", "Conduct", "Desk", "Hygiene", "Forbidden behaviour")
    due_soon_workdays: int = 3  # open cases due within this many working days are "due soon"
    extension_approvers: tuple[str, ...] = ("director",)  # roles or staff codes who may approve an extension
    rectify_workdays: int = 5  # the default deadline of a finding's rectification (working days)
    duty_windows: tuple[int, ...] = ()  # the duty rota's windows, in turn (empty: every window)


@dataclass(frozen=True)
class Security:
    token_ttl_s: int
    pin_attempts: int
    lockout_s: int


@dataclass(frozen=True)
class Devices:
    """Kiosks, pads, displays and callers are paired with the server before they may act (issue tickets, rate)."""

    pairing_required: bool = True
    trust_loopback: bool = False  # apps on the server's own machine act as paired (the demo hall)
    code_minutes: int = 30  # how long a pairing code stays valid
    public_stream_share: float = 0.5  # of the event-stream slots, the most that streams without a credential hold
    public_streams_per_address: int = 4  # event streams one address may hold without a credential


@dataclass(frozen=True)
class Reports:
    """Reports and the staffing simulation (issue 15): the hall's service level (called within N minutes)."""

    service_level_minutes: int = 15


@dataclass(frozen=True)
class HallConfig:
    name: str
    name_en: str
    timezone: str
    number_width: int
    notice: str
    consult_phone: str
    supervise_phone: str
    sessions: tuple[Session, ...]
    enforce_hours: bool
    early_minutes: int
    priority_policy: str
    priority_interleave: int
    estimate_default_s: int
    estimate_sample: int
    kiosk_idle_s: int
    green_channel: tuple[str, ...]  # who may take a priority ticket (local rule), zh
    green_channel_en: tuple[str, ...]
    booking_max_workdays: int
    booking_same_day: bool
    services: tuple[Service, ...]
    items: tuple[Item, ...]
    windows: tuple[Window, ...]
    staff: tuple[Staff, ...]
    announce: Announce
    ratings: Ratings
    deadlines: Deadlines
    calendar: CalendarConfig
    scoring: Scoring
    security: Security
    source: str = ""
    missed_after: int = 0  # a reinstated missed number goes back after this many waiting (0: at the head)
    missed_times: int = 1  # how often one ticket may be reinstated
    devices: Devices = Devices()
    feedback: Feedback = Feedback()
    oversight: Oversight = Oversight()
    attendance: AttendanceRules = AttendanceRules()  # people (issue 14)
    awards: AwardScheme = AwardScheme()  # people (issue 14)
    reports: Reports = Reports()  # reports and staffing (issue 15)
    _index: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index["service"] = {s.code: s for s in self.services}
        self._index["item"] = {i.code: i for i in self.items}
        self._index["window"] = {w.number: w for w in self.windows}
        self._index["staff"] = {s.code: s for s in self.staff}
        self._index["serving"] = {s.code: [w for w in self.windows if s.code in w.services] for s in self.services}

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def service(self, code: str) -> Service | None:
        return self._index["service"].get(code)

    def item(self, code: str) -> Item | None:
        return self._index["item"].get(code)

    def window(self, number: int) -> Window | None:
        return self._index["window"].get(number)

    def staff_member(self, code: str) -> Staff | None:
        return self._index["staff"].get(code)

    def headed_by(self, staff: str) -> list[Window]:
        """The windows whose head (窗口负责人) this staff member is."""
        return [w for w in self.windows if staff and w.head == staff]

    def items_of(self, service: str) -> list[Item]:
        return [i for i in self.items if i.service == service]

    def windows_serving(self, service: str) -> list[Window]:
        return self._index["serving"].get(service, [])

    def is_open_at(self, local: dt.datetime, early_minutes: int = 0) -> bool:
        """Within an opening session; the duty window may open `early_minutes` before it."""
        minute = local.hour * 60 + local.minute
        return any(
            s.start.hour * 60 + s.start.minute - early_minutes <= minute < s.end.hour * 60 + s.end.minute
            for s in self.sessions
        )
