"""The finish form (办结, no Kivy): case type (办件类型), item (事项), due date, missing materials, reason.

What a case type asks for is core's table (`core.cases`), as the server lists it (`api.case_types()`);
`validate()` runs core's own `check_finish`, so the form refuses with the server's sentence before sending.
Only what is about reading the form's text (a date written as 2026-05-06) is checked here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from appkit.runners import Runner, run_now
from caller.common import Message, error_message
from client.api import HallApi
from core.cases import check_finish, require_case_type
from core.tickets import DomainError
from core.views import case_types as core_case_types

BAD_DATE = Message("日期格式应为 2026-05-06。", "Write the date as 2026-05-06.", "error")


@dataclass(frozen=True)
class FinishRequest:
    """What `finish` sends, plus what the slip needs."""

    case_type: str
    item: str | None
    due_date: dt.date | None = None
    due_reason: str = ""
    note: str = ""
    missing_materials: tuple[str, ...] = ()

    def body(self) -> dict[str, Any]:
        return {
            "case_type": self.case_type,
            "item": self.item,
            "due_date": self.due_date,
            "due_reason": self.due_reason,
            "note": self.note,
            "missing_materials": list(self.missing_materials),
        }


class FinishPresenter:
    """Choose the case type (办件类型) and item (事项); due date for promised cases; missing materials for 补办件."""

    def __init__(
        self,
        api: HallApi,
        ticket: dict[str, Any],
        items: Sequence[dict[str, Any]],
        case_types: Sequence[dict[str, Any]] = (),
        runner: Runner = run_now,
        today: Callable[[], dt.date] | None = None,
    ):
        self.api, self.ticket, self.runner = api, ticket, runner
        self.today = today  # the accepting day, for the due-date check; None: left to the server
        self.items = [i for i in items if i.get("service") == ticket.get("service")] or list(items)
        self.case_types = list(case_types) or core_case_types()
        self.on_change: Callable[[], None] = lambda: None
        self.item_code: str | None = ticket.get("item") if self._item(ticket.get("item")) else None
        if self.item_code is None and len(self.items) == 1:
            self.item_code = self.items[0]["code"]
        chosen = self._item(self.item_code)
        self.case_type = chosen.get("case_type", "immediate") if chosen else "immediate"
        self.computed_due: str | None = None  # ISO, from the server
        self.due_text = ""
        self.due_reason = ""
        self.note = ""
        self.returned_reason = ""
        self.missing: list[str] = []
        self.message: Message | None = None
        self._load_due_date()

    # -- reading
    def _item(self, code: str | None) -> dict[str, Any] | None:
        return next((i for i in self.items if i["code"] == code), None)

    @property
    def item(self) -> dict[str, Any] | None:
        return self._item(self.item_code)

    @property
    def kind(self) -> dict[str, Any]:
        return next((c for c in self.case_types if c["code"] == self.case_type), self.case_types[0])

    @property
    def needs_due_date(self) -> bool:
        return bool(self.kind.get("needs_due_date"))

    @property
    def needs_missing(self) -> bool:
        """补办件: the missing materials are ticked (and printed on the one-time notice)."""
        return bool(self.kind.get("needs_missing"))

    @property
    def needs_reason(self) -> bool:
        """退回件: the written reason for returning (printed on the notice, sent as the note)."""
        return bool(self.kind.get("needs_reason"))

    @property
    def materials(self) -> list[str]:
        item = self.item
        return [m["name"] for m in item.get("materials", [])] if item else []

    @property
    def due_changed(self) -> bool:
        return bool(self.computed_due) and bool(self.due_text.strip()) and self.due_text.strip() != self.computed_due

    # -- changing
    def choose_case_type(self, code: str) -> None:
        chosen = next((c for c in self.case_types if code in (c["code"], c["zh"])), None)
        if chosen is None:
            try:
                require_case_type(code)
            except DomainError as exc:
                self._show(error_message(exc))
            else:
                self._show(Message(f"本厅未开放办件类型 {code}。", f"Case type {code} is not offered here.", "error"))
            return
        self.case_type = chosen["code"]
        self.message = None
        self._load_due_date()

    def choose_case_type_at(self, index: int) -> None:
        if 0 <= index < len(self.case_types):
            self.choose_case_type(self.case_types[index]["code"])

    def choose_item(self, code: str) -> None:
        if self._item(code) is None:
            self._show(Message(f"没有事项 {code}。", f"There is no item {code}.", "error"))
            return
        if code != self.item_code:
            self.item_code, self.missing = code, []
            self.computed_due, self.due_text = None, ""
        self.message = None
        self._load_due_date()

    def move_item(self, step: int) -> None:
        if not self.items:
            return
        codes = [i["code"] for i in self.items]
        index = codes.index(self.item_code) + step if self.item_code in codes else 0
        self.choose_item(codes[index % len(codes)])

    def toggle_material(self, name: str) -> None:
        if name not in self.materials:
            return
        if name in self.missing:
            self.missing.remove(name)
        else:
            self.missing = [m for m in self.materials if m in self.missing or m == name]  # keep the guide's order
        self.on_change()

    def toggle_material_at(self, index: int) -> None:
        if 0 <= index < len(self.materials):
            self.toggle_material(self.materials[index])

    def _load_due_date(self) -> None:
        if not (self.needs_due_date and self.item_code) or self.computed_due:
            self.on_change()
            return
        code = self.item_code
        self.runner(lambda: self.api.due_date(code), lambda due: self._due_loaded(code, due), self._due_failed)

    def _due_loaded(self, code: str, due: Any) -> None:
        if code != self.item_code:
            return
        self.computed_due = str(due.get("due_date") if isinstance(due, dict) else due)
        if not self.due_text.strip():
            self.due_text = self.computed_due
        self.on_change()

    def _due_failed(self, exc: BaseException) -> None:
        self._show(
            Message(
                "未能取得承诺日期，办结时由服务器计算。", "Due date not known yet; the server computes it.", "warning"
            )
        )

    # -- finishing
    def validate(self) -> Message | None:
        """None when the form may be sent; else why not, in the words of core's rule."""
        due, bad_date = None, False
        if self.needs_due_date and self.due_text.strip():
            try:
                due = dt.date.fromisoformat(self.due_text.strip())
            except ValueError:
                bad_date = True
        try:
            check_finish(
                require_case_type(self.case_type),
                item=self.item_code,
                missing_materials=self.missing if self.needs_missing else (),
                note=self._note(),
                due_date=due,
                computed_due=_iso_date(self.computed_due),
                accepted_on=self.today() if self.today is not None else None,
                due_reason=self.due_reason,
            )
        except DomainError as exc:
            return error_message(exc)
        return BAD_DATE if bad_date else None

    def _note(self) -> str:
        return self.returned_reason.strip() if self.needs_reason else self.note.strip()

    def request(self) -> FinishRequest:
        due = None
        if self.needs_due_date and self.due_text.strip():
            due = dt.date.fromisoformat(self.due_text.strip())
        return FinishRequest(
            case_type=self.case_type,
            item=self.item_code,
            due_date=due,
            due_reason=self.due_reason.strip() if self.due_changed else "",
            note=self._note(),
            missing_materials=tuple(self.missing) if self.needs_missing else (),
        )

    def _show(self, message: Message | None) -> None:
        self.message = message
        self.on_change()


def _iso_date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None
