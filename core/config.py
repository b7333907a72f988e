"""A hall's configuration: one TOML file, loaded and validated into frozen dataclasses.

Every rule a hall may set differently (hours, deadlines, templates, weights, holidays) lives
here; nothing in the rest of the code hard-codes it. Mistakes are reported by key, in Chinese
and English, so a hall's IT person can fix the file.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.cases import CASE_TYPES

ROLES = ("clerk", "manager", "admin")
SIGN_PROTOCOLS = ("bx", "text")
PRIORITY_POLICIES = ("strict", "interleave")


class ConfigError(ValueError):
    """Raised with every problem found, one sentence per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Session:
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Material:
    name: str
    copies: str = ""
    note: str = ""


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


T = TypeVar("T")


class _Reader:
    """Walks the TOML tree, collecting every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, key: str, zh: str, en: str) -> None:
        self.problems.append(f"{key}: {zh} / {en}")

    def get(
        self,
        table: dict[str, Any],
        key: str,
        where: str,
        kind: type | tuple[type, ...],
        default: Any = ...,
    ) -> Any:
        path = f"{where}.{key}" if where else key
        if key not in table:
            if default is ...:
                self.problem(path, "缺少此项", "this key is required")
                return None
            return default
        value = table[key]
        if kind is int and isinstance(value, bool):
            value = None
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            self.problem(path, f"应为 {names} 类型，实际为 {value!r}", f"must be {names}, got {value!r}")
            return None if default is ... else default
        return value

    def table(self, table: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
        return self.get(table, key, where, dict, {}) or {}

    def tables(self, table: dict[str, Any], key: str) -> list[dict[str, Any]]:
        rows = self.get(table, key, "", list, [])
        good = []
        for n, row in enumerate(rows or []):
            if isinstance(row, dict):
                good.append(row)
            else:
                self.problem(f"{key}[{n}]", "应为表格 [[...]]", "must be a table [[...]]")
        return good

    def time(self, value: Any, path: str) -> dt.time | None:
        if isinstance(value, dt.time):
            return value
        if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value):
            h, m = map(int, value.split(":"))
            if h < 24 and m < 60:
                return dt.time(h, m)
        self.problem(path, f"时间格式应为 HH:MM，实际为 {value!r}", f"time must be HH:MM, got {value!r}")
        return None

    def dates(self, values: Any, path: str) -> frozenset[dt.date]:
        out = set()
        for n, v in enumerate(values or []):
            if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
                out.add(v)
            elif isinstance(v, str):
                try:
                    out.add(dt.date.fromisoformat(v))
                except ValueError:
                    self.problem(
                        f"{path}[{n}]", f"日期格式应为 YYYY-MM-DD，实际为 {v!r}", f"date must be YYYY-MM-DD, got {v!r}"
                    )
            else:
                self.problem(
                    f"{path}[{n}]", f"日期格式应为 YYYY-MM-DD，实际为 {v!r}", f"date must be YYYY-MM-DD, got {v!r}"
                )
        return frozenset(out)

    def strings(self, table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        values = self.get(table, key, where, list, [])
        out = []
        for n, v in enumerate(values or []):
            if isinstance(v, str) and v.strip():
                out.append(v.strip())
            else:
                self.problem(f"{where}.{key}[{n}]", "应为非空文字", "must be non-empty text")
        return tuple(out)

    def unique(self, rows: list[T], key: Callable[[T], Any], where: str, what: str) -> None:
        seen: set[Any] = set()
        for row in rows:
            k = key(row)
            if k in seen:
                self.problem(where, f"{what} {k!r} 重复", f"duplicate {what} {k!r}")
            seen.add(k)


DEFAULT_VOICE = {
    "zh": "请{number}号到{window}号窗口办理",
    "en": "Number {number}, please go to window {window}",
}
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


def load_hall(source: str | Path | dict[str, Any]) -> HallConfig:
    """Load a hall from a TOML file path or an already-parsed dict. Raises ConfigError."""
    name = ""
    if isinstance(source, dict):
        data = source
    else:
        path = Path(source)
        name = str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError([f"{path}: 找不到配置文件 / configuration file not found"]) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([f"{path}: TOML 格式错误 / not valid TOML: {exc}"]) from None
    r = _Reader()
    cfg = _build(r, data, name)
    if r.problems or cfg is None:
        raise ConfigError(r.problems)
    return cfg


def _build(r: _Reader, data: dict[str, Any], source: str) -> HallConfig | None:
    hall = r.table(data, "hall")
    tz = r.get(hall, "timezone", "hall", str, "Asia/Shanghai")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        r.problem("hall.timezone", f"未知时区 {tz!r}", f"unknown time zone {tz!r}")
        tz = "Asia/Shanghai"

    sessions = []
    for n, s in enumerate(r.get(hall, "hours", "hall", list, []) or []):
        where = f"hall.hours[{n}]"
        if not isinstance(s, dict):
            r.problem(where, '应为 {start = "08:30", end = "11:30"}', 'must be {start = "08:30", end = "11:30"}')
            continue
        start, end = r.time(s.get("start"), f"{where}.start"), r.time(s.get("end"), f"{where}.end")
        if start and end:
            if end <= start:
                r.problem(where, "结束时间应晚于开始时间", "end must be after start")
            sessions.append(Session(start, end))
    if not sessions:
        r.problem("hall.hours", "至少需要一个办公时段", "at least one opening session is required")

    policy = r.get(hall, "priority_policy", "hall", str, "strict")
    if policy not in PRIORITY_POLICIES:
        r.problem(
            "hall.priority_policy",
            f"应为 {' / '.join(PRIORITY_POLICIES)}",
            f"must be one of {', '.join(PRIORITY_POLICIES)}",
        )

    services = []
    for n, s in enumerate(r.tables(data, "services")):
        where = f"services[{n}]"
        code = r.get(s, "code", where, str)
        prefix = r.get(s, "prefix", where, str)
        if prefix is not None and not re.fullmatch(r"[A-Z]{1,2}", prefix):
            r.problem(
                f"{where}.prefix",
                f"号码前缀应为 1–2 个大写字母，实际为 {prefix!r}",
                f"ticket prefix must be 1–2 capital letters, got {prefix!r}",
            )
        services.append(
            Service(
                code=code or "",
                name=r.get(s, "name", where, str) or "",
                name_en=r.get(s, "name_en", where, str, ""),
                prefix=prefix or "",
                description=r.get(s, "description", where, str, ""),
            )
        )
    if not services:
        r.problem("services", "至少需要一个服务", "at least one service is required")
    r.unique(services, lambda s: s.code, "services", "服务代码/service code")
    r.unique(services, lambda s: s.prefix, "services", "号码前缀/ticket prefix")
    service_codes = {s.code for s in services}

    deadlines_t = r.table(data, "deadlines")
    default_days = r.get(deadlines_t, "default_workdays", "deadlines", int, 15)

    items = []
    for n, it in enumerate(r.tables(data, "items")):
        where = f"items[{n}]"
        service = r.get(it, "service", where, str)
        if service is not None and service not in service_codes:
            r.problem(
                f"{where}.service", f"服务 {service!r} 未定义", f"service {service!r} is not defined in [[services]]"
            )
        case_type = r.get(it, "case_type", where, str, "immediate")
        if case_type not in CASE_TYPES:
            r.problem(
                f"{where}.case_type",
                f"办件类型应为 {', '.join(CASE_TYPES)}",
                f"case type must be one of {', '.join(CASE_TYPES)}",
            )
        materials = []
        for m_n, m in enumerate(r.get(it, "materials", where, list, []) or []):
            if isinstance(m, str) and m.strip():
                materials.append(Material(m.strip()))
            elif isinstance(m, dict) and isinstance(m.get("name"), str) and m["name"].strip():
                materials.append(Material(m["name"].strip(), str(m.get("copies", "")), str(m.get("note", ""))))
            else:
                r.problem(
                    f"{where}.materials[{m_n}]",
                    '材料应为文字或 {name = "…"}',
                    'a material must be text or {name = "…"}',
                )
        if not materials:
            r.problem(
                f"{where}.materials",
                "一次性告知：须列出全部所需材料",
                "one complete notice: list every required material",
            )
        limit = r.get(it, "time_limit_days", where, int, default_days)
        if limit is not None and limit < 0:
            r.problem(f"{where}.time_limit_days", "办理时限不能为负数", "time limit cannot be negative")
        for required in ("legal_basis", "fees"):
            if not str(it.get(required, "")).strip():
                r.problem(
                    f"{where}.{required}", "一次性告知：此项不能为空", "one complete notice: this cannot be empty"
                )
        items.append(
            Item(
                code=r.get(it, "code", where, str) or "",
                service=service or "",
                name=r.get(it, "name", where, str) or "",
                name_en=r.get(it, "name_en", where, str, ""),
                department=r.get(it, "department", where, str, ""),
                case_type=case_type,
                time_limit_days=limit or 0,
                legal_limit_days=r.get(it, "legal_limit_days", where, int, None),
                fees=r.get(it, "fees", where, str, ""),
                legal_basis=r.get(it, "legal_basis", where, str, ""),
                conditions=r.get(it, "conditions", where, str, ""),
                procedure=r.strings(it, "procedure", where),
                materials=tuple(materials),
                sample_forms=r.strings(it, "sample_forms", where),
                consult_phone=r.get(it, "consult_phone", where, str, ""),
                supervise_phone=r.get(it, "supervise_phone", where, str, ""),
            )
        )
    r.unique(items, lambda i: i.code, "items", "事项代码/item code")

    staff = []
    for n, s in enumerate(r.tables(data, "staff")):
        where = f"staff[{n}]"
        code = r.get(s, "code", where, (str, int))
        role = r.get(s, "role", where, str, "clerk")
        if role not in ROLES:
            r.problem(f"{where}.role", f"角色应为 {' / '.join(ROLES)}", f"role must be one of {', '.join(ROLES)}")
        pin = r.get(s, "pin", where, (str, int))
        if pin is not None and not re.fullmatch(r"\d{4,8}", str(pin)):
            r.problem(f"{where}.pin", "PIN 应为 4–8 位数字", "PIN must be 4–8 digits")
        staff.append(
            Staff(
                code=str(code or ""),
                name=r.get(s, "name", where, str) or "",
                role=role,
                pin=str(pin or ""),
                title=r.get(s, "title", where, str, ""),
                photo=r.get(s, "photo", where, str, ""),
            )
        )
    r.unique(staff, lambda s: s.code, "staff", "工号/staff code")
    staff_codes = {s.code for s in staff}

    windows = []
    for n, w in enumerate(r.tables(data, "windows")):
        where = f"windows[{n}]"
        levels = []
        for lv_n, level in enumerate(r.get(w, "services", where, list, []) or []):
            codes = [level] if isinstance(level, str) else level
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                r.problem(
                    f"{where}.services[{lv_n}]",
                    "应为服务代码或同级服务代码列表",
                    "must be a service code or a list of equal-priority codes",
                )
                continue
            for c in codes:
                if c not in service_codes:
                    r.problem(
                        f"{where}.services", f"服务 {c!r} 未定义", f"service {c!r} is not defined in [[services]]"
                    )
            levels.append(tuple(codes))
        if not levels:
            r.problem(f"{where}.services", "窗口至少办理一个服务", "a window must serve at least one service")
        posts = {}
        for post in ("staff_a", "staff_b"):
            code = r.get(w, post, where, (str, int), "")
            if code != "" and str(code) not in staff_codes:
                r.problem(f"{where}.{post}", f"工号 {code!r} 不在 [[staff]] 中", f"staff {code!r} is not in [[staff]]")
            posts[post] = str(code)
        sign = None
        if "sign" in w:
            st = r.table(w, "sign", where)
            proto = r.get(st, "protocol", f"{where}.sign", str, "bx")
            if proto not in SIGN_PROTOCOLS:
                r.problem(
                    f"{where}.sign.protocol",
                    f"应为 {' / '.join(SIGN_PROTOCOLS)}",
                    f"must be one of {', '.join(SIGN_PROTOCOLS)}",
                )
            sign = SignConfig(
                port=r.get(st, "port", f"{where}.sign", str) or "",
                protocol=proto,
                address=r.get(st, "address", f"{where}.sign", int, 1),
                baudrate=r.get(st, "baudrate", f"{where}.sign", int, 57600),
                width=r.get(st, "width", f"{where}.sign", int, None),
                height=r.get(st, "height", f"{where}.sign", int, None),
            )
        number = r.get(w, "number", where, int)
        if number is not None and number < 1:
            r.problem(f"{where}.number", "窗口号应为正整数", "window number must be a positive whole number")
        windows.append(
            Window(
                number=number or 0,
                name=r.get(w, "name", where, str, ""),
                department=r.get(w, "department", where, str, ""),
                levels=tuple(levels),
                staff_a=posts["staff_a"],
                staff_b=posts["staff_b"],
                sign=sign,
            )
        )
    if not windows:
        r.problem("windows", "至少需要一个窗口", "at least one window is required")
    r.unique(windows, lambda w: w.number, "windows", "窗口号/window number")

    ann = r.table(data, "announce")
    voice = dict(DEFAULT_VOICE)
    voice.update({k: v for k, v in r.table(ann, "voice", "announce").items() if isinstance(v, str)})
    languages = r.strings(ann, "languages", "announce") or ("zh",)
    for lang in languages:
        if lang not in voice:
            r.problem("announce.languages", f"语言 {lang!r} 没有语音模板", f"language {lang!r} has no voice template")
    for lang, template in voice.items():
        _check_template(r, template, f"announce.voice.{lang}", required=("number", "window"))
    led_called = r.get(ann, "led_called", "announce", str, "请{number}号")
    _check_template(r, led_called, "announce.led_called", required=("number",))
    led_idle = r.get(ann, "led_idle", "announce", str, "{window}号窗口")
    _check_template(r, led_idle, "announce.led_idle", required=())
    repeat = r.get(ann, "repeat", "announce", int, 2)
    if repeat is not None and not 1 <= repeat <= 5:
        r.problem("announce.repeat", "播报次数应在 1–5 之间", "repeat must be 1–5")

    rt = r.table(data, "ratings")
    cal = r.table(data, "calendar")
    weekend = tuple(r.get(cal, "weekend", "calendar", list, [6, 7]) or [6, 7])
    if not all(isinstance(d, int) and 1 <= d <= 7 for d in weekend):
        r.problem(
            "calendar.weekend",
            "应为 1–7 的星期数（6=周六，7=周日）",
            "must be ISO weekdays 1–7 (6 = Saturday, 7 = Sunday)",
        )
        weekend = (6, 7)
    sc = r.table(data, "scoring")
    deductions = dict(DEFAULT_DEDUCTIONS)
    for k, v in r.table(sc, "deductions", "scoring").items():
        if k not in DEFAULT_DEDUCTIONS:
            r.problem(
                f"scoring.deductions.{k}", "未知的扣分项", f"unknown deduction; known: {', '.join(DEFAULT_DEDUCTIONS)}"
            )
        elif not isinstance(v, int) or isinstance(v, bool) or v < 0:
            r.problem(f"scoring.deductions.{k}", "扣分应为非负整数", "points must be a whole number ≥ 0")
        else:
            deductions[k] = v
    sec = r.table(data, "security")
    kiosk = r.table(data, "kiosk")
    bookings = r.table(data, "bookings")

    if r.problems:
        return None
    return HallConfig(
        name=r.get(hall, "name", "hall", str),
        name_en=r.get(hall, "name_en", "hall", str, ""),
        timezone=tz,
        number_width=r.get(hall, "number_width", "hall", int, 3),
        notice=r.get(hall, "notice", "hall", str, ""),
        consult_phone=r.get(hall, "consult_phone", "hall", str, ""),
        supervise_phone=r.get(hall, "supervise_phone", "hall", str, ""),
        sessions=tuple(sessions),
        enforce_hours=r.get(hall, "enforce_hours", "hall", bool, True),
        early_minutes=r.get(hall, "early_minutes", "hall", int, 10),
        priority_policy=policy,
        priority_interleave=r.get(hall, "priority_interleave", "hall", int, 3),
        estimate_default_s=r.get(hall, "estimate_default_s", "hall", int, 300),
        estimate_sample=r.get(hall, "estimate_sample", "hall", int, 20),
        kiosk_idle_s=r.get(kiosk, "idle_timeout_s", "kiosk", int, 60),
        green_channel=r.strings(kiosk, "green_channel", "kiosk") or ("老年人", "残疾人", "孕妇"),
        green_channel_en=r.strings(kiosk, "green_channel_en", "kiosk") or ("elderly", "disabled", "pregnant"),
        booking_max_workdays=r.get(bookings, "max_workdays_ahead", "bookings", int, 5),
        booking_same_day=r.get(bookings, "same_day", "bookings", bool, True),
        services=tuple(services),
        items=tuple(items),
        windows=tuple(sorted(windows, key=lambda w: w.number)),
        staff=tuple(staff),
        announce=Announce(
            voice=voice,
            languages=languages,
            repeat=repeat,
            chime=r.get(ann, "chime", "announce", str, "assets/sounds/chime.wav"),
            led_called=led_called,
            led_paused=r.get(ann, "led_paused", "announce", str, "暂停服务"),
            led_idle=led_idle,
        ),
        ratings=Ratings(
            timeout_s=r.get(rt, "timeout_s", "ratings", int, 30),
            bad_reasons=r.strings(rt, "bad_reasons", "ratings")
            or ("等候时间过长", "服务态度不好", "办事效率低", "未一次性告知", "材料要求不合理", "其他"),
            verify_workdays=r.get(rt, "verify_workdays", "ratings", int, 1),
            rectify_workdays=r.get(rt, "rectify_workdays", "ratings", int, 15),
        ),
        deadlines=Deadlines(
            default_workdays=default_days,
            leader_approval_days=r.get(deadlines_t, "leader_approval_days", "deadlines", int, 2),
            study_days=r.get(deadlines_t, "study_days", "deadlines", int, 7),
            site_check_workdays=r.get(deadlines_t, "site_check_workdays", "deadlines", int, 10),
            returned_decision_workdays=r.get(deadlines_t, "returned_decision_workdays", "deadlines", int, 3),
            complaint_workdays=r.get(deadlines_t, "complaint_workdays", "deadlines", int, 5),
            incomplete_notice_days=r.get(deadlines_t, "incomplete_notice_days", "deadlines", int, 5),
        ),
        calendar=CalendarConfig(
            use_official=r.get(cal, "use_official", "calendar", bool, True),
            holidays=r.dates(cal.get("holidays", []), "calendar.holidays"),
            workdays=r.dates(cal.get("workdays", []), "calendar.workdays"),
            weekend=weekend,
        ),
        scoring=Scoring(
            start=r.get(sc, "start", "scoring", int, 100),
            deductions=deductions,
            red_flag=r.get(sc, "red_flag", "scoring", bool, True),
            award_threshold=r.get(sc, "award_threshold", "scoring", int, 85),
            late_warning_after=r.get(sc, "late_warning_after", "scoring", int, 3),
            window_warning_after=r.get(sc, "window_warning_after", "scoring", int, 3),
        ),
        security=Security(
            token_ttl_s=r.get(sec, "token_ttl_s", "security", int, 12 * 3600),
            pin_attempts=r.get(sec, "pin_attempts", "security", int, 5),
            lockout_s=r.get(sec, "lockout_s", "security", int, 60),
        ),
        source=source,
    )


def _check_template(r: _Reader, template: str | None, path: str, required: tuple[str, ...]) -> None:
    if template is None:
        return
    fields = set(re.findall(r"{(\w*)}", template))
    unknown = fields - {"number", "window"}
    if unknown:
        r.problem(
            path,
            f"模板只能使用 {{number}} 和 {{window}}，发现 {sorted(unknown)}",
            f"templates may use only {{number}} and {{window}}, found {sorted(unknown)}",
        )
    for name in required:
        if name not in fields:
            r.problem(path, f"模板须包含 {{{name}}}", f"template must contain {{{name}}}")
