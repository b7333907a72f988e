"""`hallq display --server URL [--config FILE] [--signs FILE] [--voice live|wav:DIR|off] ...`: the hall screen."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import click

from appkit.pairing import device_options
from appkit.pairing import device_token as token_for
from core.config import Announce, HallConfig
from display.signs import (
    SignTexts,
    WindowSign,
    align_loopback_baudrates,
    signs_from_hall,
    unknown_windows,
)
from display.voice import VoiceOptionError, default_announce, parse_languages, parse_voice_spec, with_overrides
from hallfile import ConfigError, load_hall, load_signs


class DisplaySetupError(Exception):
    """A start-up problem, as lines for the person starting the display."""


@dataclass(frozen=True)
class DisplaySetup:
    """Everything the options decide, before any device is opened."""

    server: str
    hall: HallConfig | None
    announce: Announce
    signs: list[WindowSign]
    sign_texts: SignTexts
    voice: str
    max_pending: int | None
    max_age_s: float | None
    warnings: tuple[str, ...]


def resolve_setup(
    server: str,
    config: str | None = None,
    signs_file: str | None = None,
    voice: str = "live",
    languages: str | None = None,
    repeat: int | None = None,
    max_pending: int = 4,
    max_age_s: float = 45.0,
    no_signs: bool = False,
) -> DisplaySetup:
    """Read and check the options; raises DisplaySetupError with every problem."""
    if not server.startswith(("http://", "https://")):
        raise DisplaySetupError(
            f"--server 应为 http://主机:端口 / --server must look like http://host:port, got {server!r}"
        )
    hall = _load_hall(config) if config else None
    announce = hall.announce if hall else default_announce()
    try:
        parse_voice_spec(voice)
        langs = parse_languages(languages, announce.voice) if languages else None
        announce = with_overrides(announce, langs, repeat)
    except VoiceOptionError as exc:
        raise DisplaySetupError(str(exc)) from None
    signs: list[WindowSign] = []
    warnings: list[str] = []
    if signs_file and not no_signs:
        try:
            signs = load_signs(signs_file)
        except ConfigError as exc:
            raise DisplaySetupError("\n".join(exc.problems)) from None
        for window in unknown_windows(signs, hall):
            warnings.append(
                f"显示屏配置中的 {window} 号窗口不在大厅配置中 / window {window} of the signs file is not in the hall"
            )
    elif hall is not None and not no_signs:
        signs = signs_from_hall(hall)
    return DisplaySetup(
        server=server.rstrip("/"),
        hall=hall,
        announce=announce,
        signs=align_loopback_baudrates(signs),
        sign_texts=SignTexts.from_announce(announce),
        voice=voice,
        max_pending=max_pending if max_pending > 0 else None,
        max_age_s=max_age_s if max_age_s > 0 else None,
        warnings=tuple(warnings),
    )


def _load_hall(config: str) -> HallConfig:
    try:
        return load_hall(config)
    except ConfigError as exc:
        raise DisplaySetupError(
            "\n".join([f"配置文件有误 / The hall configuration has problems ({config}):", *exc.problems])
        ) from None


def run_display(
    setup: DisplaySetup, fullscreen: bool = False, headless: bool | None = None, device_token: str | None = None
) -> None:
    """Open the devices, start the Kivy app, close everything when it ends."""
    from appkit.boot import prepare_kivy

    prepare_kivy(headless=headless, size=(1920, 1080))

    from client.api import HttpHallApi
    from display.app import DisplayApp
    from display.presenter import DisplayPresenter
    from display.voice import make_announcer, parse_voice_spec
    from hardware.led import SignBoard

    board = SignBoard(setup.signs) if setup.signs else None
    announcer = make_announcer(
        parse_voice_spec(setup.voice), setup.announce, max_pending=setup.max_pending, max_age_s=setup.max_age_s
    )
    api = HttpHallApi(setup.server, device_token=device_token)

    def make_presenter(runner: Any, on_change: Any) -> DisplayPresenter:
        return DisplayPresenter(
            api,
            signs=board,
            voice=announcer,
            sign_texts=setup.sign_texts,
            tz=setup.hall.tz if setup.hall else None,
            runner=runner,
            on_change=on_change,
            extra_warnings=setup.warnings,
        )

    closers = [c for c in (board, announcer) if c is not None]
    DisplayApp(make_presenter, closers=closers, fullscreen=fullscreen).run()


@click.command("display")
@click.option("--server", required=True, help="The hall server, e.g. http://192.168.1.10:8080")
@click.option("--config", type=click.Path(dir_okay=False), help="Hall TOML: sign tables and announce templates.")
@click.option("--signs", "signs_file", type=click.Path(dir_okay=False), help="Local signs file ([[sign]] tables).")
@click.option("--no-signs", is_flag=True, help="Drive no LED signs from this PC.")
@click.option("--voice", default="live", show_default=True, help="live | wav:FOLDER | off")
@click.option("--languages", help="Languages spoken, in order, e.g. zh or zh,en (default: the hall's).")
@click.option("--repeat", type=int, help="Times each call is spoken, 1–5 (default: the hall's, usually 2).")
@click.option("--max-pending", default=4, show_default=True, type=int, help="Calls waiting to be spoken; older drop.")
@click.option(
    "--max-age",
    "max_age_s",
    default=45.0,
    show_default=True,
    type=float,
    help="Seconds before a queued call is dropped.",
)
@click.option("--fullscreen", is_flag=True, help="Fill the screen (a hall TV).")
@device_options
def command(
    server: str,
    config: str | None,
    signs_file: str | None,
    no_signs: bool,
    voice: str,
    languages: str | None,
    repeat: int | None,
    max_pending: int,
    max_age_s: float,
    fullscreen: bool,
    pair_code: str | None,
    device_file: str | None,
) -> None:
    """The hall display (综合屏): calls, windows, waiting counts; voice and LED window signs."""
    try:
        setup = resolve_setup(server, config, signs_file, voice, languages, repeat, max_pending, max_age_s, no_signs)
    except DisplaySetupError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    try:
        run_display(setup, fullscreen=fullscreen, device_token=token_for(server, "display", pair_code, device_file))
    except ValueError as exc:  # e.g. two signs of one port at different baud rates
        click.echo(f"显示屏配置有误 / The sign configuration has problems:\n{exc}", err=True)
        sys.exit(2)
