"""From the month's close to the hall display, over a real server thread: the closed month's red-flag window is on
the display's honour roll (GET /api/v1/honours through client.api.HttpHallApi) and its LED sign, when idle, shows
the hall's red-flag text; the answer carries names and the hall's display settings, no score line, nothing
personal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from client.api import HttpHallApi
from client.events import wait_until
from display.presenter import DisplayPresenter
from display.signs import SignTexts
from hardware.led import SignStatus
from tests.browser import serve
from tests.people.test_people_pages import a_month, at


class RecordingSigns:
    """What the presenter needs of a sign board: the last text each window's sign was told."""

    def __init__(self, windows: tuple[int, ...]) -> None:
        self.windows = windows
        self.last: dict[int, str] = {}

    def show(self, window: int, text: str) -> bool:
        self.last[window] = text
        return True

    def statuses(self) -> dict[int, SignStatus]:
        return {}


def test_the_closed_months_red_flag_reaches_the_display_and_its_window_sign(app, clock, console) -> None:
    clock.now = at(dt.date(2026, 11, 30), 17, 45)
    a_month(app, clock)
    clock.now = at(dt.date(2026, 12, 4), 9)
    manager = console("manager")
    assert "流动红旗：1号" in manager.flash(manager.post("/console/people/scores/close", {"month": "2026-11"}))
    service = app.extensions["hallq"]
    with serve(app) as url:
        answer: dict[str, Any] = HttpHallApi(url).honours()
        assert answer["display"] == {"mode": "rotate", "every_s": 180, "show_s": 20, "refresh_s": 600}
        assert answer["red_flag"]["windows"] == [{"number": 1, "name": "1号 户籍窗口"}]
        assert "lines" not in str(answer) and "1002" not in str(answer)  # no score lines, no staff numbers
        signs = RecordingSigns((1, 2, 3))
        presenter = DisplayPresenter(
            HttpHallApi(url), signs=signs, sign_texts=SignTexts.from_announce(service.config.announce)
        )
        presenter.start()
        try:
            assert wait_until(lambda: presenter.view().connected, 10)
            roll = presenter.view().honours
            assert roll is not None and roll.red_flag == ("1号 户籍窗口",) and roll.red_flag_month == "2026年11月"
            HttpHallApi(url).login("1001", "1234", 1)
            HttpHallApi(url).login("1002", "1234", 2)
            assert wait_until(lambda: signs.last.get(1) == "流动红旗 1号窗口" and signs.last.get(2) == "2号窗口", 10)
        finally:
            presenter.stop()
