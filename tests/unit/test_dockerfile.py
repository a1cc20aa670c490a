"""The Dockerfile and compose example, read statically: Docker cannot run here.

These check the facts deployment relies on (docs/deploy.md) and that the image stays consistent with
the repository and the `mlscore` command line.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for args in self.args("ENV"):
            for item in shlex.split(args):
                key, _, value = item.partition("=")
                values[key] = value
        return values


def logical_lines(text: str) -> list[str]:
    """Instructions with comments dropped and backslash continuations joined."""
    lines: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            current += stripped[:-1].rstrip() + " "
            continue
        lines.append(current + stripped)
        current = ""
    assert not current, "the Dockerfile ends inside a continued line"
    return lines


def parse_dockerfile(text: str) -> tuple[dict[str, str], list[Stage]]:
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical_lines(text):
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        args = args.strip()
        if keyword == "FROM":
            parts = args.split()
            base = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: global_args[m[1] or m[2]], parts[0])
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(base=base, name=name))
        elif not stages and keyword == "ARG":
            key, _, value = args.partition("=")
            global_args[key] = value
        else:
            assert stages, f"{keyword} before the first FROM"
            stages[-1].instructions.append((keyword, args))
    return global_args, stages


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile((ROOT / "Dockerfile").read_text(encoding="utf-8"))[1]


@pytest.fixture(scope="module")
def runtime(stages: list[Stage]) -> Stage:
    return stages[-1]


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list), f"not the exec (JSON) form: {args}"
    return [str(part) for part in value]


def test_parser_joins_continuations_and_resolves_the_base_image_argument() -> None:
    text = "ARG IMG=python:3.11-slim\nFROM ${IMG} AS b\n# note\nRUN a \\\n  # inner\n  && b\n"

    args, (stage,) = parse_dockerfile(text)

    assert args == {"IMG": "python:3.11-slim"}
    assert stage.base == "python:3.11-slim"
    assert stage.name == "b"
    assert stage.instructions == [("RUN", "a && b")]


def test_image_is_a_multi_stage_build_on_a_slim_python_base(stages: list[Stage]) -> None:
    assert len(stages) >= 2
    for stage in stages:
        assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", stage.base), stage.base


def test_runtime_copies_only_the_builders_virtualenv(stages: list[Stage], runtime: Stage) -> None:
    builder = stages[0]
    assert any(re.search(r"pip install \.(\s|$)", run) for run in builder.args("RUN"))
    assert not any("pip install -e" in run for run in builder.args("RUN"))
    assert any(copy.startswith(f"--from={builder.name} /opt/venv") for copy in runtime.args("COPY"))
    assert runtime.env()["PATH"].startswith("/opt/venv/bin")


def test_runtime_runs_as_a_non_root_user(runtime: Stage) -> None:
    users = runtime.args("USER")
    assert users, "the runtime stage never switches user"
    assert users[-1].split(":")[0] not in {"root", "0"}
    keywords = [kw for kw, _ in runtime.instructions]
    assert keywords.index("USER") < keywords.index("CMD")


def test_matplotlib_is_headless_with_a_writable_config_dir(runtime: Stage) -> None:
    env = runtime.env()
    assert env["MPLBACKEND"] == "Agg"
    config_dir = env["MPLCONFIGDIR"]
    assert config_dir.startswith("/tmp/")
    user = runtime.args("USER")[-1]
    assert any(
        "chown" in run and f"{user}:" in run and ("$MPLCONFIGDIR" in run or config_dir in run)
        for run in runtime.args("RUN")
    )


def test_sqlite_default_lives_on_a_volume_the_user_owns(runtime: Stage) -> None:
    url = runtime.env()["DATABASE_URL"]
    assert url.startswith("sqlite:////")
    data_dir = str(Path(url.removeprefix("sqlite:///")).parent)
    (volume,) = runtime.args("VOLUME")
    assert exec_form(volume) == [data_dir]
    assert any("chown" in run and data_dir in run for run in runtime.args("RUN"))


def test_python_runs_unbuffered_without_writing_bytecode(runtime: Stage) -> None:
    env = runtime.env()
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"


def test_healthcheck_requests_healthz_on_the_exposed_port_without_curl(runtime: Stage) -> None:
    (check,) = runtime.args("HEALTHCHECK")
    (exposed,) = runtime.args("EXPOSE")
    command = check.split("CMD", 1)[1]

    assert f"http://127.0.0.1:{exposed}/healthz" in command
    assert "curl" not in command
    assert "wget" not in command


def test_cmd_runs_serve_with_arguments_the_cli_accepts(runtime: Stage) -> None:
    (cmd,) = runtime.args("CMD")
    argv = exec_form(cmd)
    (exposed,) = runtime.args("EXPOSE")

    assert argv[:2] == ["mlscore", "serve"]
    args = build_parser().parse_args(argv[1:])
    assert args.command == "serve"
    assert args.host == "0.0.0.0"
    assert args.port == int(exposed)

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    assert scripts["mlscore"] == "bot.cli:main"


def package_sources() -> set[str]:
    """The top-level paths pyproject.toml builds the package from: each package's directory
    (through package-dir where it is mapped) and the long description."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    mapped: dict[str, str] = setuptools.get("package-dir", {})
    sources = {config["project"]["readme"], "pyproject.toml"}
    for package in setuptools["packages"]:
        owner = max(
            (name for name in mapped if package == name or package.startswith(name + ".")),
            key=len,
            default=None,
        )
        path = mapped[owner] if owner is not None else package.replace(".", "/")
        sources.add(path.split("/")[0])
    return sources


