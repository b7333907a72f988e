"""What the hall prints, as plain data: the kiosk's ticket, the clerk's notice slips, and their layout.

The apps fill the dataclasses below (`Ticket`, `IncompleteNotice`, `ReturnedNotice`, `PromiseNotice`, with
an optional `Applicant`). `layout()` turns a document into blocks (lines, rules, gaps, a QR code) — what is
printed, in which order, masked where the law asks (core.privacy). Drawing the blocks is hardware/receipts.py
(1-bit image, PNG, PDF) and hardware/printer.py (ESC/POS text), so every print mode says the same thing.
No Pillow, no fonts here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Literal

from core.config import Material
from core.privacy import mask_id, mask_numbers_in_text, mask_phone

DEFAULT_TICKET_FOOTER = "请留意叫号，过号请到服务台"
NO_BREAK = "\xa0"  # joins words that should move to the next line together; printed as a space


def together(phrase: str) -> str:
    """Keep a short phrase on one line ("Est. wait: ~12 min" never splits after "wait:")."""
    return phrase.replace(" ", NO_BREAK)


@dataclasses.dataclass(frozen=True)
class Applicant:
    """The citizen a slip is for; ID and phone are masked whenever printed."""

    name: str = ""
    id_number: str = ""
    phone: str = ""


@dataclasses.dataclass(frozen=True)
class Ticket:
    """The queue ticket from the kiosk. `issued_at` is already in the hall's local time."""

    hall_name: str
    number: str
    service_name: str
    service_name_en: str
    people_ahead: int
    wait_minutes: int | None  # None: no estimate yet
    issued_at: dt.datetime
    status_url: str
    priority_label: str = ""  # e.g. "绿色通道"; empty for an ordinary ticket
    item_name: str = ""
    materials: tuple[Material, ...] = ()
    consult_phone: str = ""
    footer: str = DEFAULT_TICKET_FOOTER

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise ValueError("票号不能为空 / The ticket number is empty")
        if self.people_ahead < 0:
            raise ValueError(f"前面等候人数不能为负数：{self.people_ahead} / People ahead cannot be negative")


@dataclasses.dataclass(frozen=True)
class IncompleteNotice:
    """补办件一次性告知单: every missing material, in one notice."""

    hall_name: str
    item_name: str
    missing: tuple[Material, ...]
    legal_basis: str
    contact_phone: str
    clerk_name: str
    staff_number: str
    window: int | str
    date: dt.date
    applicant: Applicant | None = None
    case_number: str = ""  # the hall's case number (20261130-0042): finds the case again, any day
    ticket_number: str = ""  # the queue ticket (A001): restarts every day

    def __post_init__(self) -> None:
        if not self.missing:
            raise ValueError(
                "补办件告知单至少要列出一项缺少的材料 / An incomplete-materials notice must list a material"
            )


@dataclasses.dataclass(frozen=True)
class ReturnedNotice:
    """退回件告知单: the written reason, and the right to ask the director for a review."""

    hall_name: str
    item_name: str
    reason: str
    contact_phone: str
    supervise_phone: str
    clerk_name: str
    staff_number: str
    window: int | str
    date: dt.date
    applicant: Applicant | None = None
    case_number: str = ""  # the hall's case number (20261130-0042): finds the case again, any day
    ticket_number: str = ""  # the queue ticket (A001): restarts every day

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ValueError("退回件告知单必须写明理由 / A returned notice must give the reason")


@dataclasses.dataclass(frozen=True)
class PromiseNotice:
    """承诺件通知书: accepted now, done by the due date."""

    hall_name: str
    item_name: str
    accepted_on: dt.date
    due_on: dt.date
    clerk_name: str
    staff_number: str
    window: int | str
    phone: str
    applicant: Applicant | None = None
    case_number: str = ""  # the hall's case number (20261130-0042): finds the case again, any day
    ticket_number: str = ""  # the queue ticket (A001): restarts every day

    def __post_init__(self) -> None:
        if self.due_on < self.accepted_on:
            raise ValueError(
                f"承诺办结日期 {self.due_on} 早于受理日期 {self.accepted_on} / The due date is before the accepted date"
            )


