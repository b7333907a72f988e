"""The hall's configuration, versioned (issue 11).

Where the configuration lives: in the database, one row per version (table `config_versions`). At the first
start on a data directory the hall's TOML file is stored as version 1, word for word (its comments too); from
then on the newest stored version is the hall's configuration and the file given to `hallq serve` is only read
again if the table is empty. Every change — an area edited in the console, a version restored, a TOML file
imported — is validated by `hallfile.load_hall` first (the same sentences by key as `hallq check-config`),
applied live (`HallService.reconfigure`, which publishes `hall.configured`), then stored as a new version with
who, when and a note, and put on the audit record. A version is never changed or deleted; a restore is a new
version with the old text.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

import tomli_w

from application.audit import current_actor
from core.config import HallConfig
from hallfile import load_hall
from hallfile.problems import ConfigError, problem

if TYPE_CHECKING:
    from application.service import HallService


class VersionStore(Protocol):
    def add_version(self, row: dict[str, Any]) -> int: ...
    def version(self, number: int) -> dict[str, Any] | None: ...
    def latest_version(self) -> dict[str, Any] | None: ...
    def versions(self, limit: int = 200) -> list[dict[str, Any]]: ...


_PIN = re.compile(r'^(\s*pin\s*=\s*)"[^"]*"', re.M)
_INLINE_PIN = re.compile(r'(\bpin\s*=\s*)"[^"]*"')


def masked(text: str) -> str:
    """A version's text as a page shows it: staff PINs replaced (the export keeps them: the file must load)."""
    return _INLINE_PIN.sub(r'\1"****"', _PIN.sub(r'\1"****"', text))


def parse(text: str) -> dict[str, Any]:
    """TOML text as data, or ConfigError with one sentence naming the line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([problem("TOML", f"不是有效的 TOML：{exc}", f"not valid TOML: {exc}")]) from None


def dump(data: Mapping[str, Any]) -> str:
    return tomli_w.dumps(dict(data), multiline_strings=False)


def config_of(text: str) -> HallConfig:
    """A stored version's configuration (ConfigError when it no longer validates)."""
    return load_hall(parse(text))


def diff(before: str, after: str, before_name: str, after_name: str) -> list[str]:
    """A unified diff of two versions' texts, PINs masked."""
    return list(
        difflib.unified_diff(
            masked(before).splitlines(), masked(after).splitlines(), before_name, after_name, n=2, lineterm=""
        )
    )


def _normal(text: str) -> str:
    try:
        return dump(parse(text))
    except ConfigError:
        return text


class ConfigVersions:
    """The hall's configuration versions over the hall service: each change validated, applied, stored."""

    def __init__(self, service: HallService, store: VersionStore):
        self.service = service
        self.store = store

    # ---- reading -----------------------------------------------------------------------------------

    def versions(self, limit: int = 200) -> list[dict[str, Any]]:
        return self.store.versions(limit)

    def version(self, number: int) -> dict[str, Any] | None:
        return self.store.version(number)

    def latest(self) -> dict[str, Any] | None:
        return self.store.latest_version()

    def data(self) -> dict[str, Any]:
        """The newest version as data (what the console's editors change), or {} with none stored yet."""
        row = self.latest()
        return parse(row["toml"]) if row else {}

    def diff_of(self, number: int) -> list[str]:
        """What version `number` changed against the one before it (version 1: against nothing)."""
        row = self.store.version(number)
        if row is None:
            return []
        previous = self.store.version(number - 1) if number > 1 else None
        if previous is None:
            return diff("", row["toml"], "v0", f"v{number}")
        # both as the editors write TOML: what changed, not the comments and layout of a hand-written file
        return diff(_normal(previous["toml"]), _normal(row["toml"]), f"v{number - 1}", f"v{number}")

    # ---- changing ----------------------------------------------------------------------------------

    def change(self, data: Mapping[str, Any], note: str) -> int:
        """A change made in the console's editors: the whole configuration after it, as data."""
        return self._apply(dump(data), note, None)

    def change_section(self, key: str, value: Any, note: str) -> int:
        """Replace one top-level area of the newest version (e.g. "services", "calendar") and apply it."""
        data = self.data()
        data[key] = value
        return self.change(data, note)

    def import_text(self, text: str, note: str) -> int:
        """A hall's TOML file imported as it is (its comments kept), validated first."""
        return self._apply(text, note or "导入 TOML 文件 / TOML file imported", None)

    def restore(self, number: int) -> int:
        row = self.store.version(number)
        if row is None:
            raise ConfigError([problem(f"v{number}", "没有这个版本", "there is no such version")])
        return self._apply(row["toml"], f"恢复版本 {number} / version {number} restored", number)

    def _apply(self, text: str, note: str, restored_from: int | None) -> int:
        config = config_of(text)  # ConfigError: nothing changes
        actor = current_actor.get()
        service = self.service
        with service.write_lock:
            latest = self.store.latest_version()
            number = (latest["version"] if latest else 0) + 1
            service.reconfigure(config, number)  # DomainError (a removed service still in use): nothing changes
            with service.writing():
                stored = self.store.add_version(
                    {
                        "at": service.now().isoformat(),
                        "staff": actor.staff,
                        "source": actor.source,
                        "note": note.strip()[:200],
                        "restored_from": restored_from,
                        "toml": text,
                    }
                )
                service.audit(
                    "config.changed",
                    f"v{stored}",
                    before={"version": latest["version"]} if latest else None,
                    after={"version": stored, "note": note.strip()[:200], "restored_from": restored_from},
                )
        return stored
