"""The hall's TOML file (see assets/demo-hall.toml) as pydantic models, and ``load_hall`` into core's dataclasses.

Two kinds of check, reported together:

- each table's keys and types, and rules within one table: pydantic (the models below);
- rules across tables (a window's services and staff, an item's service, codes that must be unique): read
  from the raw file first (``Survey``), so they are reported even when other parts of the file are wrong.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from core.cases import CASE_TYPES
from core.config import (
    DEFAULT_ADDITIONS,
    DEFAULT_CHIME,
    DEFAULT_DEDUCTIONS,
    DEFAULT_LED_CALLED,
    DEFAULT_LED_IDLE,
    DEFAULT_LED_PAUSED,
    DEFAULT_LED_RED_FLAG,
    DEFAULT_VOICE,
    PRIORITY_POLICIES,
    ROLES,
    Announce,
    CalendarConfig,
    Deadlines,
    Devices,
    Feedback,
    HallConfig,
    Item,
    Material,
    Oversight,
    Ratings,
    Reports,
    SampleFile,
    Scoring,
    Security,
    Service,
    Session,
    Staff,
    Window,
)
from core.oversight import ITEM_LIMIT_RULES
from core.samples import split_file
from hallfile.fields import (
    Code,
    Count,
    Date,
    PositiveInt,
    Table,
    Text,
    Time,
    at_least_one,
    not_blank,
    one_of,
    template,
)
from hallfile.people import YEAR_MODES, AttendanceTable, AwardsTable, TieList, known_kinds
from hallfile.problems import ConfigError, invalid, problem, problems_of, read_toml
from hallfile.signs import SignTable

DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_BAD_REASONS = ("等候时间过长", "服务态度不好", "办事效率低", "未一次性告知", "材料要求不合理", "其他")
DEFAULT_BAD_REASONS_EN = (
    "Waited too long",
    "Unfriendly service",
    "Slow service",
    "Not told everything at once",
    "Unreasonable demands for papers",
    "Other",
)
DEFAULT_GREEN_CHANNEL = ("老年人", "残疾人", "孕妇")
DEFAULT_GREEN_CHANNEL_EN = ("elderly", "disabled", "pregnant")


# ---- across tables: read from the raw file ---------------------------------------------------------


@dataclass(frozen=True)
class Survey:
    """The codes other tables may refer to, and the codes given twice. Validation context of ``HallFile``.

    ``None``: that table is not a list at all (said once, by pydantic; references to it are not checked).
    """

    services: frozenset[str] | None
    staff: frozenset[str] | None
    problems: tuple[str, ...]

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Survey:
        def column(section: str, key: str, keep: Callable[[Any], Any]) -> list[Any]:
            rows = data.get(section)
            values = [keep(row.get(key)) for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []
            return [v for v in values if v is not None]

        services = column("services", "code", _text_or_none)
        staff = column("staff", "code", _code_or_none)
        unique = [
            ("services", services, "服务代码", "service code"),
            ("services", column("services", "prefix", _text_or_none), "号码前缀", "ticket prefix"),
            ("items", column("items", "code", _text_or_none), "事项代码", "item code"),
            ("staff", staff, "工号", "staff code"),
            ("windows", column("windows", "number", _int_or_none), "窗口号", "window number"),
        ]
        problems = [
            problem(section, f"{zh} {value!r} 重复", f"duplicate {en} {value!r}")
            for section, values, zh, en in unique
            for value, times in Counter(values).items()
            if times > 1
        ]
        return cls(
            services=frozenset(services) if isinstance(data.get("services"), list) else None,
            staff=frozenset(staff) if isinstance(data.get("staff", []), list) else None,  # no [[staff]]: none known
            problems=tuple(problems),
        )


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _code_or_none(value: Any) -> str | None:
    return str(value) if isinstance(value, str) or _int_or_none(value) is not None else None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _codes(info: ValidationInfo, table: str) -> frozenset[str] | None:
    """The codes of ``table`` for reference checks; None: do not check (no survey, or the table is unusable)."""
    survey = info.context
    return getattr(survey, table) if isinstance(survey, Survey) else None


def _defined_service(code: str, info: ValidationInfo) -> str:
    services = _codes(info, "services")
    if services is not None and code not in services:
        raise invalid(f"服务 {code!r} 未定义", f"service {code!r} is not defined in [[services]]")
    return code


def _known_staff(code: str, info: ValidationInfo) -> str:
    staff = _codes(info, "staff")
    if code and staff is not None and code not in staff:
        raise invalid(f"工号 {code!r} 不在 [[staff]] 中", f"staff {code!r} is not in [[staff]]")
    return code


def _window_services(levels: list[tuple[str, ...]], info: ValidationInfo) -> list[tuple[str, ...]]:
    if not levels:
        raise invalid("窗口至少办理一个服务", "a window must serve at least one service")
    services = _codes(info, "services")
    unknown = [code for level in levels for code in level if services is not None and code not in services]
    if unknown:
        names = ", ".join(repr(code) for code in unknown)
        raise invalid(f"服务 {names} 未定义", f"service {names} is not defined in [[services]]")
    return levels


# ---- within one table: field types and rules -----------------------------------------------------------


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise invalid(f"未知时区 {name!r}", f"unknown time zone {name!r}") from None
    return name


def _prefix(prefix: str) -> str:
    if not re.fullmatch(r"[A-Z]{1,2}", prefix):
        raise invalid(
            f"号码前缀应为 1–2 个大写字母，实际为 {prefix!r}",
            f"ticket prefix must be 1–2 capital letters, got {prefix!r}",
        )
    return prefix


def _pin(pin: str) -> str:
    if pin and not re.fullmatch(r"\d{4,8}", pin):  # none: a person the hall's database knows (an exported file)
        raise invalid("PIN 应为 4–8 位数字", "PIN must be 4–8 digits")
    return pin


def _level(value: Any) -> tuple[str, ...]:
    codes = [value] if isinstance(value, str) else value
    if isinstance(codes, list) and codes and all(isinstance(code, str) for code in codes):
        return tuple(codes)
    raise invalid("应为服务代码或同级服务代码列表", "must be a service code or a list of equal-priority codes")


def _material(value: Any) -> Any:
    if isinstance(value, str):
        return {"name": value}
    if isinstance(value, dict):
        return value
    raise invalid('材料应为文字或 {name = "…"}', 'a material must be text or {name = "…"}')


def _repeat(times: int) -> int:
    if not 1 <= times <= 5:
        raise invalid("播报次数应在 1–5 之间", "repeat must be 1–5")
    return times


def _weekend(value: Any) -> tuple[int, ...]:
    if isinstance(value, list) and all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in value):
        return tuple(value)
    raise invalid("应为 1–7 的星期数（6=周六，7=周日）", "must be ISO weekdays 1–7 (6 = Saturday, 7 = Sunday)")


CompleteNotice = Annotated[str, not_blank("一次性告知：此项不能为空", "one complete notice: this cannot be empty")]
VoiceTemplate = Annotated[str, template("number", "window")]


class SessionTable(Table):
    start: Time
    end: Time

    @model_validator(mode="after")
    def _ends_after_start(self) -> SessionTable:
        if self.end <= self.start:
            raise invalid("结束时间应晚于开始时间", "end must be after start")
        return self


class HallTable(Table):
    name: str
    name_en: str = ""
    timezone: Annotated[str, AfterValidator(_timezone)] = DEFAULT_TIMEZONE
    number_width: PositiveInt = 3
    notice: str = ""
    consult_phone: str = ""
    supervise_phone: str = ""
    hours: Annotated[
        list[SessionTable], at_least_one("至少需要一个办公时段", "at least one opening session is required")
    ] = Field(default_factory=list, validate_default=True)
    enforce_hours: bool = True
    early_minutes: Count = 10
    priority_policy: Annotated[str, one_of(PRIORITY_POLICIES)] = "strict"
    priority_interleave: Count = 3
    estimate_default_s: Count = 300
    estimate_sample: Count = 20
    missed_reinstate_after: Count = 0
    missed_reinstate_times: Count = 1


class ServiceRow(Table):
    code: str
    name: str
    name_en: str = ""
    prefix: Annotated[str, AfterValidator(_prefix)]
    description: str = ""

    def to_config(self) -> Service:
        return Service(self.code, self.name, self.name_en, self.prefix, self.description)


class MaterialTable(Table):
    name: Text
    copies: Code = ""
    note: str = ""
    name_en: str = ""  # English, optional: screens show the Chinese where it is missing
    copies_en: str = ""
    note_en: str = ""

    def to_config(self) -> Material:
        return Material(self.name, self.copies, self.note, self.name_en, self.copies_en, self.note_en)


def _translation_of(field: str) -> Callable[[list[str], ValidationInfo], list[str]]:
    """An English list beside a Chinese one (procedure_en beside procedure): empty, or one line for each line."""

    def check(english: list[str], info: ValidationInfo) -> list[str]:
        chinese = info.data.get(field)
        if english and isinstance(chinese, list) and len(english) != len(chinese):
            raise invalid(
                f"英文应与 {field} 逐条对应：{field} 有 {len(chinese)} 条，此处 {len(english)} 条",
                f"must match {field} line for line: {field} has {len(chinese)}, this has {len(english)}",
            )
        return english

    return check


def _limit_rule(rule: str) -> str:
    if rule and rule not in ITEM_LIMIT_RULES:
        names = " / ".join(ITEM_LIMIT_RULES)
        raise invalid(
            f"应为 {names} 之一（或不写），实际为 {rule!r}", f"must be one of {names} (or absent), got {rule!r}"
        )
    return rule


def _sample_file_name(name: str) -> str:
    if split_file(name) is None:
        raise invalid(
            f"样表文件名应为 64 位小写十六进制 SHA-256 加 .pdf/.png/.jpg（由控制台上传生成），实际为 {name!r}",
            f"must be a 64-hex-digit SHA-256 and .pdf/.png/.jpg (as the console's upload names it), got {name!r}",
        )
    return name


class SampleFileTable(Table):
    """A sample form as a file (填写样表): uploaded in the console, stored by its content (core/samples.py)."""

    name: Text
    name_en: str = ""
    file: Annotated[str, AfterValidator(_sample_file_name)]

    def to_config(self) -> SampleFile:
        return SampleFile(self.name, self.file, self.name_en)


def _distinct_files(samples: list[SampleFileTable]) -> list[SampleFileTable]:
    twice = sorted(file for file, times in Counter(s.file for s in samples).items() if times > 1)
    if twice:
        names = ", ".join(repr(file) for file in twice)
        raise invalid(f"同一样表文件列出了两次：{names}", f"the same sample file is listed twice: {names}")
    return samples


class ItemRow(Table):
    code: str
    service: Annotated[str, AfterValidator(_defined_service)]
    name: str
    name_en: str = ""
    department: str = ""
    case_type: Annotated[str, one_of(CASE_TYPES)] = "immediate"
    time_limit_days: Count | None = None  # None: [deadlines] default_workdays
    legal_limit_days: Count | None = None
    fees: CompleteNotice = Field("", validate_default=True)
    legal_basis: CompleteNotice = Field("", validate_default=True)
    conditions: str = ""
    procedure: list[Text] = []
    materials: Annotated[
        list[Annotated[MaterialTable, BeforeValidator(_material)]],
        at_least_one("一次性告知：须列出全部所需材料", "one complete notice: list every required material"),
    ] = Field(default_factory=list, validate_default=True)
    sample_forms: list[Text] = []
    consult_phone: str = ""
    supervise_phone: str = ""
    # English of the guide, optional (screens show the Chinese where it is missing)
    fees_en: str = ""
    legal_basis_en: str = ""
    conditions_en: str = ""
    procedure_en: Annotated[list[str], AfterValidator(_translation_of("procedure"))] = []
    sample_forms_en: Annotated[list[str], AfterValidator(_translation_of("sample_forms"))] = []
    # the time limit is a [deadlines] rule instead (issue 13): "leader_approval", "study", "site_check"
    limit_rule: Annotated[str, AfterValidator(_limit_rule)] = ""
    # sample forms as files (PDF or image) the kiosk shows page by page: [{name, name_en, file = "<sha256>.pdf"}]
    sample_files: Annotated[list[SampleFileTable], AfterValidator(_distinct_files)] = []

    def to_config(self, default_days: int) -> Item:
        return Item(
            code=self.code,
            service=self.service,
            name=self.name,
            name_en=self.name_en,
            department=self.department,
            case_type=self.case_type,
            time_limit_days=default_days if self.time_limit_days is None else self.time_limit_days,
            legal_limit_days=self.legal_limit_days,
            fees=self.fees,
            legal_basis=self.legal_basis,
            conditions=self.conditions,
            procedure=tuple(self.procedure),
            materials=tuple(m.to_config() for m in self.materials),
            sample_forms=tuple(self.sample_forms),
            consult_phone=self.consult_phone,
            supervise_phone=self.supervise_phone,
            fees_en=self.fees_en,
            legal_basis_en=self.legal_basis_en,
            conditions_en=self.conditions_en,
            procedure_en=tuple(self.procedure_en),
            sample_forms_en=tuple(self.sample_forms_en),
            limit_rule=self.limit_rule,
            sample_files=tuple(s.to_config() for s in self.sample_files),
        )


class WindowRow(Table):
    number: PositiveInt
    name: str = ""
    department: str = ""
    services: Annotated[list[Annotated[tuple[str, ...], PlainValidator(_level)]], AfterValidator(_window_services)] = (
        Field(default_factory=list, validate_default=True)
    )
    staff_a: Annotated[Code, AfterValidator(_known_staff)] = ""
    staff_b: Annotated[Code, AfterValidator(_known_staff)] = ""
    head: Annotated[Code, AfterValidator(_known_staff)] = ""  # 窗口负责人: sees this window in the console
    sign: SignTable | None = None

    def to_config(self) -> Window:
        return Window(
            number=self.number,
            name=self.name,
            department=self.department,
            levels=tuple(self.services),
            staff_a=self.staff_a,
            staff_b=self.staff_b,
            sign=self.sign.to_config() if self.sign else None,
            head=self.head,
        )


class StaffRow(Table):
    code: Code
    name: str
    role: Annotated[str, one_of(ROLES)] = "clerk"
    pin: Annotated[Code, AfterValidator(_pin)] = ""  # needed for a person the hall's database does not know yet
    title: str = ""
    photo: str = ""

    def to_config(self) -> Staff:
        return Staff(self.code, self.name, self.role, self.pin, self.title, self.photo)


class AnnounceTable(Table):
    voice: dict[str, VoiceTemplate] = {}  # over DEFAULT_VOICE
    languages: list[Text] = []  # empty: ["zh"]
    repeat: Annotated[int, AfterValidator(_repeat)] = 2
    chime: str = DEFAULT_CHIME
    led_called: Annotated[str, template("number")] = DEFAULT_LED_CALLED
    led_paused: Annotated[str, template()] = DEFAULT_LED_PAUSED
    led_idle: Annotated[str, template()] = DEFAULT_LED_IDLE
    led_red_flag: Annotated[str, template()] = DEFAULT_LED_RED_FLAG  # "": the red-flag window's sign as any other

    @field_validator("languages")
    @classmethod
    def _spoken_languages_have_templates(cls, languages: list[str], info: ValidationInfo) -> list[str]:
        if "voice" not in info.data:  # the voice table itself is wrong: said there
            return languages
        missing = [lang for lang in languages if lang not in {**DEFAULT_VOICE, **info.data["voice"]}]
        if missing:
            names = ", ".join(repr(lang) for lang in missing)
            raise invalid(f"语言 {names} 没有语音模板", f"language {names} has no voice template")
        return languages

    def to_config(self) -> Announce:
        return Announce(
            voice={**DEFAULT_VOICE, **self.voice},
            languages=tuple(self.languages) or ("zh",),
            repeat=self.repeat,
            chime=self.chime,
            led_called=self.led_called,
            led_paused=self.led_paused,
            led_idle=self.led_idle,
            led_red_flag=self.led_red_flag,
        )


class RatingsTable(Table):
    timeout_s: Count = 30
    bad_reasons: list[Text] = []  # empty: DEFAULT_BAD_REASONS
    verify_workdays: Count = 1  # used by the management pages (console)
    rectify_workdays: Count = 15  # used by the management pages (console)
    bad_reasons_en: Annotated[list[str], AfterValidator(_translation_of("bad_reasons"))] = []

    def to_config(self) -> Ratings:
        if self.bad_reasons:
            reasons, english = tuple(self.bad_reasons), tuple(self.bad_reasons_en)
        else:
            reasons, english = DEFAULT_BAD_REASONS, DEFAULT_BAD_REASONS_EN
        return Ratings(self.timeout_s, reasons, self.verify_workdays, self.rectify_workdays, english)


class DeadlinesTable(Table):
    default_workdays: Count = 15  # items without time_limit_days
    # the others are used by the management pages (console)
    leader_approval_days: Count = 2
    study_days: Count = 7
    site_check_workdays: Count = 10
    returned_decision_workdays: Count = 3
    complaint_workdays: Count = 5
    incomplete_notice_days: Count = 5


def _share(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise invalid(f"应为 0 到 1 之间的小数，实际为 {value!r}", f"must be a fraction from 0 to 1, got {value!r}")
    return float(value)


def _levels(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not value or any(v not in (1, 2, 3, 4, 5) or isinstance(v, bool) for v in value):
        raise invalid(f"应为 1–5 的等级列表，实际为 {value!r}", f"must be a list of levels 1 to 5, got {value!r}")
    return tuple(sorted(set(value), reverse=True))


class FeedbackTable(Table):
    """好差评 figures, complaints, surveys and visits (core/feedback.py; defaults in core.config.Feedback)."""

    satisfied_levels: Annotated[tuple[int, ...], PlainValidator(_levels)] = Feedback.satisfied_levels
    flag_below: Annotated[float, PlainValidator(_share)] = Feedback.flag_below
    flag_min_rated: Count = Feedback.flag_min_rated
    follow_up_target: Annotated[float, PlainValidator(_share)] = Feedback.follow_up_target
    follow_up_workdays: Count = Feedback.follow_up_workdays
    complaint_simple_workdays: Count = Feedback.complaint_simple_workdays
    complaint_grounds: list[Text] = []  # empty: core.config.DEFAULT_COMPLAINT_GROUNDS
    efficiency_office: Text = Feedback.efficiency_office
    efficiency_office_phone: str = ""
    higher_authority: Text = Feedback.higher_authority
    higher_authority_phone: str = ""
    leadership_roles: list[Annotated[str, one_of(ROLES)]] = list(Feedback.leadership_roles)
    visits_per_month: Count = Feedback.visits_per_month
    region_code: str = ""
    org_code: str = ""

    def to_config(self) -> Feedback:
        data = self.model_dump()
        data["complaint_grounds"] = tuple(self.complaint_grounds) or Feedback.complaint_grounds
        data["leadership_roles"] = tuple(self.leadership_roles)
        return Feedback(**data)


class OversightTable(Table):
    """限时办结 and 督查 (issue 13; defaults in core.config.Oversight)."""

    patrols_per_day: Count = Oversight.patrols_per_day
    spot_checks_per_week: Count = Oversight.spot_checks_per_week
    checklist: list[Text] = list(Oversight.checklist)
    checklist_en: Annotated[list[str], AfterValidator(_translation_of("checklist"))] = []
    due_soon_workdays: Count = Oversight.due_soon_workdays
    extension_approvers: Annotated[
        list[Code], at_least_one("至少指定一个审批延期的角色或工号", "name at least one role or staff code")
    ] = list(Oversight.extension_approvers)
    rectify_workdays: Count = Oversight.rectify_workdays
    duty_windows: list[PositiveInt] = []  # empty: every window in turn

    def to_config(self) -> Oversight:
        english = self.checklist_en or (
            list(Oversight.checklist_en) if self.checklist == list(Oversight.checklist) else []
        )
        return Oversight(
            patrols_per_day=self.patrols_per_day,
            spot_checks_per_week=self.spot_checks_per_week,
            checklist=tuple(self.checklist),
            checklist_en=tuple(english),
            due_soon_workdays=self.due_soon_workdays,
            extension_approvers=tuple(self.extension_approvers),
            rectify_workdays=self.rectify_workdays,
            duty_windows=tuple(self.duty_windows),
        )


class CalendarTable(Table):
    use_official: bool = True
    holidays: list[Date] = []
    workdays: list[Date] = []
    weekend: Annotated[tuple[int, ...], PlainValidator(_weekend)] = (6, 7)


class ScoringTable(Table):
    """Used by the management pages (console); the people pages' keys: core/scoring.py, hallfile/people.py."""

    start: Count = 100
    deductions: Annotated[dict[str, Count], AfterValidator(known_kinds)] = {}  # over DEFAULT_DEDUCTIONS
    red_flag: bool = True
    award_threshold: Count = 85
    late_warning_after: Count = 3
    window_warning_after: Count = 3
    additions: Annotated[dict[str, Count], AfterValidator(known_kinds)] = {}  # over DEFAULT_ADDITIONS
    year: Annotated[str, one_of(YEAR_MODES)] = "average"
    review_days: Count = 3
    red_flag_tie: TieList = ("lines", "served")
    floor: Count = 0
    warning_bars_award: bool = True


