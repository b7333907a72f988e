"""The display's options: signs file, voice spec, languages/repeat overrides, and what `hallq display` checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from assets import DEMO_HALL
from core.config import SignConfig
from display.cli import DisplaySetupError, command, resolve_setup
from display.signs import SignTexts
from display.voice import VoiceOptionError, VoiceSpec, parse_languages, parse_voice_spec
from hallfile import ConfigError, load_signs

GOOD = """
[[sign]]
window = 3
port = "/dev/ttyUSB0"
protocol = "bx"
address = 3
baudrate = 57600

[[sign]]
window = 10
port = "socket://10.0.0.7:4001"
protocol = "text"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "signs.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_signs_file_gives_each_window_its_sign(tmp_path) -> None:
    assert load_signs(write(tmp_path, GOOD)) == [
        (3, SignConfig("/dev/ttyUSB0", "bx", 3, 57600)),
        (10, SignConfig("socket://10.0.0.7:4001", "text", 1, 57600)),
    ]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ('window = 3\nprotocol = "bx"', "port"),
        ('window = 0\nport = "loop://"', "window"),
        ('port = "loop://"', "window"),
        ('window = 3\nport = "loop://"\nprotocol = "alpha"', "protocol"),
        ('window = 3\nport = "loop://"\naddress = "3"', "address"),
        ('window = 3\nport = "loop://"\nbaudrate = true', "baudrate"),
        ('window = 3\nport = "loop://"\nbaud = 9600', "baud"),
    ],
)
def test_a_bad_sign_row_is_named_in_both_languages(tmp_path, row, problem) -> None:
    with pytest.raises(ConfigError) as caught:
        load_signs(write(tmp_path, f"[[sign]]\n{row}\n"))
    [message] = caught.value.problems
    assert f"sign[0].{problem}" in message and " / " in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "[[sign]]"),
        ("[[sign]\n", "TOML"),
        ('[[sign]]\nwindow = 3\nport = "a"\n[[sign]]\nwindow = 3\nport = "b"\n', "window 3 has two signs"),
        ('[[sign]]\nwindow = 3\nport = "a"\n[[sign]]\nwindow = 4\nport = "a"\n', "share address 1"),
    ],
)
def test_a_bad_signs_file_is_explained(tmp_path, text, fragment) -> None:
    with pytest.raises(ConfigError, match=fragment.replace("[", r"\[")):
        load_signs(write(tmp_path, text))


def test_missing_signs_file_is_explained(tmp_path) -> None:
    with pytest.raises(ConfigError, match="找不到显示屏配置文件"):
        load_signs(tmp_path / "nope.toml")


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        load_signs({"sign": [{"window": 1}, {"port": "x"}, "oops"]})
    assert len(caught.value.problems) == 3


@pytest.mark.parametrize(
    ("view", "text"),
    [
        ({"number": 3, "status": "open", "current_number": "A001", "current_status": "called"}, "请A001号"),
        ({"number": 3, "status": "open", "current_number": "A001", "current_status": "serving"}, "请A001号"),
        ({"number": 3, "status": "open", "current_number": "A001", "current_status": "suspended"}, "3号窗口"),
        ({"number": 3, "status": "paused", "current_number": None}, "暂停服务"),
        ({"number": 3, "status": "open", "current_number": None}, "3号窗口"),
        ({"number": 12, "status": "closed"}, "暂停服务"),  # nobody signed in: not "12号窗口" as if open
    ],
)
def test_default_sign_texts_follow_the_window(view, text) -> None:
    assert SignTexts().text_for(view) == text


@pytest.mark.parametrize(
    ("given", "spec"),
    [("live", VoiceSpec("live")), ("off", VoiceSpec("off")), ("wav:/tmp/calls", VoiceSpec("wav", Path("/tmp/calls")))],
)
def test_voice_spec_is_parsed(given, spec) -> None:
    assert parse_voice_spec(given) == spec


@pytest.mark.parametrize("given", ["", "wav:", "speaker", "wav"])
def test_bad_voice_spec_is_explained(given) -> None:
    with pytest.raises(VoiceOptionError, match="--voice"):
        parse_voice_spec(given)


def test_languages_need_a_template() -> None:
    assert parse_languages("zh, en", {"zh": "", "en": ""}) == ("zh", "en")
    with pytest.raises(VoiceOptionError, match="yue"):
        parse_languages("zh,yue", {"zh": "", "en": ""})


def test_setup_from_the_demo_hall_takes_its_signs_and_templates() -> None:
    setup = resolve_setup("http://127.0.0.1:8080/", str(DEMO_HALL), languages="zh,en", repeat=3)
    assert [window for window, _ in setup.signs] == list(range(1, 11))
    assert {sign.baudrate for _, sign in setup.signs} == {57600}  # loop:// signs share one bus
    assert setup.announce.languages == ("zh", "en") and setup.announce.repeat == 3
    assert setup.server == "http://127.0.0.1:8080"


def test_setup_without_config_uses_the_default_templates(tmp_path) -> None:
    setup = resolve_setup("http://hall:8080", signs_file=str(write(tmp_path, GOOD)))
    assert setup.sign_texts == SignTexts("请{number}号", "暂停服务", "{window}号窗口")
    assert setup.announce.repeat == 2 and setup.announce.languages == ("zh",)
    assert [window for window, _ in setup.signs] == [3, 10]


def test_signs_file_window_unknown_to_the_hall_is_a_warning(tmp_path) -> None:
    path = write(tmp_path, '[[sign]]\nwindow = 42\nport = "loop://"\n')
    setup = resolve_setup("http://hall:8080", str(DEMO_HALL), str(path))
    assert any("42" in warning for warning in setup.warnings)


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (["--server", "hall:8080"], "--server"),
        (["--server", "http://h", "--repeat", "9"], "--repeat"),
        (["--server", "http://h", "--voice", "loud"], "--voice"),
        (["--server", "http://h", "--languages", "fr"], "fr"),
        (["--server", "http://h", "--signs", "/nonexistent/signs.toml"], "找不到"),
    ],
)
def test_command_refuses_bad_options_with_a_sentence(options, fragment) -> None:
    result = CliRunner().invoke(command, options)
    assert result.exit_code == 2
    assert fragment in result.output


def test_bad_hall_config_is_a_setup_error(tmp_path) -> None:
    bad = tmp_path / "hall.toml"
    bad.write_text("[hall]\n", encoding="utf-8")
    with pytest.raises(DisplaySetupError, match="配置文件有误"):
        resolve_setup("http://h", str(bad))


def test_signs_file_takes_an_optional_size(tmp_path):
    path = tmp_path / "signs.toml"
    path.write_text(
        '[[sign]]\nwindow = 3\nport = "loop://"\nwidth = 96\nheight = 16\n\n[[sign]]\nwindow = 4\nport = "loop://"\naddress = 2\n',
        encoding="utf-8",
    )
    signs = dict(load_signs(path))
    assert (signs[3].width, signs[3].height) == (96, 16)
    assert signs[4].width is None
