"""The clerk's notice slips (告知单): which one a finished case needs, and where it goes.

`slip_for(...)` builds the hardware.documents notice that core's case-type table names for the case (its
`slip` and `slip_copies`: 补办件 → IncompleteNotice, 退回件 → ReturnedNotice, 承诺件/联办件/上报件 →
PromiseNotice, 3 copies). `SlipOutput` prints it on the window's thermal printer through a PrintWorker, or,
without a printer, renders a PDF (or PNG) into a folder and says where. No Kivy here.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caller.common import Message
from caller.window import WindowPresenter
from core.cases import case_type
from core.config import Material
from hardware.documents import Document, IncompleteNotice, PromiseNotice, ReturnedNotice
from hardware.printer import PrintWorker
from hardware.receipts import render_image, render_pdf, render_png


@dataclass(frozen=True)
class Slip:
    document: Document
    copies: int
    name: str  # file name stem, e.g. 2026-11-21-A001-incomplete


def slip_for(
    case: dict[str, Any],
    item: dict[str, Any] | None,
    *,
    hall: dict[str, Any],
    clerk_name: str,
    staff: str,
    window: int,
    today: dt.date,
) -> Slip | None:
    """The slip a finished case needs, or None (即办件, 急办件, 不管件 print nothing)."""
    rule = case_type(case.get("case_type", ""))
    if rule is None or not rule.slip:
        return None
    kind = rule.slip
    item = item or {}
    item_name = item.get("name") or case.get("item") or "—"
    hall_name = hall.get("name", "")
    contact = item.get("consult_phone") or hall.get("consult_phone", "")
    number = case.get("number", "")
    common: dict[str, Any] = {
        "clerk_name": clerk_name,
        "staff_number": staff,
        "window": window,
        "case_number": case.get("case_number", ""),
        "ticket_number": number,
    }
    accepted = dt.date.fromisoformat(case["accepted_on"]) if case.get("accepted_on") else today  # a reprint keeps it
    document: Document
    if kind == "incomplete":
        by_name = {m["name"]: m for m in item.get("materials", [])}
        missing = tuple(
            Material(name, by_name.get(name, {}).get("copies", ""), by_name.get(name, {}).get("note", ""))
            for name in case.get("missing_materials", [])
        )
        document = IncompleteNotice(
            hall_name=hall_name,
            item_name=item_name,
            missing=missing,
            legal_basis=item.get("legal_basis", ""),
            contact_phone=contact,
            date=accepted,
            **common,
        )
    elif kind == "returned":
        document = ReturnedNotice(
            hall_name=hall_name,
            item_name=item_name,
            reason=case.get("note", ""),
            contact_phone=contact,
            supervise_phone=item.get("supervise_phone") or hall.get("supervise_phone", ""),
            date=accepted,
            **common,
        )
    elif kind == "promise":
        due = dt.date.fromisoformat(case["due_date"]) if case.get("due_date") else accepted
        document = PromiseNotice(
            hall_name=hall_name,
            item_name=item_name,
            accepted_on=accepted,
            due_on=due,
            phone=contact,
            **common,
        )
    else:
        raise ValueError(f"没有这种告知单：{kind!r} / no such slip: {kind!r}")
    return Slip(document, rule.slip_copies, _file_stem(today, number, kind))


def window_slip(presenter: WindowPresenter, case: dict[str, Any], today: dt.date) -> Slip | None:
    """The slip for a case of the presenter's clerk (just finished, or reprinted from the ledger)."""
    return slip_for(
        case,
        presenter.item(case.get("item")),
        hall=presenter.hall,
        clerk_name=str(presenter.session.get("name", "")),
        staff=str(presenter.session.get("staff", "")),
        window=int(case.get("window") or presenter.window),
        today=today,
    )


def preview_png(slip: Slip, paper_mm: int = 80) -> bytes:
    """The slip as the printer would print it, as PNG bytes (the ledger's preview; slow: run it off the UI)."""
    buffer = io.BytesIO()
    render_image(slip.document, paper_mm).save(buffer, format="PNG")
    return buffer.getvalue()


def _file_stem(day: dt.date, number: str, kind: str) -> str:
    safe = re.sub(r"[^0-9A-Za-z_-]", "", number) or "slip"
    return f"{day.isoformat()}-{safe}-{kind}"


class SlipOutput:
    """Print on the thermal printer when there is one, else write a PDF/PNG file. Never blocks the caller.

    `deliver(slip, on_done)` calls `on_done(Message)` from a worker thread (the app moves it onto the UI thread).
    """

    def __init__(self, worker: PrintWorker | None, folder: Path, file_format: str = "pdf"):
        if file_format not in ("pdf", "png"):
            raise ValueError(f"告知单文件格式只能是 pdf 或 png：{file_format} / slip format must be pdf or png")
        self.worker, self.folder, self.file_format = worker, Path(folder), file_format

    def deliver(
        self, slip: Slip, on_done: Callable[[Message], None], run: Callable[[Callable[[], None]], None]
    ) -> None:
        if self.worker is not None:
            self.worker.submit(slip.document, lambda ok, error: on_done(self._printed(slip, ok, error)), slip.copies)
            return
        run(lambda: on_done(self.write_file(slip)))

    def write_file(self, slip: Slip) -> Message:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{slip.name}.{self.file_format}"
            (render_pdf if self.file_format == "pdf" else render_png)(slip.document, path)
        except OSError as exc:
            return Message(f"告知单未能保存：{exc}", f"Could not save the slip: {exc}", "error")
        copies = f"（一式{slip.copies}份，请打印{slip.copies}份）" if slip.copies > 1 else ""
        return Message(f"无打印机，告知单已保存：{path}{copies}", f"No printer: slip saved as {path}", "info")

    @staticmethod
    def _printed(slip: Slip, ok: bool, error: str | None) -> Message:
        if ok:
            copies = f"（{slip.copies}份）" if slip.copies > 1 else ""
            return Message(f"告知单已打印{copies}。", "The slip is printed.", "success")
        return Message.of(error or "打印失败 / Printing failed", "error")