class SecurityTable(Table):
    token_ttl_s: PositiveInt = 12 * 3600
    pin_attempts: PositiveInt = 5
    lockout_s: Count = 60


class DevicesTable(Table):
    pairing_required: bool = True
    trust_loopback: bool = False
    code_minutes: PositiveInt = 30
    public_stream_share: Annotated[float, PlainValidator(_share)] = 0.5
    public_streams_per_address: PositiveInt = 4


class KioskTable(Table):
    idle_timeout_s: Count = 60
    green_channel: list[Text] = []  # empty: DEFAULT_GREEN_CHANNEL
    green_channel_en: list[Text] = []


class BookingsTable(Table):
    max_workdays_ahead: Count = 5
    same_day: bool = True


class ReportsTable(Table):
    service_level_minutes: PositiveInt = 15


class HallFile(Table):
    """The whole file. Validate with ``context=Survey.of(data)`` for the checks across tables."""

    hall: HallTable
    services: Annotated[list[ServiceRow], at_least_one("至少需要一个服务", "at least one service is required")] = Field(
        default_factory=list, validate_default=True
    )
    items: list[ItemRow] = []
    windows: Annotated[list[WindowRow], at_least_one("至少需要一个窗口", "at least one window is required")] = Field(
        default_factory=list, validate_default=True
    )
    staff: list[StaffRow] = []
    announce: AnnounceTable = Field(default_factory=AnnounceTable)
    ratings: RatingsTable = Field(default_factory=RatingsTable)
    deadlines: DeadlinesTable = Field(default_factory=DeadlinesTable)
    calendar: CalendarTable = Field(default_factory=CalendarTable)
    scoring: ScoringTable = Field(default_factory=ScoringTable)
    attendance: AttendanceTable = Field(default_factory=AttendanceTable)  # people (issue 14)
    awards: AwardsTable = Field(default_factory=AwardsTable)  # people (issue 14)
    security: SecurityTable = Field(default_factory=SecurityTable)
    kiosk: KioskTable = Field(default_factory=KioskTable)
    devices: DevicesTable = Field(default_factory=DevicesTable)
    bookings: BookingsTable = Field(default_factory=BookingsTable)
    feedback: FeedbackTable = Field(default_factory=FeedbackTable)
    oversight: OversightTable = Field(default_factory=OversightTable)
    reports: ReportsTable = Field(default_factory=ReportsTable)

    def to_config(self, source: str = "") -> HallConfig:
        hall, ann, rt, dl, cal, sc, sec, kiosk = (
            self.hall,
            self.announce,
            self.ratings,
            self.deadlines,
            self.calendar,
            self.scoring,
            self.security,
            self.kiosk,
        )
        return HallConfig(
            name=hall.name,
            name_en=hall.name_en,
            timezone=hall.timezone,
            number_width=hall.number_width,
            notice=hall.notice,
            consult_phone=hall.consult_phone,
            supervise_phone=hall.supervise_phone,
            sessions=tuple(Session(s.start, s.end) for s in hall.hours),
            enforce_hours=hall.enforce_hours,
            early_minutes=hall.early_minutes,
            priority_policy=hall.priority_policy,
            priority_interleave=hall.priority_interleave,
            estimate_default_s=hall.estimate_default_s,
            estimate_sample=hall.estimate_sample,
            kiosk_idle_s=kiosk.idle_timeout_s,
            green_channel=tuple(kiosk.green_channel) or DEFAULT_GREEN_CHANNEL,
            green_channel_en=tuple(kiosk.green_channel_en) or DEFAULT_GREEN_CHANNEL_EN,
            booking_max_workdays=self.bookings.max_workdays_ahead,
            booking_same_day=self.bookings.same_day,
            services=tuple(s.to_config() for s in self.services),
            items=tuple(i.to_config(dl.default_workdays) for i in self.items),
            windows=tuple(sorted((w.to_config() for w in self.windows), key=lambda w: w.number)),
            staff=tuple(s.to_config() for s in self.staff),
            announce=ann.to_config(),
            ratings=rt.to_config(),
            deadlines=Deadlines(
                default_workdays=dl.default_workdays,
                leader_approval_days=dl.leader_approval_days,
                study_days=dl.study_days,
                site_check_workdays=dl.site_check_workdays,
                returned_decision_workdays=dl.returned_decision_workdays,
                complaint_workdays=dl.complaint_workdays,
                incomplete_notice_days=dl.incomplete_notice_days,
            ),
            calendar=CalendarConfig(cal.use_official, frozenset(cal.holidays), frozenset(cal.workdays), cal.weekend),
            scoring=Scoring(
                start=sc.start,
                deductions={**DEFAULT_DEDUCTIONS, **sc.deductions},
                red_flag=sc.red_flag,
                award_threshold=sc.award_threshold,
                late_warning_after=sc.late_warning_after,
                window_warning_after=sc.window_warning_after,
                additions={**DEFAULT_ADDITIONS, **sc.additions},
                year=sc.year,
                review_days=sc.review_days,
                red_flag_tie=sc.red_flag_tie,
                floor=sc.floor,
                warning_bars_award=sc.warning_bars_award,
            ),
            attendance=self.attendance.to_config(),
            awards=self.awards.to_config(),
            security=Security(sec.token_ttl_s, sec.pin_attempts, sec.lockout_s),
            devices=Devices(
                self.devices.pairing_required,
                self.devices.trust_loopback,
                self.devices.code_minutes,
                self.devices.public_stream_share,
                self.devices.public_streams_per_address,
            ),
            source=source,
            missed_after=hall.missed_reinstate_after,
            missed_times=hall.missed_reinstate_times,
            feedback=self.feedback.to_config(),
            oversight=self.oversight.to_config(),
            reports=Reports(self.reports.service_level_minutes),
        )


def load_hall(source: str | Path | Mapping[str, Any]) -> HallConfig:
    """A hall from its TOML file (path) or the already parsed file; raises ConfigError naming every problem."""
    if isinstance(source, Mapping):
        data, name = dict(source), ""
    else:
        path = Path(source)
        data, name = read_toml(path, "找不到配置文件", "configuration file not found"), str(path)
    survey = Survey.of(data)
    try:
        hall = HallFile.model_validate(data, context=survey)
    except ValidationError as exc:
        raise ConfigError([*problems_of(exc, HallFile), *survey.problems]) from None
    if survey.problems:
        raise ConfigError(list(survey.problems))
    return hall.to_config(name)
