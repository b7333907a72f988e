"""Masking personal data (个人信息保护法; GB/T 35273): one way, wherever a name, phone or ID is shown or printed."""

from __future__ import annotations

import re
from typing import Any


def _mask(value: str, keep_head: int, keep_tail: int) -> str:
    value = re.sub(r"[\s-]", "", value)
    if len(value) <= keep_head + keep_tail:
        return "*" * len(value)  # too short to show any of it safely
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[len(value) - keep_tail :]


def mask_phone(phone: str) -> str:
    """13812348000 → 138****8000."""
    return _mask(phone, 3, 4)


def mask_id(id_number: str) -> str:
    """110105199001010123 → 110105********0123."""
    return _mask(id_number, 6, 4)


def mask_name(name: str) -> str:
    """张三丰 → 张**."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


_ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])|(?<![0-9])[0-9]{15}(?![0-9])")
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def mask_numbers_in_text(text: str) -> str:
    """Mask ID and mobile numbers a clerk may have typed into free text."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id(m.group()), text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)


# What a public screen, stream or page may show of a ticket: where it is and where to go, nothing about the person
# (no notes, no priority reason, no booking code, no clerk's notes on a transfer).
PUBLIC_TICKET_FIELDS = (
    "id",
    "number",
    "service",
    "service_name",
    "service_name_en",
    "day",
    "seq",
    "issued_at",
    "status",
    "priority",
    "item",
    "queued_at",
    "target_window",
    "window",
    "called_at",
    "started_at",
    "finished_at",
    "recalls",
    "suspended_by",
    "reinstated",
    "ahead",
    "estimated_wait_s",
)
PUBLIC_REFERRAL_FIELDS = ("from_window", "to_service", "to_window", "at")


def public_ticket(ticket: dict[str, Any]) -> dict[str, Any]:
    data = {k: ticket[k] for k in PUBLIC_TICKET_FIELDS if k in ticket}
    data["referrals"] = [{k: r.get(k) for k in PUBLIC_REFERRAL_FIELDS} for r in ticket.get("referrals") or []]
    return data


def public_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """An event as the public stream carries it: tickets without personal details, no case records."""
    data = {k: v for k, v in payload.items() if k != "case"}
    if isinstance(data.get("ticket"), dict):
        data["ticket"] = public_ticket(data["ticket"])
    return data
