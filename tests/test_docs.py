"""The README names every `hallq` command, and its two commands exist."""

from pathlib import Path

from server.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented():
    names = main.list_commands(None)  # type: ignore[arg-type]
    assert {"serve", "demo", "kiosk", "caller", "display"} <= set(names)
    missing = [name for name in names if f"hallq {name}" not in README]
    assert not missing, f"README does not mention: {missing}"


def test_readme_leads_with_the_two_commands():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "bash scripts/demo.sh" in first_block and "bash scripts/test.sh" in first_block
    assert (ROOT / "scripts" / "demo.sh").exists() and (ROOT / "scripts" / "test.sh").exists()


def test_ci_runs_the_readme_test_command():
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
