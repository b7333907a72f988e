"""The hall's configuration, versioned (issue 11).

Where the configuration lives: in the database, one row per version (table `config_versions`). At the first
start on a data directory the hall's TOML file is stored as version 1, word for word (its comments too); from
then on the newest stored version is the hall's configuration and the file given to `hallq serve` is only read
again if the table is empty. Every change — an area edited in the console, a version restored, a TOML file
imported — is validated by `hallfile.load_hall` first (the same sentences by key as `hallq check-config`),
applied live (`HallService.reconfigure`, which publishes `hall.configured`), then stored as a new version with
who, when and a note, and put on the audit record. A version is never changed or deleted; a restore is a new
version with the old text.

Staff PINs are never stored in a version (nor exported): they live hashed in the staff table only. A file with
`pin = "…"` lines sets those people's PINs (hashed) and is stored without them; a file without PINs keeps the
PINs people have; a new person without a PIN is refused (the console's staff page gives one). The migration
m402 stripped the PINs of versions stored before.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import secrets
import tomllib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

import tomli_w

from application.audit import current_actor
from application.auth import hash_pin, pin_matches
from core.config import HallConfig
from core.tickets import DomainError
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


_PIN_VALUE = r"""(?:"[^"\n]*"|'[^'\n]*'|[0-9_+-]+)"""
_PIN_LINE = re.compile(rf"^[ \t]*pin[ \t]*=[ \t]*{_PIN_VALUE}[ \t]*(?:#[^\n]*)?(?:\r?\n|$)", re.M)
_PIN_INLINE = re.compile(rf"(?:,[ \t]*pin[ \t]*=[ \t]*{_PIN_VALUE}|\bpin[ \t]*=[ \t]*{_PIN_VALUE}[ \t]*,?[ \t]*)")
PLACEHOLDER_PIN = "0000"  # validation only: a known person's PIN is in the staff table, not in the file


def masked(text: str) -> str:
    """A version's text as a page shows it: staff PINs replaced (a version made before m402 may hold them)."""
    return _INLINE_PIN.sub(r'\1"****"', _PIN.sub(r'\1"****"', text))


def staff_pins(data: Mapping[str, Any]) -> dict[str, Any]:
    """The PINs a configuration's [[staff]] rows carry, by staff number."""
    rows = data.get("staff")
    if not isinstance(rows, list):
        return {}
    return {str(r.get("code")): r["pin"] for r in rows if isinstance(r, dict) and "pin" in r}


