"""Voice announcement latency: announce() called → voice starts (target p50/p99 ≤ 300 ms).

With the WAV-folder backend "voice starts" is when synthesis of that announcement begins (on_started).
Scenarios:
- spaced: one call at a time, the hall's normal rhythm;
- burst: many calls at once, stale ones dropped (max_pending) — the figures are for the calls kept;
- burst-keep-all: the same burst with no dropping, to show what the drop policy saves (not judged);
- paced-burst: a speaker that takes a fixed time per call (like live speech, scaled down), with max_age_s
  (not judged: the wait is the previous call's speech).

Run: /tmp/venv/bin/python bench/bench_voice.py [--calls 40] [--burst 30] [--languages zh,en]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.config import (  # noqa: E402
    DEFAULT_CHIME,
    DEFAULT_LED_CALLED,
    DEFAULT_LED_IDLE,
    DEFAULT_LED_PAUSED,
    DEFAULT_VOICE,
    Announce,
)
from hardware.audio import read_wav  # noqa: E402
from hardware.speaker import Announcement, Announcer, FakeSpeaker, SpeakerBackend, WavFolderBackend  # noqa: E402

TARGET_MS = 300.0


def make_cfg(languages: tuple[str, ...]) -> Announce:
    return Announce(
        dict(DEFAULT_VOICE), languages, 2, DEFAULT_CHIME, DEFAULT_LED_CALLED, DEFAULT_LED_PAUSED, DEFAULT_LED_IDLE
    )


class Recorder:
    """Collects call → start and start → finish times, and drops."""

    def __init__(self) -> None:
        self.started: dict[int, float] = {}
        self.start_delay_ms: list[float] = []
        self.render_ms: list[float] = []
        self.dropped: dict[str, int] = {}

    def on_started(self, item: Announcement, when: float) -> None:
        self.started[item.seq] = when
        self.start_delay_ms.append((when - item.created_at) * 1000)

    def on_finished(self, item: Announcement, when: float) -> None:
        self.render_ms.append((when - self.started[item.seq]) * 1000)

    def on_dropped(self, item: Announcement, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1


def percentile(values: list[float], p: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def report(name: str, recorder: Recorder, calls: int, judged: bool) -> None:
    delays = recorder.start_delay_ms
    p50, p99 = percentile(delays, 50), percentile(delays, 99)
    verdict = ("OK" if p99 <= TARGET_MS else "over target") if judged else "not judged"
    print(f"{name:15s} calls={calls:3d} spoken={len(delays):3d} dropped={recorder.dropped or 0}")
    print(f"{'':15s} call→start  p50={p50:7.1f} ms  p99={p99:7.1f} ms  max={max(delays):7.1f} ms  [{verdict}]")
    if recorder.render_ms:
        r50, r99 = percentile(recorder.render_ms, 50), percentile(recorder.render_ms, 99)
        print(f"{'':15s} start→done  p50={r50:7.1f} ms  p99={r99:7.1f} ms")


def run(
    name: str,
    backend: SpeakerBackend,
    cfg: Announce,
    calls: int,
    burst: bool,
    max_pending: int | None,
    max_age_s: float | None,
    judged: bool = True,
) -> Recorder:
    recorder = Recorder()
    announcer = Announcer(
        cfg,
        backend,
        max_pending=max_pending,
        max_age_s=max_age_s,
        on_started=recorder.on_started,
        on_finished=recorder.on_finished,
        on_dropped=recorder.on_dropped,
    )
    if not announcer.status.ok:
        print(f"{name}: {announcer.status.summary()}")
    for n in range(calls):
        announcer.announce(f"A{n + 1:03d}", n % 12 + 1)
        if not burst:
            announcer.wait_idle(60)
    announcer.wait_idle(300)
    announcer.close()
    report(name, recorder, calls, judged)
    return recorder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40, help="spaced calls (default 40)")
    parser.add_argument("--burst", type=int, default=30, help="calls in each burst (default 30)")
    parser.add_argument("--languages", default="zh", help="comma-separated, e.g. zh,en (default zh)")
    args = parser.parse_args()
    cfg = make_cfg(tuple(args.languages.split(",")))
    print(f"languages={cfg.languages} repeat={cfg.repeat} target: call→start p99 ≤ {TARGET_MS:.0f} ms\n")

    with tempfile.TemporaryDirectory(prefix="bench-voice-") as folder:
        spaced_backend = WavFolderBackend(Path(folder) / "spaced")
        run("spaced", spaced_backend, cfg, args.calls, burst=False, max_pending=4, max_age_s=45)
        durations = [read_wav(p).duration_s for p in spaced_backend.written]
        print(f"{'':15s} WAV length  mean={statistics.mean(durations):.1f} s\n")
        run("burst", WavFolderBackend(Path(folder) / "burst"), cfg, args.burst, burst=True, max_pending=4, max_age_s=45)
        print()
        run(
            "burst-keep-all",
            WavFolderBackend(Path(folder) / "all"),
            cfg,
            args.burst,
            burst=True,
            max_pending=None,
            max_age_s=None,
            judged=False,
        )
        print()
    paced = FakeSpeaker(speak_s=0.2)  # each call "spoken" for 0.2 s; calls older than 0.5 s are skipped
    run("paced-burst", paced, cfg, args.burst, burst=True, max_pending=None, max_age_s=0.5, judged=False)
    print(f"{'':15s} (fake speaker, 0.2 s per call, max_age_s=0.5: a burst collapses to the freshest calls)")


if __name__ == "__main__":
    main()
