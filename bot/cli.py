"""The `mlscore` command line.

Imports are local to each command so that `mlscore --help` and `mlscore tick` stay quick and
never pay for matplotlib or the web stack they do not use.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from bot.settings import ConfigError, Settings

log = logging.getLogger("bot.cli")


def _iso_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 date and time: {text!r}") from error
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _weeks(text: str) -> int:
    try:
        weeks = int(text)
    except ValueError:
        weeks = 0
    if not 4 <= weeks <= 104:
        raise argparse.ArgumentTypeError(f"weeks must be a whole number from 4 to 104: {text!r}")
    return weeks


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlscore",
        description=(
            "ML Test Score check-ins for Slack teams. Without a command: serves Slack when "
            "tokens are configured, otherwise runs the offline demo."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve Slack over HTTP (Events API)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument(
        "--no-scheduler", action="store_true", help="do not run the minute tick in this process"
    )

    socket = commands.add_parser("socket", help="serve Slack over Socket Mode (SLACK_APP_TOKEN)")
    socket.add_argument(
        "--no-scheduler", action="store_true", help="do not run the minute tick in this process"
    )

    tick = commands.add_parser("tick", help="run one scheduling pass and exit")
    tick.add_argument("--now", type=_iso_datetime, help="pretend it is this ISO-8601 instant")

    demo = commands.add_parser("demo", help="simulate a few months offline and write a report")
    demo.add_argument("--out", type=Path, default=Path("demo-out"))
    demo.add_argument("--weeks", type=_weeks, default=16, help="weeks to simulate (4-104)")

    db = commands.add_parser("db", help="database migrations")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="apply every migration")
    downgrade = db_commands.add_parser("downgrade", help="undo migrations down to a revision")
    downgrade.add_argument("revision", default="base", nargs="?")

    export = commands.add_parser("export", help="export a workspace's or a team's data")
    export.add_argument("--workspace", help="Slack team id (T...); default: the only one")
    export.add_argument("--team", help="team name; default: every team")
    export.add_argument(
        "--format",
        choices=("csv", "csv_zip", "json"),
        default="json",
        help="csv: one row per answer; csv_zip: every table as CSV in a zip; json: everything",
    )
    export.add_argument("--out", type=Path, help="file to write; default: standard output")

    criteria = commands.add_parser(
        "criteria", help="export or import the stage x test matrix (for version control)"
    )
    criteria_commands = criteria.add_subparsers(dest="criteria_command", required=True)
    criteria_export = criteria_commands.add_parser("export", help="write the matrix in force")
    criteria_export.add_argument("--workspace", help="Slack team id (T...); default: the only one")
    criteria_export.add_argument("--out", type=Path, help="file to write; default: standard output")
    criteria_import = criteria_commands.add_parser(
        "import", help="adopt a matrix file as the next version"
    )
    criteria_import.add_argument("file", type=Path)
    criteria_import.add_argument("--workspace", help="Slack team id (T...); default: the only one")

    rubric = commands.add_parser("rubric", help="check or show a rubric file")
    rubric.add_argument("file", type=Path, nargs="?", help="a rubric file; default: built-in")
    return parser


def _settings() -> Settings:
    return Settings()


def main(argv: Sequence[str] | None = None) -> int:
    # Not at module level: the chart worker process re-imports the main module (the `mlscore`
    # script imports this one), and the services package would bring the database stack along.
    from bot.services.types import ServiceError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = _settings()
    except ValidationError as error:
        print(f"mlscore: invalid configuration:\n{error}", file=sys.stderr)
        return 2

    from bot.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format, secrets=settings.secrets())
    command = args.command or ("serve" if settings.has_slack else "demo")
    try:
        return _run(command, args, settings)
    except ConfigError as error:
        print(f"mlscore: {error}", file=sys.stderr)
        return 2
    except ServiceError as error:
        from bot.slack.i18n import t

        print(f"mlscore: {t(error.key, 'en', **error.params)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import serve

    return serve(
        settings,
        host=getattr(args, "host", "127.0.0.1"),
        port=getattr(args, "port", 3000),
        scheduler=not getattr(args, "no_scheduler", False),
    )


def _socket(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import socket_mode

    return socket_mode(settings, scheduler=not args.no_scheduler)


def _tick(args: argparse.Namespace, settings: Settings) -> int:
    from bot.tick_command import tick_once

    return tick_once(settings, now=args.now)


def _demo(args: argparse.Namespace, _: Settings) -> int:
    from bot.demo import run_demo

    out: Path = getattr(args, "out", Path("demo-out"))
    index = run_demo(out, weeks=getattr(args, "weeks", 16))
    print(f"Demo written to {index}. Open it in a browser.")
    return 0


def _db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db.migrate import downgrade, upgrade

    if args.db_command == "upgrade":
        upgrade(settings.database_url)
        print("Database is up to date.")
    else:
        downgrade(settings.database_url, args.revision)
        print(f"Database downgraded to {args.revision}.")
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import export_data

    data = export_data(settings, workspace=args.workspace, team=args.team, fmt=args.format)
    if args.out:
        args.out.write_bytes(data)
        print(f"Wrote {len(data)} bytes to {args.out}.")
    else:
        sys.stdout.buffer.write(data)
    return 0


def _criteria(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import export_criteria, import_criteria

    if args.criteria_command == "export":
        text = export_criteria(settings, workspace=args.workspace)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
            print(f"Wrote the criteria in force to {args.out}.")
        else:
            sys.stdout.write(text)
        return 0
    try:
        text = args.file.read_text(encoding="utf-8")
    except OSError as error:
        print(f"mlscore: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 1
    version = import_criteria(settings, workspace=args.workspace, text=text, source=str(args.file))
    print(f"Criteria version {version} from {args.file} is now in force.")
    return 0


_COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "serve": _serve,
    "socket": _socket,
    "tick": _tick,
    "demo": _demo,
    "db": _db,
    "export": _export,
    "criteria": _criteria,
    "rubric": lambda args, _: _rubric(args.file),
}


def _run(command: str, args: argparse.Namespace, settings: Settings) -> int:
    return _COMMANDS[command](args, settings)


def _rubric(path: Path | None) -> int:
    from rubric.catalog import RubricError, default_rubric, load_rubric

    try:
        loaded = load_rubric(path) if path else default_rubric()
    except RubricError as error:
        print(f"mlscore: {error}", file=sys.stderr)
        return 1
    items = loaded.items
    print(f"{loaded.name.en} ({loaded.id} {loaded.version}): {len(items)} items")
    for section in loaded.sections:
        print(f"  {section.id}  {section.name.en}")
        for item in section.items:
            flag = "" if item.enabled else "  (disabled)"
            print(f"    {item.id:<5} {item.name.en}{flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