def _no_pins(data: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if isinstance(out.get("staff"), list):
        out["staff"] = [{k: v for k, v in r.items() if k != "pin"} if isinstance(r, dict) else r for r in out["staff"]]
    return out


def without_pins(text: str) -> str:
    """The text with every staff PIN taken out, comments and layout kept; when the PINs are written in a way the
    line edit does not recognise, the data is written anew without them (never a PIN left in)."""
    data = parse(text)
    if not staff_pins(data):
        return text
    wanted = _no_pins(data)
    stripped = _PIN_INLINE.sub("", _PIN_LINE.sub("", text)).replace(", }", " }").replace("{ , ", "{ ")
    try:
        if parse(stripped) == wanted:
            return stripped
    except ConfigError:
        pass
    return dump(wanted)


def parse(text: str) -> dict[str, Any]:
    """TOML text as data, or ConfigError with one sentence naming the line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([problem("TOML", f"不是有效的 TOML：{exc}", f"not valid TOML: {exc}")]) from None


def dump(data: Mapping[str, Any]) -> str:
    return tomli_w.dumps(dict(data), multiline_strings=False)


def config_of(text: str) -> HallConfig:
    """A stored version's configuration (ConfigError when it no longer validates); its staff carry no PIN ("")."""
    return _checked(parse(text), None)


def _checked(data: Mapping[str, Any], known: set[str] | None) -> HallConfig:
    """`data` validated by hallfile (every problem by key), people without a PIN given a placeholder for the check
    only; with `known` (the staff table's numbers), a new person without a PIN is a problem too. The staff of
    the answer carry no PIN ("")."""
    rows = data.get("staff")
    problems: list[str] = []
    if isinstance(rows, list):
        filled = []
        for i, row in enumerate(rows):
            if isinstance(row, dict) and "pin" not in row:
                if known is not None and str(row.get("code")) not in known:
                    problems.append(
                        problem(f"staff[{i}].pin", "新增人员须设置 PIN", "a new person needs a PIN (4–8 digits)")
                    )
                row = {**row, "pin": PLACEHOLDER_PIN}
            filled.append(row)
        data = {**data, "staff": filled}
    try:
        config = load_hall(data)
    except ConfigError as exc:
        raise ConfigError(exc.problems + problems) from None
    if problems:
        raise ConfigError(problems)
    staff = tuple(dataclasses.replace(s, pin="") for s in config.staff)
    return dataclasses.replace(config, staff=staff, _index={})


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

    def editable_data(self) -> dict[str, Any]:
        """The newest version as data for an editor to change; refused (409) while no version is stored."""
        data = self.data()
        if not data:
            raise DomainError(
                "no_version",
                "数据库中还没有配置版本，请先在“配置”页导入大厅的 TOML 文件。 / No configuration version is stored yet;"
                " import the hall's TOML file on the configuration page first.",
                409,
            )
        return data

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

    def change(self, data: Mapping[str, Any], note: str, pins: Mapping[str, str] | None = None) -> int:
        """A change made in the console's editors: the whole configuration after it, as data (`pins`: PINs of
        people it adds or resets, stored hashed and never in the version)."""
        return self._apply(dump(data), note, None, pins)

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

    def _apply(self, text: str, note: str, restored_from: int | None, pins: Mapping[str, str] | None = None) -> int:
        """Validate, set the PINs the text (or `pins`) carries, apply live, store the version without PINs."""
        service = self.service
        data = parse(text)
        given = {**staff_pins(data), **(pins or {})}
        if pins:
            data = {
                **data,
                "staff": [
                    {**r, "pin": pins[r["code"]]} if isinstance(r, dict) and r.get("code") in pins else r
                    for r in data.get("staff", [])
                ],
            }
        note = note.strip()[:200]
        actor = current_actor.get()
        with service.write_lock:  # the store reads its staff numbers on the writer's connection
            known = service.store.staff_codes()
        config = _checked(data, known)  # ConfigError: nothing changes
        hashed = self._hashed_pins(config, {str(k): str(v) for k, v in given.items()})  # PBKDF2: before the lock
        with service.write_lock:
            service.hall.check_reconfigure(config)  # DomainError (a removed window still in use): nothing changes
            stored_text = without_pins(text)
            latest = self.store.latest_version()
            number = (latest["version"] if latest else 0) + 1
            with service.writing():
                changed = self._set_pins(hashed)
            service.reconfigure(config, number)
            with service.writing():
                stored = self.store.add_version(
                    {
                        "at": service.now().isoformat(),
                        "staff": actor.staff,
                        "source": actor.source,
                        "note": note,
                        "restored_from": restored_from,
                        "toml": stored_text,
                    }
                )
                service.audit(
                    "config.changed",
                    f"v{stored}",
                    before={"version": latest["version"]} if latest else None,
                    after={"version": stored, "note": note, "restored_from": restored_from, "pins_set": changed},
                )
        return stored

    def _hashed_pins(self, config: HallConfig, pins: Mapping[str, str]) -> list[tuple[Any, str, str]]:
        """(member, hash, salt) for each PIN given that is not already hers: hashed here, outside the hall's write
        lock (a whole staff's PINs take a second or more to hash)."""
        service, store = self.service, self.service.store
        out = []
        for member in config.staff:
            pin = pins.get(member.code)
            if pin is None:
                continue
            row = store.staff_credentials(member.code)
            if row is not None and pin_matches(pin, row["pin_salt"], row["pin_hash"]):
                continue
            salt = secrets.token_bytes(16)
            out.append((member, hash_pin(pin, salt, service.pin_iterations), salt.hex()))
        return out

    def _set_pins(self, hashed: list[tuple[Any, str, str]]) -> list[str]:
        """New people are added to the staff table with their PIN (hashed); a known person's PIN is set, and her
        sign-ins end. Returns whose PIN was set; in the caller's transaction."""
        service, store = self.service, self.service.store
        known = store.staff_codes()
        changed: list[str] = []
        for member, pin_hash, salt in hashed:
            if member.code not in known:
                store.add_staff(member.code, member.name, member.role, pin_hash, salt)
                continue
            store.set_pin(member.code, pin_hash, salt)
            service.end_sessions_of(member.code)
            service.audit("pin.reset", member.code, after={"by": "configuration"})
            changed.append(member.code)
        return changed
