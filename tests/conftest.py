"""Shared pytest set-up. Kivy is NOT imported here: tests of plain presenters stay Kivy-free.

The environment is prepared before any test module can import Kivy: headless (offscreen) unless
HALLQ_HEADLESS=0, a temporary KIVY_HOME, no Kivy argument parsing. See appkit/boot.py and appkit/testing.py.
"""

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from appkit.boot import prepare_environment

os.environ.setdefault("HALLQ_HEADLESS", "1")
prepare_environment()


@pytest.fixture
def ui_app() -> Iterator[Callable[..., Any]]:
    """Start a Kivy App headless for this test; it is stopped when the test ends, pass or fail.

    ``app = ui_app(KioskApp(...), size=(1080, 1920))`` — same arguments as appkit.testing.start_app.
    """
    from appkit.testing import running_app

    with ExitStack() as stack:
        yield lambda app, **options: stack.enter_context(running_app(app, **options))
