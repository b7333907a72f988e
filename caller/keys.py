"""The window screen's keyboard shortcuts (no Kivy): key name → action, and the hint bar's text."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class KeyMap:
    """Keyboard shortcuts of the window screen (shown in the hint bar)."""

    keys: dict[str, str] = field(
        default_factory=lambda: {
            "f1": "call",
            "spacebar": "call",
            "f2": "recall",
            "f3": "start",
            "f4": "finish",
            "f5": "no-show",
            "f6": "suspend",
            "f7": "transfer",
            "f8": "pause",
            "f9": "cases",
            "f10": "reinstate",
            "f12": "sign-out",
        }
    )

    def action(self, key_name: str) -> str | None:
        return self.keys.get(key_name)

    def hint(self) -> str:
        """One line at 1280 px: the keys in Chinese (each button also names its key in English)."""
        return (
            "F1/空格 叫号 · F2 重呼 · F3 开始 · F4 办结 · F5×2 过号 · F6 挂起 · F7 转办 · "
            "F8 暂停/恢复 · F9 台账 · F10 恢复过号 · F12 签退"
        )
