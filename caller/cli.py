"""`hallq caller --server URL --window N [--printer SPEC] [--slips DIR]`: the clerk's window app."""

from __future__ import annotations

from pathlib import Path

import click


def make_slip_output(printer: str | None, slips: str, slip_format: str, paper: int, print_mode: str) -> object:
    """A SlipOutput printing on SPEC, or writing files into `slips` when there is no printer."""
    from caller.slips import SlipOutput
    from hardware.printer import PrintOptions, PrintWorker, make_printer

    device = make_printer(printer, PrintOptions(paper_mm=paper, mode=print_mode)) if printer else None  # type: ignore[arg-type]
    return SlipOutput(PrintWorker(device) if device else None, Path(slips), slip_format)


@click.command("caller")
@click.option("--server", required=True, help="The hall server, e.g. http://127.0.0.1:8080")
@click.option("--window", "window", required=True, type=click.IntRange(min=1), help="This window's number.")
@click.option("--printer", default=None, help="Thermal printer spec (usb:VID:PID, serial:PORT, net:HOST, file:PATH).")
@click.option(
    "--slips",
    default="slips",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for slip files when there is no printer.",
)
@click.option("--slip-format", default="pdf", show_default=True, type=click.Choice(["pdf", "png"]))
@click.option("--paper", default=80, show_default=True, type=click.Choice(["58", "80"]), help="Paper width in mm.")
@click.option("--print-mode", default="image", show_default=True, type=click.Choice(["image", "gb18030"]))
@click.option("--size", default="1280x800", show_default=True, help="Window size WIDTHxHEIGHT.")
def command(
    server: str, window: int, printer: str | None, slips: str, slip_format: str, paper: str, print_mode: str, size: str
) -> None:
    """The clerk's window (呼叫器): sign in, call, finish cases, print notice slips."""
    from appkit.boot import prepare_kivy
    from hardware.printer import PrinterSpecError

    try:
        width, height = (int(part) for part in size.lower().split("x"))
    except ValueError:
        raise click.BadParameter("窗口尺寸应写成 1280x800 / write the size as 1280x800", param_hint="--size") from None
    try:
        output = make_slip_output(printer, slips, slip_format, int(paper), print_mode)
    except PrinterSpecError as exc:
        raise click.BadParameter(str(exc), param_hint="--printer") from None
    prepare_kivy(size=(width, height))

    from caller.app import CallerApp
    from client.api import HttpHallApi

    CallerApp(HttpHallApi(server), window, output).run()  # type: ignore[arg-type]
