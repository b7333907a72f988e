"""The JSON shapes the API answers with, built in one place so the server and the in-memory fake agree."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from core.cases import CASE_TYPE_LIST
from core.config import HallConfig, Item
from core.hall import Hall
from core.ratings import LEVELS


def service_rows(hall: Hall, now: dt.datetime) -> list[dict[str, Any]]:
    counts = hall.waiting_counts()
    return [
        {
            "code": s.code,
            "name": s.name,
            "name_en": s.name_en,
            "prefix": s.prefix,
            "description": s.description,
            "waiting": counts.get(s.code, 0),
            "open": hall.is_service_open(s.code, now),
            "staffed": hall.is_staffed(s.code),  # False: "暂无窗口办理", no estimate
            "estimated_wait_s": hall.estimated_wait_s(s.code, counts.get(s.code, 0)) if hall.is_staffed(s.code) else 0,
            "items": len(hall.config.items_of(s.code)),
        }
        for s in hall.config.services
    ]


def item_view(item: Item) -> dict[str, Any]:
    """An item's complete guide; the ``*_en`` fields are the hall file's English ("" or [] where it gives none)."""
    listed: dict[str, Any] = _as_json(asdict(item))  # the same shapes in process as over HTTP (lists, not tuples)
    return listed


def _as_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_json(v) for v in value]
    return value


def hall_state(hall: Hall, now: dt.datetime, last_event_id: int) -> dict[str, Any]:
    config = hall.config
    return {
        "name": config.name,
        "name_en": config.name_en,
        "notice": config.notice,
        "consult_phone": config.consult_phone,
        "supervise_phone": config.supervise_phone,
        "green_channel": list(config.green_channel),
        "green_channel_en": list(config.green_channel_en),
        "kiosk_idle_s": config.kiosk_idle_s,
        "timezone": config.timezone,  # screens show the hall's time, not their PC's
        "day": hall.day.isoformat(),
        "now": now.isoformat(),
        "last_event_id": last_event_id,
        "waiting": hall.waiting_counts(),
        "services": [
            {
                "code": s.code,
                "name": s.name,
                "name_en": s.name_en,
                "prefix": s.prefix,
                "open": hall.is_service_open(s.code, now),
            }
            for s in config.services
        ],
        "windows": [hall.window_view(w.number) for w in config.windows],
    }


def rating_levels(config: HallConfig) -> dict[str, Any]:
    levels = [{"score": s, "zh": zh, "en": en, "bad": s <= 2} for s, (zh, en) in sorted(LEVELS.items(), reverse=True)]
    reasons = list(config.ratings.bad_reasons)
    english = list(config.ratings.bad_reasons_en)
    return {
        "levels": levels,
        "bad_reasons": reasons,
        "bad_reasons_en": [english[i] if i < len(english) else "" for i in range(len(reasons))],  # "": no English
        "timeout_s": config.ratings.timeout_s,
    }


def case_types() -> list[dict[str, Any]]:
    return [asdict(c) for c in CASE_TYPE_LIST]


def window_detail(hall: Hall, window: int) -> dict[str, Any]:
    """What the clerk at a window sees, less the figures that come from history (today, referred)."""
    view = hall.window_view(window)
    current = hall.tickets.get(view["current"]) if view["current"] else None
    counts = hall.waiting_counts()
    return {
        "window": view,
        "current": current,
        "next": hall.next_numbers(window, 5),
        "suspended": hall.suspended_at(window),
        "waiting": {s: counts.get(s, 0) for s in view["services"]},
        "day": hall.day.isoformat(),
    }
