"""The hall file's optional English reaches the JSON the apps read (item guides, bad-rating reasons)."""

from __future__ import annotations

from assets import DEMO_HALL
from core.views import item_view, rating_levels
from hallfile import load_hall
from tests.factories import hall_dict


def test_an_items_json_carries_the_english_of_its_guide_beside_the_chinese() -> None:
    hall = load_hall(DEMO_HALL)
    view = item_view(hall.item("HJ01"))  # type: ignore[arg-type]
    assert view["name"] == "出生登记" and view["name_en"] == "Birth Registration"  # existing keys stay
    assert view["fees"] == "不收费" and view["fees_en"] == "Free of charge"
    assert view["legal_basis_en"].startswith("Regulations of the PRC on Household Registration")
    assert len(view["procedure_en"]) == len(view["procedure"]) == 5 and isinstance(view["procedure_en"], list)
    material = view["materials"][0]
    assert material["name"] == "《出生医学证明》" and material["copies"] == "原件1份"
    assert material["name_en"] == "Medical Certificate of Birth" and material["copies_en"] == "1 original"
    assert material["note_en"].startswith("Issued by the hospital")
    assert view["sample_forms_en"] == ["Birth Registration Form (filled-in sample)"]


def test_an_item_without_english_says_so_with_empty_fields() -> None:
    view = item_view(load_hall(hall_dict()).item("HJ-01"))  # type: ignore[arg-type]
    assert view["fees_en"] == "" and view["procedure_en"] == [] and view["materials"][0]["name_en"] == ""


def test_rating_levels_carry_the_reasons_in_english_one_for_each() -> None:
    levels = rating_levels(load_hall(DEMO_HALL))
    assert levels["bad_reasons"][0] == "等候时间过长" and levels["bad_reasons_en"][0] == "Waited too long"
    assert len(levels["bad_reasons_en"]) == len(levels["bad_reasons"])
    partial = load_hall(hall_dict(ratings={"bad_reasons": ["慢", "其他"], "bad_reasons_en": []}))
    assert rating_levels(partial)["bad_reasons_en"] == ["", ""]  # no English: the pad shows the Chinese alone
