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
}


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


@dataclass(frozen=True)
class Ratings:
    timeout_s: int
    bad_reasons: tuple[str, ...]
    verify_workdays: int
    rectify_workdays: int
    bad_reasons_en: tuple[str, ...] = ()  # the same reasons in English, in the same order ("": show the Chinese)


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
