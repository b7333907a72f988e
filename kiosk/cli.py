"""`hallq kiosk`: the ticket kiosk, or with --pad the rating pad beside a window."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import click

from appkit.boot import parse_size
from appkit.pairing import device_options, device_token
from hardware.printer_options import open_printer, printer_options
from hardware.receipts import warm_up


@click.command("kiosk")
@click.option("--server", "server", required=True, help="The hall server, e.g. http://192.168.1.10:8080")
@click.option("--public-url", default=None, help="Address phones use for the ticket QR code (default: --server).")
@printer_options
@click.option(
    "--fullscreen",
    is_flag=True,
    help="Kiosk mode: full screen; leaving needs a manager PIN (Esc or hold the top-left corner 3 s).",
)
@click.option("--pad", is_flag=True, help="Run the rating pad (评价器) instead of the kiosk.")
@click.option(
    "--window", "window", type=click.IntRange(min=1), default=None, help="The pad's window number (with --pad)."
)
@click.option(
    "--photos",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Folder with staff photos <staff>.png|jpg (with --pad).",
)
@click.option("--size", default=None, help="Window size WxH, e.g. 1080x1920 (default: kiosk 1080x1920, pad 1280x800).")
@device_options
def command(
    server: str,
    public_url: str | None,
    printer_spec: str,
    paper: str,
    print_mode: str,
    fullscreen: bool,
    pad: bool,
    window: int | None,
    photos: str | None,
    size: str | None,
    pair_code: str | None,
    device_file: str | None,
) -> None:
    """The ticket kiosk (取号机) and the window rating pad (评价器).

    How long the kiosk waits without a touch before going home is the hall's `[kiosk] idle_timeout_s`.
    """
    if pad and window is None:
        raise click.UsageError("评价器需要 --window 窗口号 / The pad needs --window N")
    try:
        wanted_size = parse_size(size) if size else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--size") from None

    from appkit.boot import prepare_kivy
    from kiosk.app import KIOSK_SIZE, PAD_SIZE

    prepare_kivy(size=wanted_size or (PAD_SIZE if pad else KIOSK_SIZE))
    from client.api import HttpHallApi
    from kiosk.app import KioskApp, PadApp

    api = HttpHallApi(server, device_token=device_token(server, "pad" if pad else "kiosk", pair_code, device_file))
    if pad:
        assert window is not None
        PadApp(api, window=window, photos_dir=Path(photos) if photos else None, fullscreen=fullscreen).run()
        return
    worker = open_printer(printer_spec, paper, print_mode)
    if worker is not None and print_mode == "image":
        # Fonts load once (~80 ms); do it now, off the UI thread, not at the first citizen's touch.
        threading.Thread(target=warm_up, args=(int(paper),), name="hallq-warm-up", daemon=True).start()
    KioskApp(api, public_url=public_url or server, printer=worker, fullscreen=fullscreen).run()
    sys.exit(0)