def test_builder_copies_everything_the_package_is_built_from(stages: list[Stage]) -> None:
    builder = stages[0]
    copied: set[str] = set()
    for keyword, args in builder.instructions:
        if keyword == "RUN" and re.search(r"pip install \.(\s|$)", args):
            break
        if keyword == "COPY" and not args.startswith("--from"):
            copied |= {source.rstrip("/") for source in shlex.split(args)[:-1]}
    assert {"bot", "rubric", "migrations"} <= package_sources()
    assert package_sources() <= copied


def test_working_directory_belongs_to_the_user(runtime: Stage) -> None:
    # `mlscore demo` (what `mlscore` runs without tokens) writes demo-out/ where it is started.
    (workdir,) = runtime.args("WORKDIR")
    user = runtime.args("USER")[-1]
    chowned = [
        shlex.split(step)[2:]
        for run in runtime.args("RUN")
        for step in run.split("&&")
        if shlex.split(step)[:2] == ["chown", f"{user}:{user}"]
    ]
    assert any(workdir in paths for paths in chowned)


def dockerignore_patterns() -> list[str]:
    text = (ROOT / ".dockerignore").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def test_every_copied_source_exists_and_is_in_the_build_context(stages: list[Stage]) -> None:
    ignored = dockerignore_patterns()
    sources = [
        source
        for stage in stages
        for copy in stage.args("COPY")
        if not copy.startswith("--from")
        for source in shlex.split(copy)[:-1]
    ]

    assert sources
    for source in sources:
        path = source.rstrip("/")
        assert (ROOT / path).exists(), f"COPY {source}: not in the repository"
        assert not any(fnmatch.fnmatch(path, pattern) for pattern in ignored), (
            f"COPY {source}: excluded by .dockerignore"
        )


def test_dockerignore_keeps_secrets_databases_and_the_venv_out() -> None:
    ignored = dockerignore_patterns()
    for path in (".env", "mlscore.db", ".venv", ".git"):
        assert any(fnmatch.fnmatch(path, pattern) for pattern in ignored), path


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_compose_bot_waits_for_a_healthy_postgres(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["bot"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["postgres"]["image"].startswith("postgres:")


def test_compose_bot_is_built_here_and_uses_the_compose_postgres(compose: dict[str, Any]) -> None:
    bot = compose["services"]["bot"]
    pg_env = compose["services"]["postgres"]["environment"]
    url = bot["environment"]["DATABASE_URL"]

    assert bot["build"] == "."
    assert url == (
        f"postgresql+psycopg://{pg_env['POSTGRES_USER']}:{pg_env['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{pg_env['POSTGRES_DB']}"
    )
    assert bot["env_file"] == ".env"


def test_compose_keeps_postgres_data_on_a_named_volume(compose: dict[str, Any]) -> None:
    (mount,) = compose["services"]["postgres"]["volumes"]
    volume, _, target = mount.partition(":")

    assert target == "/var/lib/postgresql/data"
    assert volume in compose["volumes"]
