"""`hallq caller --server URL --window N [--printer SPEC] [--slips DIR] [--config FILE]`: the clerk's window app."""

from __future__ import annotations

from pathlib import Path

import click

from appkit.boot import parse_size
from appkit.pairing import device_options, device_token
from core.calendar import WorkCalendar
from hardware.printer_options import open_printer, printer_options


@click.command("caller")
@click.option("--server", required=True, help="The hall server, e.g. http://127.0.0.1:8080")
@click.option("--window", "window", required=True, type=click.IntRange(min=1), help="This window's number.")
@printer_options
@click.option(
    "--slips",
    default="slips",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for slip files when there is no printer.",
)
@click.option("--slip-format", default="pdf", show_default=True, type=click.Choice(["pdf", "png"]))
@click.option("--size", default="1280x800", show_default=True, help="Window size WIDTHxHEIGHT.")
@click.option(
    "--config",
    "config_file",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="The hall's TOML: its own holidays and make-up workdays count in the ledger's working days left "
    "(without it: the State Council calendar and weekends).",
)
@device_options
def command(
    server: str,
    window: int,
    printer_spec: str,
    paper: str,
    print_mode: str,
    slips: str,
    slip_format: str,
    size: str,
    config_file: str | None,
    pair_code: str | None,
    device_file: str | None,
) -> None:
    """The clerk's window (呼叫器): sign in, call, finish cases, print notice slips."""
    from appkit.boot import prepare_kivy
    from caller.slips import SlipOutput

    try:
        width, height = parse_size(size)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--size") from None
    calendar = _calendar(config_file)
    output = SlipOutput(open_printer(printer_spec, paper, print_mode), Path(slips), slip_format)
    prepare_kivy(size=(width, height))

    from caller.app import CallerApp
    from client.api import HttpHallApi

    token = device_token(server, "caller", pair_code, device_file)
    CallerApp(HttpHallApi(server, device_token=token), window, output, calendar=calendar).run()


def _calendar(config_file: str | None) -> WorkCalendar:
    from caller.ledger import hall_calendar
    from hallfile import ConfigError, load_hall

    if config_file is None:
        return hall_calendar()
    try:
        return hall_calendar(load_hall(config_file))
    except ConfigError as exc:
        problems = "\n".join([f"配置文件有误 / The hall configuration has problems ({config_file}):", *exc.problems])
        raise click.BadParameter(problems, param_hint="--config") from None
