import pytest

from core.announce import cardinal_zh, sign_text, spell_ticket, voice_text


@pytest.mark.parametrize(
    "number, spoken",
    [("A001", "A 零 零 一"), ("A105", "A 一 零 五"), ("HJ010", "H J 零 一 零")],
)
def test_ticket_digits_are_read_one_by_one(number, spoken):
    assert spell_ticket(number) == spoken


@pytest.mark.parametrize(
    "n, zh",
    [
        (1, "一"),
        (3, "三"),
        (10, "十"),
        (12, "十二"),
        (20, "二十"),
        (35, "三十五"),
        (105, "一百零五"),
        (120, "一百二十"),
    ],
)
def test_window_number_is_read_as_a_number(n, zh):
    assert cardinal_zh(n) == zh


def test_voice_text_follows_the_template():
    assert voice_text("请{number}号到{window}号窗口办理", "A105", 12) == "请 A 一 零 五 号到 十二 号窗口办理"
    assert voice_text("Number {number}, please go to window {window}", "A105", 12, "en") == (
        "Number A one zero five, please go to window 12"
    )


def test_sign_text_keeps_plain_number():
    assert sign_text("请{number}号", "A001") == "请A001号"
    assert sign_text("{window}号窗口", window=3) == "3号窗口"
