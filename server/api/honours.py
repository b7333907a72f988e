"""The honour roll (光荣榜) for the hall display: the window holding the red flag (流动红旗) this month and the latest
published model windows and clerks (优质服务窗口 / 优秀服务标兵). Public, like /hall: names shown in the hall.

    GET /api/v1/honours → {"shows": ["windows", "staff", "red_flag"],      # what the hall chose to show
                           "display": {"mode": "rotate" | "panel" | "off", "every_s": 180, "show_s": 20,
                                       "refresh_s": 600},                # how the display shows it ([awards])
                           "red_flag": {"month": "2026-10", "windows": [{"number": 3, "name": "3号 综合窗口"}],
                                        "score": 100, "rule": "…"} | null,
                           "period": "2026-Q3" | null, "window_title": "优质服务窗口", "staff_title": "优秀服务标兵",
                           "windows": [{"number": 3, "name": "综合窗口"}],
                           "staff": [{"name": "张敏", "window": "1号 户籍窗口", "title": "…"}]}

The display (display/presenter.py) shows "光荣榜" with the red-flag window(s) under "流动红旗 · {month}" and the
period's windows and clerks under their titles — in place of the calls now and then ("rotate") or in its side column
("panel") — and the window holding the red flag shows the hall's `led_red_flag` text on its LED sign when idle.
No score and no personal data: a public screen shows names and titles only.
"""

from __future__ import annotations

from flask import Response, current_app, jsonify

from server.api import blueprint, route

bp = blueprint("honours")


@route(bp, "/honours", "GET", "The honour roll: the red-flag window and the latest model windows and clerks")
def honours() -> Response:
    people = current_app.extensions["hallq.people"]
    return jsonify(people.honours())
