"""The apps' pairing options: `--pair CODE` once (the code from `hallq device add` or the console), then the
device token kept in `--device-file` (default ~/.config/hallq/device-ROLE.json) goes with every request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from client.device import default_token_file, load_token, pair


def device_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--device-file",
        type=click.Path(dir_okay=False),
        default=None,
        help="Where this device keeps its pairing (default ~/.config/hallq/device-ROLE.json).",
    )(command)
    return click.option(
        "--pair",
        "pair_code",
        default=None,
        help="Pair this device with the server once, with the code from `hallq device add` or the console.",
    )(command)


def device_token(server: str, role: str, pair_code: str | None, device_file: str | None) -> str | None:
    """This device's token: pair first when a code is given; None when the device was never paired (a hall that
    trusts its own machine, like the demo, still works)."""
    from client.types import ApiError

    path = Path(device_file) if device_file else default_token_file(role)
    if pair_code:
        try:
            device = pair(server, pair_code, path)
        except ApiError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"已配对 / Paired: {device['name']}（{path}）")
    return load_token(path)
