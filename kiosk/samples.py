"""Sample forms (填写样表) on the kiosk, without Kivy: the guide's "查看样表 View sample" buttons and the viewer.

An item's guide offers a button for each sample form the hall uploaded as a file (the item's ``sample_files``);
tapping one opens the viewer: the sample's pages as images (the server renders a PDF's pages at upload, so the
kiosk shows images only), one at a time, with previous / next page and close. Chinese comes first unless the
citizen chose English. The pages come through the API client, which keeps them per sample (their address is
their content's SHA-256, so a kept page is never stale).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from appkit.runners import Runner, run_now
from client.types import HallApi
from core.samples import split_file
from kiosk.common import Bilingual, error_text, ordered
from kiosk.guide import english_or_chinese

LOADING_PAGE: Bilingual = ("正在读取样表…", "Loading the sample form…")
SAMPLES_HEADING: Bilingual = ("填写样表（点按查看）", "Sample forms — tap to view")


@dataclass(frozen=True)
class SampleButton:
    sha: str
    name: Bilingual  # (Chinese, English): the sample's name; English falls back to the Chinese
    label: Bilingual  # the button's two lines, in the citizen's language order


def sample_buttons(item: Mapping[str, Any] | None, language: str = "zh") -> list[SampleButton]:
    """One button for each sample form of the item that has a file, in the hall file's order."""
    buttons = []
    for sample in (item or {}).get("sample_files", []) or []:
        parts = split_file(str(sample.get("file", "")))
        if parts is None:
            continue
        zh = str(sample.get("name", ""))
        en = english_or_chinese(sample.get("name_en"), zh)
        label = ordered((f"查看样表：{zh}", f"View sample: {en}"), language)
        buttons.append(SampleButton(parts[0], (zh, en), label))
    return buttons


class SampleViewer:
    """One sample form's pages on screen. `open` starts it at page 1; slow calls go through the runner."""

    def __init__(self, api: HallApi, runner: Runner = run_now, on_change: Callable[[], None] | None = None):
        self.api, self.runner = api, runner
        self.on_change = on_change or (lambda: None)
        self.sha: str | None = None
        self.name: Bilingual = ("", "")
        self.pages = 0
        self.page = 0  # from 1; 0 until the page count is known
        self.image: bytes | None = None  # the current page as PNG
        self.loading = False
        self.error: Bilingual | None = None

    @property
    def is_open(self) -> bool:
        return self.sha is not None

    def open(self, sha: str, name: Bilingual) -> None:
        self.sha, self.name = sha, name
        self.pages, self.page, self.image, self.error, self.loading = 0, 0, None, None, True
        self.on_change()
        self.runner(lambda: self.api.sample_pages(sha), lambda answer: self._counted(sha, answer), self._failed(sha))

    def close(self) -> None:
        self.sha, self.name = None, ("", "")
        self.pages, self.page, self.image, self.error, self.loading = 0, 0, None, None, False
        self.on_change()

    def next_page(self) -> None:
        if self.can_next:
            self._show(self.page + 1)

    def previous_page(self) -> None:
        if self.can_previous:
            self._show(self.page - 1)

    @property
    def can_next(self) -> bool:
        return self.is_open and 0 < self.page < self.pages

    @property
    def can_previous(self) -> bool:
        return self.is_open and self.page > 1

    def page_label(self, language: str = "zh") -> Bilingual:
        """ "第 2 / 3 页 · Page 2 of 3", a loading line, or why the page cannot be shown."""
        if self.error:
            return ordered(self.error, language)
        if self.loading or not self.pages:
            return ordered(LOADING_PAGE, language)
        return ordered((f"第 {self.page} / {self.pages} 页", f"Page {self.page} of {self.pages}"), language)

    # ---- answers ---------------------------------------------------------------------------------

    def _counted(self, sha: str, answer: Mapping[str, Any]) -> None:
        if sha != self.sha:
            return  # closed, or another sample opened, before the answer came
        self.pages = int(answer.get("pages", 0))
        if self.pages < 1:
            self.loading = False
            self.error = ("这份样表暂时无法显示，请向窗口索取。", "This sample form cannot be shown; ask at a window.")
            self.on_change()
            return
        self._show(1)

    def _show(self, page: int) -> None:
        sha = self.sha
        if sha is None:
            return
        self.page, self.loading, self.error = page, True, None
        self.on_change()
        self.runner(
            lambda: self.api.sample_page(sha, page), lambda data: self._page_loaded(sha, page, data), self._failed(sha)
        )

    def _page_loaded(self, sha: str, page: int, data: bytes) -> None:
        if sha != self.sha or page != self.page:
            return  # the citizen has turned the page again (or closed the viewer) meanwhile
        self.image, self.loading = data, False
        self.on_change()

    def _failed(self, sha: str) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:
            if sha != self.sha:
                return
            self.loading, self.image = False, None
            self.error = error_text(exc)
            self.on_change()

        return failed
