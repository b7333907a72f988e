"""`hallq`: one command, thin over server/ and the apps."""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from assets import DEMO_HALL
from hallfile import ConfigError, load_hall


def _load(config: str) -> object:
    try:
        return load_hall(config)
    except ConfigError as exc:
        click.echo(f"配置文件有误 / The hall configuration has problems ({config}):", err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(2)


def _create(hall: object, data: str, max_subscribers: int = 1000) -> Any:
    """The app on a data directory, or a plain sentence and exit code 2 when the directory cannot be used."""
    from server import create_app
    from server.datadir import DataDirError

    try:
        return create_app({"HALL_CONFIG": hall, "DATA_DIR": data, "MAX_SUBSCRIBERS": max_subscribers})
    except DataDirError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except ConfigError as exc:  # e.g. a new person without a PIN
        click.echo(f"配置文件有误 / The hall configuration has problems ({data}):", err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(2)


APP_COMMANDS = {"kiosk": "kiosk.cli", "caller": "caller.cli", "display": "display.cli"}


class LazyGroup(click.Group):
    """The Kivy apps' commands load only when asked for, so `hallq serve` imports no GUI or printer code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *APP_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in APP_COMMANDS:
            import importlib

            command: click.Command = importlib.import_module(APP_COMMANDS[name]).command
            return command
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup)
@click.option("-v", "--verbose", is_flag=True, help="More log output.")
def main(verbose: bool) -> None:
    """HallQ: queue calling for a government service hall (便民服务中心)."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )


@main.command("check-config")
@click.argument("config", type=click.Path(dir_okay=False))
def check_config(config: str) -> None:
    """Validate a hall configuration file and summarise it."""
    hall = _load(config)
    click.echo(
        f"OK: {hall.name} — {len(hall.services)} services, {len(hall.items)} items, "  # type: ignore[attr-defined]
        f"{len(hall.windows)} windows, {len(hall.staff)} staff"  # type: ignore[attr-defined]
    )


@main.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False), help="The hall's TOML file.")
@click.option(
    "--data", "data", required=True, type=click.Path(file_okay=False), help="Data directory (created if missing)."
)
def init(config: str, data: str) -> None:
    """Create (or migrate) the hall's database and store the staff PINs hashed."""
    app = _create(_load(config), data)
    service = app.extensions["hallq"]
    click.echo(f"数据库已就绪 / Database ready: {service.store.path}")
    service.close()


