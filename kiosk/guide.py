"""An item's complete guide (一次性告知) as the kiosk shows it, in the citizen's language, without Kivy.

The hall file may give English for every part of a guide (``fees_en``, ``procedure_en``, a material's
``name_en`` …); where it gives none, the Chinese is shown — never an empty line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.common import Bilingual, ordered


@dataclass(frozen=True)
class GuideLine:
    """One entry of a section: ``number`` ("1.") hangs left of ``text``; ``note`` sits indented under it."""

    text: str
    note: str = ""
    number: str = ""


Section = tuple[Bilingual, list[GuideLine]]  # (heading in the language's order, entries)


def english_or_chinese(english: Any, chinese: Any) -> str:
    """The English where the hall file gives it, else the Chinese."""
    return str(english).strip() if isinstance(english, str) and english.strip() else str(chinese or "")


def _line_of(english: Sequence[Any], chinese: Sequence[Any], index: int, language: str) -> str:
    if language == "en" and index < len(english):
        return english_or_chinese(english[index], chinese[index])
    return str(chinese[index])


def material_lines(item: Mapping[str, Any], language: str) -> list[GuideLine]:
    lines = []
    for index, m in enumerate(item.get("materials", []), start=1):
        if language == "en":
            name = english_or_chinese(m.get("name_en"), m.get("name"))
            copies = english_or_chinese(m.get("copies_en"), m.get("copies"))
            note = english_or_chinese(m.get("note_en"), m.get("note")) if m.get("note") else ""
            lines.append(GuideLine(f"{name} ({copies})" if copies else name, note, f"{index}."))
        else:
            copies = f"（{m['copies']}）" if m.get("copies") else ""
            lines.append(GuideLine(f"{m.get('name', '')}{copies}", m.get("note") or "", f"{index}."))
    return lines


def guide_sections(item: Mapping[str, Any], language: str = "zh") -> list[Section]:
    """The complete guide as (heading, lines) sections, materials first; English where given when language is "en"."""
    en = language == "en"
    limit = item.get("time_limit_days", 0)
    legal = item.get("legal_limit_days")
    if en:
        limit_text = "Done on the spot" if not limit else f"{limit} working days"
        limit_text += f" (legal limit {legal} days)" if legal else ""
        fees = english_or_chinese(item.get("fees_en"), item.get("fees")) or "Free"
        basis = english_or_chinese(item.get("legal_basis_en"), item.get("legal_basis")) or "—"
        conditions = english_or_chinese(item.get("conditions_en"), item.get("conditions"))
        nothing: GuideLine = GuideLine("Nothing to bring")
    else:
        limit_text = "当场办结 / Done on the spot" if not limit else f"{limit} 个工作日 / {limit} working days"
        limit_text += f"（法定时限 {legal} 日 / legal limit {legal} days）" if legal else ""
        fees = item.get("fees") or "不收费 / Free"
        basis = item.get("legal_basis") or "—"
        conditions = item.get("conditions") or ""
        nothing = GuideLine("无需材料 / Nothing to bring")
    steps = list(item.get("procedure", []))
    steps_en = list(item.get("procedure_en", []))
    procedure = [GuideLine(_line_of(steps_en, steps, i, language), number=f"{i + 1}.") for i in range(len(steps))]
    sections: list[Section] = [
        (
            ordered(("所需材料（请全部带齐）", "What to bring — every material"), language),
            material_lines(item, language) or [nothing],
        ),
        (ordered(("办理时限", "Time limit"), language), [GuideLine(limit_text)]),
        (ordered(("收费标准", "Fees"), language), [GuideLine(fees)]),
        (ordered(("办理依据", "Legal basis"), language), [GuideLine(basis)]),
        (ordered(("办理流程", "Procedure"), language), procedure or [GuideLine("—")]),
    ]
    if conditions:
        sections.append((ordered(("受理条件", "Conditions"), language), [GuideLine(conditions)]))
    forms = list(item.get("sample_forms", []))
    if forms:
        forms_en = list(item.get("sample_forms_en", []))
        names = [_line_of(forms_en, forms, i, language) for i in range(len(forms))]
        text = (
            "; ".join(names) + " (ask at the window)"
            if en
            else "、".join(names) + "（可向窗口索取 / ask at the window）"
        )
        sections.append((ordered(("样表范本", "Sample forms"), language), [GuideLine(text)]))
    if item.get("consult_phone"):
        sections.append((ordered(("咨询电话", "Enquiries"), language), [GuideLine(str(item["consult_phone"]))]))
    return sections