Notice = IncompleteNotice | ReturnedNotice | PromiseNotice
Document = Ticket | Notice


# ---------------------------------------------------------------- layout: documents → blocks

Size = Literal["small", "normal", "large", "huge"]
Align = Literal["left", "center"]


@dataclasses.dataclass(frozen=True)
class Line:
    """Text that wraps to the paper.

    Indents count columns of normal-size text (a Chinese character is 2): `margin` before every line,
    `indent` more before continuation lines.
    """

    text: str
    size: Size = "normal"
    align: Align = "left"
    bold: bool = False
    inverse: bool = False
    indent: int = 0
    margin: int = 0


@dataclasses.dataclass(frozen=True)
class Rule:
    """A separator across the paper."""


@dataclasses.dataclass(frozen=True)
class Gap:
    """A little blank paper."""


@dataclasses.dataclass(frozen=True)
class QrCode:
    data: str


Block = Line | Rule | Gap | QrCode


def layout(doc: Document) -> list[Block]:
    """The blocks of a document, top to bottom."""
    match doc:
        case Ticket():
            return _ticket_blocks(doc)
        case IncompleteNotice():
            return _incomplete_blocks(doc)
        case ReturnedNotice():
            return _returned_blocks(doc)
        case PromiseNotice():
            return _promise_blocks(doc)
    raise TypeError(f"无法打印此类文档：{type(doc).__name__} / Cannot print a {type(doc).__name__}")


def _material_blocks(materials: Sequence[Material]) -> list[Block]:
    blocks: list[Block] = []
    for index, material in enumerate(materials, start=1):
        copies = f"（{material.copies}）" if material.copies else ""
        prefix = f"{index}. "
        blocks.append(Line(f"{prefix}{material.name}{copies}", indent=len(prefix)))
        if material.note:
            blocks.append(Line(material.note, size="small", margin=len(prefix)))
    return blocks


def _ticket_blocks(t: Ticket) -> list[Block]:
    blocks: list[Block] = [Line(t.hall_name, align="center", bold=True), Rule()]
    if t.priority_label:
        blocks.append(Line(f" {t.priority_label} ", size="large", align="center", inverse=True))
    blocks += [
        Line(t.number, size="huge", align="center", bold=True),
        Line(t.service_name, size="large", align="center"),
        Line(t.service_name_en, size="small", align="center"),
        Rule(),
        Line(f"前面等候：{t.people_ahead} 人  {together(f'People ahead: {t.people_ahead}')}"),
    ]
    if t.wait_minutes is None:
        blocks.append(Line(f"预计等候：暂无估计  {together('Est. wait: not known yet')}"))
    else:
        blocks.append(Line(f"预计等候：约 {t.wait_minutes} 分钟  {together(f'Est. wait: ~{t.wait_minutes} min')}"))
    blocks.append(Line(f"取号时间：{t.issued_at:%Y-%m-%d %H:%M}"))
    if t.item_name or t.materials:
        blocks += [Rule(), Line(f"办理事项：{t.item_name}", bold=True, indent=10)]
        if t.materials:
            blocks.append(Line("请备齐以下材料 Please bring:"))
            blocks += _material_blocks(t.materials)
    blocks += [
        Rule(),
        QrCode(t.status_url),
        Line(f"扫码查看排队进度 {together('Scan for live status')}", size="small", align="center"),
    ]
    if t.consult_phone:
        blocks.append(Line(f"咨询电话 {together(f'Phone: {t.consult_phone}')}", align="center"))
    if t.footer:
        blocks += [Gap(), Line(t.footer, align="center", bold=True)]
    return blocks


