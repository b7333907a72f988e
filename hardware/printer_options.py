"""The thermal printer's command-line options, one definition for `hallq kiosk` and `hallq caller`.

`@printer_options` adds --printer, --paper and --print-mode (parameters `printer_spec`, `paper`, `print_mode`);
`open_printer(...)` turns them into a started PrintWorker, or None for `none`, and a bad spec into click's
usage error on --printer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from hardware.printer import PRINT_MODES, PrinterSpecError, PrintOptions, PrintWorker, make_printer

F = TypeVar("F", bound=Callable[..., object])

PRINTER_FORMS = "usb:VID:PID · serial:PORT[:BAUD] · net:HOST[:PORT] · file:PATH · dummy · none"


def printer_options(command: F) -> F:
    """Decorator: the three printer options, in the order `--help` lists them."""
    options = (
        click.option(
            "--printer",
            "printer_spec",
            default="none",
            show_default=True,
            help=f"Thermal printer: {PRINTER_FORMS}",
        ),
        click.option(
            "--paper", type=click.Choice(["58", "80"]), default="80", show_default=True, help="Paper width in mm."
        ),
        click.option(
            "--print-mode",
            type=click.Choice(PRINT_MODES),
            default="image",
            show_default=True,
            help="image works on any printer; gb18030 needs a Chinese font in the printer.",
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


def open_printer(printer_spec: str, paper: str, print_mode: str) -> PrintWorker | None:
    """The print queue for the options' printer, or None (`none`); a bad spec is a usage error on --printer."""
    try:
        printer = make_printer(printer_spec, PrintOptions(paper_mm=int(paper), mode=print_mode))  # type: ignore[arg-type]
    except PrinterSpecError as exc:
        raise click.BadParameter(str(exc), param_hint="--printer") from None
    return PrintWorker(printer) if printer is not None else None
