"""Shared by the kiosk tests."""

from __future__ import annotations

from typing import Any

from hardware.documents import Document
from hardware.printer import FakePrinter, OnDone, PrintOptions


class SyncSink:
    """Prints synchronously on a FakePrinter, calling back the way PrintWorker would from its thread."""

    def __init__(self, fault: Any = None) -> None:
        self.printer = FakePrinter(PrintOptions(mode="gb18030"), fault=fault)

    def submit(self, doc: Document, on_done: OnDone | None = None, copies: int = 1) -> None:
        try:
            self.printer.print(doc, copies)
        except Exception as exc:
            on_done and on_done(False, str(exc))
            return
        on_done and on_done(True, None)
