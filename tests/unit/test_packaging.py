"""pyproject.toml lists the packages by hand (to map migrations/ into the package): every
directory of bot/ and rubric/ must be in the list, or a built package would miss it."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def setuptools_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]


def directories_under(top: str) -> set[str]:
    found = {top}
    for path in (ROOT / top).rglob("*"):
        parts = path.relative_to(ROOT).parts
        # What setuptools could import: names that are identifiers (not .ruff_cache), no caches.
        if path.is_dir() and all(p.isidentifier() and p != "__pycache__" for p in parts):
            found.add(".".join(parts))
    return found


def test_every_source_directory_is_a_listed_package() -> None:
    listed = set(setuptools_config()["packages"])
    on_disk = directories_under("bot") | directories_under("rubric")
    assert on_disk <= listed, f"missing from pyproject.toml: {sorted(on_disk - listed)}"


def test_the_top_level_migrations_ship_inside_the_package() -> None:
    config = setuptools_config()
    assert config["package-dir"]["bot.db.migrations"] == "migrations"
    assert {"bot.db.migrations", "bot.db.migrations.versions"} <= set(config["packages"])
    assert "script.py.mako" in config["package-data"]["bot.db.migrations"]
    assert (ROOT / "migrations" / "env.py").is_file()


def source_dir(package: str, mapped: dict[str, str]) -> Path:
    for name, directory in mapped.items():
        if package == name or package.startswith(name + "."):
            rest = package[len(name) :].strip(".")
            return Path(directory, *rest.split(".")) if rest else Path(directory)
    return Path(*package.split("."))


def test_nothing_listed_is_missing_from_disk() -> None:
    config = setuptools_config()
    for package in config["packages"]:
        path = source_dir(package, config["package-dir"])
        assert (ROOT / path).is_dir(), f"{package}: no directory {path}"
