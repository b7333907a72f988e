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
            "f12": "sign-out",
        }
    )

    def action(self, key_name: str) -> str | None:
        return self.keys.get(key_name)

    def hint(self) -> str:
        return (
            "F1/空格 叫号 Call · F2 重呼 Recall · F3 开始 Start · F4 办结 Finish · F5 过号 No-show · "
            "F6 挂起 Suspend · F7 转办 Transfer · F8 暂停/恢复 Pause · F9 办结承诺件 Cases · F12 签退 Sign out"
        )