def _slip(title: str, title_en: str, notice: Notice, body: Sequence[Block], date: dt.date) -> list[Block]:
    """Every slip: hall, title, case number and ticket, the applicant (masked), the item; its body; clerk, window, date."""
    blocks: list[Block] = [
        Line(notice.hall_name, align="center"),
        Line(title, size="large", align="center", bold=True),
        Line(title_en, size="small", align="center"),
        Rule(),
    ]
    applicant = notice.applicant
    if notice.case_number:
        blocks.append(Line(f"办件编号 Case No.: {notice.case_number}", bold=True))
    if notice.ticket_number:
        blocks.append(Line(f"排队号 Ticket: {notice.ticket_number}"))
    if applicant and applicant.name:
        blocks.append(Line(f"申请人 Applicant: {applicant.name}"))
    if applicant and applicant.id_number:
        blocks.append(Line(f"证件号 ID: {mask_id(applicant.id_number)}"))
    if applicant and applicant.phone:
        blocks.append(Line(f"电话 Phone: {mask_phone(applicant.phone)}"))
    return [
        *blocks,
        Line(f"办理事项 Item: {notice.item_name}", bold=True),
        *body,
        Rule(),
        Line(f"经办人 Clerk: {notice.clerk_name}（工号 {notice.staff_number}）"),
        Line(f"窗口 Window: {notice.window} 号"),
        Line(f"日期 Date: {date:%Y-%m-%d}"),
        Gap(),
        Line("申请人签收 Received by: ____________"),
    ]


def _incomplete_blocks(n: IncompleteNotice) -> list[Block]:
    body: list[Block] = [
        Gap(),
        Line("经审查，您的申请尚缺以下材料，请一次补齐后再来办理："),
        Line("Your application lacks the materials below; please bring all of them:", size="small"),
        *_material_blocks(n.missing),
        Gap(),
        Line(f"依据 Legal basis: {n.legal_basis}"),
        Line(f"咨询电话 Phone: {n.contact_phone}"),
    ]
    return _slip("补办件一次性告知单", "Notice of Missing Materials", n, body, n.date)


def _returned_blocks(n: ReturnedNotice) -> list[Block]:
    body: list[Block] = [
        Gap(),
        Line("您的申请不予受理，理由如下 Your application is returned because:"),
        Line(mask_numbers_in_text(n.reason)),
        Gap(),
        Line("如对本决定有异议，可向中心主任申请复核。"),
        Line("You may ask the center director to review this decision.", size="small"),
        Line(f"咨询电话 Contact: {n.contact_phone}"),
        Line(f"监督电话 Supervision: {n.supervise_phone}"),
    ]
    return _slip("退回件告知单", "Notice of Return", n, body, n.date)


def _promise_blocks(n: PromiseNotice) -> list[Block]:
    body: list[Block] = [
        Line(f"受理日期 Accepted: {n.accepted_on:%Y-%m-%d}"),
        Line(f"承诺办结 Done by: {n.due_on:%Y-%m-%d}", bold=True),
        Gap(),
        Line("请于承诺办结日期后凭本通知书领取办理结果。"),
        Line("Collect the result with this notice after the due date.", size="small"),
        Line(f"咨询电话 Phone: {n.phone}"),
    ]
    return _slip("承诺件通知书", "Promise Notice", n, body, n.accepted_on)


def sample_ticket(**changes: object) -> Ticket:
    """A filled-in ticket for warm-up, demos and tests; keyword arguments replace fields."""
    ticket = Ticket(
        hall_name="便民服务中心",
        number="A001",
        service_name="综合受理",
        service_name_en="General Services",
        people_ahead=3,
        wait_minutes=12,
        issued_at=dt.datetime(2026, 11, 21, 9, 5),
        status_url="http://hallq.local/t/20261121-A001",
        item_name="居民身份证换领",
        materials=(Material("居民户口簿", "原件1份"), Material("近期免冠照片", "2张", "白底，半年内拍摄")),
        consult_phone="0571-88001234",
    )
    return dataclasses.replace(ticket, **changes)  # type: ignore[arg-type]