@main.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False), help="The hall's TOML file.")
@click.option(
    "--data", "data", required=True, type=click.Path(file_okay=False), help="Data directory (created if missing)."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; 0.0.0.0 for the hall's network.")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--threads", default=32, show_default=True, type=int, help="Worker threads for ordinary requests.")
@click.option(
    "--max-subscribers", default=600, show_default=True, type=int, help="Event-stream connections held at once."
)
def serve(config: str, data: str, host: str, port: int, threads: int, max_subscribers: int) -> None:
    """Run the hall server (waitress) from an empty data directory or resume an existing one."""
    run_server(_load(config), data, host, port, threads, max_subscribers)


@main.group()
def device() -> None:
    """Pair the hall's kiosks, pads, displays and callers (设备配对); list and revoke them."""


def _device_service(config: str | None, data: str) -> Any:
    """The hall's service on its data directory, beside a running server (SQLite takes both; only devices change)."""
    from application.audit import Actor, current_actor
    from application.service import HallService
    from server.store import SqliteStore

    hall = _load(config or str(DEMO_HALL))
    path = Path(data) / "hall.db"
    if not path.exists():
        click.echo(
            f"数据目录中没有数据库：{path}。请先运行 hallq init。 / No database in {data}; run hallq init first.",
            err=True,
        )
        sys.exit(2)
    current_actor.set(Actor("", "admin", "cli"))
    return HallService(hall, SqliteStore(path))  # type: ignore[arg-type]


def _demand_from_option(help: str) -> Any:
    """--demand-from DIR: a recorded hall's data directory whose demand a command draws from."""
    return click.option(
        "--demand-from", "demand_from", default=None, type=click.Path(file_okay=False, exists=True), help=help
    )


_config_option = click.option("--config", "config", type=click.Path(dir_okay=False), help="The hall's TOML file.")
_data_option = click.option("--data", "data", required=True, type=click.Path(file_okay=False), help="Data directory.")


@device.command("add")
@_config_option
@_data_option
@click.option("--role", required=True, type=click.Choice(["kiosk", "pad", "display", "caller"]))
@click.option("--window", type=int, default=None, help="A pad's or a caller's window.")
@click.option("--name", default="", help="A name to recognise it by, e.g. 大厅1号取号机.")
def device_add(config: str | None, data: str, role: str, window: int | None, name: str) -> None:
    """Add a device; prints its one-time pairing code for the device's --pair option."""
    from core.tickets import DomainError

    service = _device_service(config, data)
    try:
        added = service.create_device(role, name, window)
    except DomainError as exc:
        click.echo(exc.message, err=True)
        sys.exit(2)
    finally:
        service.close()
    click.echo(
        f"{added['name']}：配对码 / pairing code {added['code']}（有效至 / valid until {added['code_expires_at']}）"
    )


@device.command("list")
@_config_option
@_data_option
def device_list(config: str | None, data: str) -> None:
    """Every device: role, window, paired or revoked, last contact, state."""
    service = _device_service(config, data)
    try:
        for d in service.devices():
            status = "已撤销 revoked" if d["revoked"] else "已配对 paired" if d["paired"] else "待配对 waiting"
            window = f"{d['window']}号窗口" if d["window"] else "-"
            click.echo(f"{d['id']}  {d['role']:<8} {window:<8} {status:<16} {d['last_seen_at'] or '-'}  {d['name']}")
    finally:
        service.close()


@device.command("revoke")
@_config_option
@_data_option
@click.argument("device_id")
def device_revoke(config: str | None, data: str, device_id: str) -> None:
    """Revoke a device: its token stops working at once."""
    from core.tickets import DomainError

    service = _device_service(config, data)
    try:
        service.revoke_device(device_id)
    except DomainError as exc:
        click.echo(exc.message, err=True)
        sys.exit(2)
    finally:
        service.close()
    click.echo(f"已撤销 / Revoked: {device_id}")


@main.command()
@click.option("--data", "data", default="demo-data", show_default=True, type=click.Path(file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option(
    "--history",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="First fill the data directory with this many days of the hall's past, ending yesterday.",
)
@click.option("--seed", default=1, show_default=True, type=int, help="The history's seed (same seed, same past).")
@_demand_from_option("Draw the history's citizens from this recorded hall's data directory (its last 91 days).")
def demo(data: str, host: str, port: int, history: int, seed: int, demand_from: str | None) -> None:
    """Run the demo hall (assets/demo-hall.toml): clerk of window N is staff 1000+N, PIN 1234."""
    hall = _load(str(DEMO_HALL))
    if history:
        make_history(hall, data, history, seed, demand_from)
    demo_samples(hall, data)
    click.echo(f"演示大厅 / Demo hall: http://{host}:{port}/  (窗口N工号 1000+N，PIN 1234)")
    run_server(hall, data, host, port, 32, 600)


@main.command()
@click.option("--config", "config", default=str(DEMO_HALL), show_default=True, type=click.Path(dir_okay=False))
@click.option("--data", "data", default=None, type=click.Path(file_okay=False), help="Data directory (for --day).")
@click.option("--day", default=None, help="Replay this recorded day (YYYY-MM-DD) from --data.")
@click.option(
    "--weekday", "weekdays", multiple=True, type=click.IntRange(1, 7), help="ISO weekday(s); default Mon–Fri."
)
@click.option("--target-minutes", default=15.0, show_default=True, type=float, help="The wait target.")
@click.option("--quantile", default=0.9, show_default=True, type=click.FloatRange(0.5, 1.0), help="0.9: p90.")
@click.option("--tickets-per-window-day", default=None, type=float, help="The demand model's volume.")
@click.option("--seed", default=1, show_default=True, type=int)
@_demand_from_option("The weekdays' citizens drawn from this recorded hall's demand (its data directory).")
def simulate(
    config: str,
    data: str | None,
    day: str | None,
    weekdays: tuple[int, ...],
    target_minutes: float,
    quantile: float,
    tickets_per_window_day: float | None,
    seed: int,
    demand_from: str | None,
) -> None:
    """排班测算: waits per hour and the fewest windows per hour that meet the target (core/simulation.py)."""
    import datetime as dt

    from core.simulation import Target
    from server.store_staffing import simulate_text

    text = simulate_text(
        _load(config),  # type: ignore[arg-type]
        data=data,
        day=dt.date.fromisoformat(day) if day else None,
        weekdays=list(weekdays) or [1, 2, 3, 4, 5],
        target=Target(target_minutes, quantile),
        seed=seed,
        tickets_per_window_day=tickets_per_window_day,
        demand_from=demand_from,
    )
    click.echo(text)


def demo_samples(hall: object, data: str) -> None:
    """The demo hall's sample forms (server/demo_samples.py), stored as an upload is, once."""
    from server.demo_samples import add_demo_samples

    app = _create(hall, data)
    try:
        click.echo(add_demo_samples(app))
    finally:
        app.extensions["hallq"].close()


def make_history(hall: object, data: str, days: int, seed: int, demand_from: str | None = None) -> None:
    """Live `days` of the hall's past into `data` through the hall's own handlers (application/history.py); with
    `demand_from`, its citizens drawn from that recorded hall's demand (application.demand.demand_from_history)."""
    from application import history

    demand = None
    if demand_from is not None:
        from server.store_staffing import recorded_demand

        try:
            demand = recorded_demand(Path(demand_from) / "hall.db", hall.tz)  # type: ignore[attr-defined]
        except (ValueError, OSError) as exc:
            raise click.ClickException(f"{demand_from}: 读不出记录的需求 / no recorded demand there ({exc})") from exc

    click.echo(f"生成历史数据 / Generating {days} days of history in {data} …")

    def progress(day: object, report: history.HistoryReport) -> None:
        if report.working_days % 20 == 0:
            click.echo(f"  {day}: {report.tickets:,} tickets, {report.seconds:.0f} s")

    report = history.generate_history(hall, data, days, seed, demand=demand, progress=progress)  # type: ignore[arg-type]
    if report.first_day is not None and report.last_day is not None:  # leave, meetings, corrections (issue 14)
        from server.store_people import simulate_people_history

        people = simulate_people_history(hall, data, report.first_day, report.last_day, seed)
        click.echo(f"考勤台账 / People: {people}")
    click.echo(
        f"历史数据已生成 / History: {report.tickets:,} tickets on {report.working_days} working days"
        f" ({report.first_day} – {report.last_day}) in {report.seconds:.0f} s"
    )


def run_server(hall: object, data: str, host: str, port: int, threads: int, max_subscribers: int) -> None:
    from server import channel, logs

    logs.install()  # a fault that fails every request is logged once a minute, not once per request
    connections, max_subscribers = connection_budget(
        threads, max_subscribers, _raise_file_limit(threads + max_subscribers + COMMAND_CONNECTIONS + FD_RESERVE)
    )
    _limit_malloc_arenas()
    # Python's own GIL slice (5 ms): the streams are written by waitress's I/O loop, no longer by hundreds of waking
    # threads, and a shorter slice (it was 0.5 ms) cost the command path 10-20 % in GIL hand-overs.
    sys.setswitchinterval(float(os.environ.get("HALLQ_SWITCH_INTERVAL", "0.005")))
    app = _create(hall, data, max_subscribers)
    # What start-up made (modules, Flask, the hall's configuration) lives as long as the server: out of the cyclic
    # garbage collector's sight, its full collections scan only what serving makes (tens of ms fewer each time).
    # And fewer full collections: with Python's default first threshold (700 allocations) the objects of requests
    # in flight outlive two young collections, count as long-lived, and set off a full collection every few
    # seconds, which stops every thread for 50–120 ms on a hall with a day's 40,000 tickets in memory. Almost all
    # garbage here goes by reference counting; cycles are rare and still collected.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 10)
    _keep_collections_small(app.extensions["hallq"])
    click.echo(
        f"HallQ serving {app.extensions['hallq'].config.name} on http://{host}:{port}/ (data: {Path(data).resolve()})"
    )
    # Each event-stream subscriber holds a worker thread while connected.
    channel.serve(  # waitress, its main loop left alone while a request's thread writes (server/channel.py)
        app,
        host=host,
        port=port,
        threads=threads + max_subscribers,
        connection_limit=connections,  # stays under the open-file limit: waitress stops accepting, never fails
        channel_timeout=120,
        # Read on while a request runs, so an event stream whose client left is seen at once and frees its slot.
        channel_request_lookahead=1,
        ident="HallQ",
        clear_untrusted_proxy_headers=True,
        asyncore_use_poll=True,  # select() stops at 1024 descriptors; 500 event streams need more
        # Send each write at once: below this many buffered bytes waitress leaves a streamed event waiting for
        # its main loop to wake (up to a second).
        send_bytes=1,
    )
    app.extensions["hallq"].close()


FREEZE_EVERY_S = 60.0


def _keep_collections_small(service: Any) -> None:
    """The day's tickets live until the day closes; each full collection walked all of them (72 ms with 40,000 in
    the hall, every thread stopped). Once a minute what has survived a young collection is moved out of the
    collector's sight (reference counting still frees it: tickets go when they end); at the day's close the
    collector looks at everything once (a stray cycle is freed then) and the survivors are set aside again."""

    def freeze_now(full: bool = False) -> None:
        if full:
            gc.unfreeze()
        gc.collect(2 if full else 1)
        gc.freeze()

    def loop() -> None:
        while True:
            time.sleep(FREEZE_EVERY_S)
            freeze_now()

    threading.Thread(target=loop, name="hallq-gc", daemon=True).start()
    service.on_day_closed(lambda _closed, _new: freeze_now(full=True))


def _limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives busy threads arenas of their own (up to 8 per core): with hundreds of stream threads that
    is tens of MB of memory held for nothing. Same as MALLOC_ARENA_MAX=2; elsewhere it does nothing."""
    if sys.platform != "linux" or os.environ.get("MALLOC_ARENA_MAX"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):
        return


COMMAND_CONNECTIONS = 100  # kept connections of kiosks, callers, pads and pages, beside the worker threads
FD_RESERVE = 64  # open files besides connections: SQLite (a few pooled connections), pipes, logs, templates


def connection_budget(threads: int, max_subscribers: int, file_limit: int | None) -> tuple[int, int]:
    """(connections waitress may hold, event streams allowed) under the process's open-file limit.

    Past the limit every accept() fails ("Too many open files") and commands stop being answered, so the
    connection limit stays below it, and the streams give way first: commands keep their share.
    """
    connections = threads + max_subscribers + COMMAND_CONNECTIONS
    if file_limit is None or connections + FD_RESERVE <= file_limit:
        return connections, max_subscribers
    connections = max(threads + 8, file_limit - FD_RESERVE)
    streams = max(0, min(max_subscribers, connections - threads - COMMAND_CONNECTIONS))
    logging.getLogger("hallq.server").warning(
        "open-file limit %d: at most %d connections and %d event streams (asked for %d); raise it with ulimit -n",
        file_limit,
        connections,
        streams,
        max_subscribers,
    )
    return connections, streams


def _raise_file_limit(wanted: int) -> int | None:
    """Each connection holds a socket: lift the soft descriptor limit where the OS allows; the limit in force."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return None if soft == resource.RLIM_INFINITY else int(soft)


if __name__ == "__main__":  # pragma: no cover
    main()
