"""Small halls for tests: a dict in the TOML's shape, and helpers around it."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from core.config import HallConfig
from hallfile import load_hall

SHANGHAI = ZoneInfo("Asia/Shanghai")

BASE: dict[str, Any] = {
    "hall": {
        "name": "测试镇便民服务中心",
        "name_en": "Test Town Service Center",
        "timezone": "Asia/Shanghai",
        "hours": [{"start": "08:30", "end": "11:30"}, {"start": "14:30", "end": "17:30"}],
        "enforce_hours": False,
        "consult_phone": "0571-88880000",
    },
    "services": [
        {"code": "HJ", "name": "户籍业务", "name_en": "Household registration", "prefix": "A"},
        {"code": "SB", "name": "社保业务", "name_en": "Social insurance", "prefix": "B"},
        {"code": "YB", "name": "医保业务", "name_en": "Medical insurance", "prefix": "C"},
    ],
    "items": [
        {
            "code": "HJ-01",
            "service": "HJ",
            "name": "户口迁入",
            "case_type": "promised",
            "time_limit_days": 5,
            "fees": "不收费",
            "legal_basis": "《中华人民共和国户口登记条例》第十三条",
            "procedure": ["提交材料", "审核", "办结"],
            "materials": [{"name": "居民户口簿", "copies": "原件1份"}, "居民身份证", {"name": "准予迁入证明"}],
        },
        {
            "code": "SB-01",
            "service": "SB",
            "name": "社保卡补办",
            "case_type": "immediate",
            "time_limit_days": 0,
            "fees": "不收费",
            "legal_basis": "《中华人民共和国社会保险法》",
            "materials": ["居民身份证"],
        },
    ],
    "windows": [
        {"number": 1, "name": "户籍窗口", "services": ["HJ"], "staff_a": "1001", "staff_b": "1101"},
        {"number": 2, "name": "社保医保窗口", "services": [["SB", "YB"]], "staff_a": "1002"},
        {"number": 3, "name": "综合窗口", "services": ["YB", "SB", "HJ"], "staff_a": "1003"},
    ],
    "staff": [
        {"code": "1001", "name": "张敏", "role": "clerk", "pin": "1234"},
        {"code": "1101", "name": "李强", "role": "clerk", "pin": "1234"},
        {"code": "1002", "name": "王芳", "role": "clerk", "pin": "1234"},
        {"code": "1003", "name": "赵磊", "role": "clerk", "pin": "1234"},
        {"code": "9001", "name": "陈主任", "role": "manager", "pin": "1234"},
    ],
    "calendar": {"holidays": ["2027-01-01"], "workdays": []},
    # tests talk to the server from its own machine; the device tests turn this off
    "devices": {"pairing_required": True, "trust_loopback": True},
}


def hall_dict(**sections: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    return data


def make_config(**sections: Any) -> HallConfig:
    return load_hall(hall_dict(**sections))


def at(hour: int, minute: int = 0, day: dt.date = dt.date(2026, 11, 23), second: int = 0) -> dt.datetime:
    """An aware datetime in the hall's local time (Monday 2026-11-23 by default)."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI)
