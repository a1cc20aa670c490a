"""Load and check rubric files, and the stage criteria matrix that travels with them.

A rubric file is YAML (or JSON) shaped like `rubric.model.Rubric`. Bad input never escapes as a
traceback: every problem becomes a `RubricError` whose message names the file, the line when it
is known, and the field path, for example::

    my.yaml: line 12: sections[0].items[3].guidance.es: Field required

Besides what the pydantic models check, the loader rejects duplicate YAML keys, duplicate
section or item ids, criteria for unknown items, bands out of order, and a criteria matrix that
loosens as the stage advances (a test mandatory in research must stay mandatory later on).

PyYAML is the one dependency beyond pydantic: it only parses text, so rubric/ stays pure.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from rubric.model import (
    Criteria,
    ItemCriteria,
    LevelScale,
    RangeScale,
    Requirement,
    Rubric,
    Stage,
)

DEFAULT_RUBRIC_ID = "ml-test-score"
RUBRIC_SUFFIXES = (".yaml", ".yml", ".json")
MAX_PROBLEMS_SHOWN = 20

Loc = tuple[str | int, ...]
_M = TypeVar("_M", bound=BaseModel)


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file; `line` is 1-based, `path` like `sections[0].id`."""

    source: str
    message: str
    path: str = ""
    line: int | None = None

    def __str__(self) -> str:
        parts = [self.source]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.path:
            parts.append(self.path)
        parts.append(self.message)
        return ": ".join(parts)


class RubricError(ValueError):
    """A rubric or criteria file that cannot be used; `problems` lists every reason found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = [str(problem) for problem in self.problems[:MAX_PROBLEMS_SHOWN]]
        hidden = len(self.problems) - MAX_PROBLEMS_SHOWN
        if hidden > 0:
            lines.append(f"{self.problems[0].source}: ... and {hidden} more problems")
        super().__init__("\n".join(lines))

    @classmethod
    def single(
        cls, source: str, message: str, *, path: str = "", line: int | None = None
    ) -> RubricError:
        return cls([Problem(source=source, message=message, path=path, line=line)])


# --------------------------------------------------------------------------------------------
# Public API: rubrics
# --------------------------------------------------------------------------------------------


def load_rubric(path: str | Path) -> Rubric:
    """Read and check one rubric file (`.yaml`, `.yml` or `.json`)."""
    path = Path(path)
    return parse_rubric(_read_text(path), source=str(path))


def parse_rubric(text: str, *, source: str) -> Rubric:
    """Check rubric text; `source` names it in errors and picks JSON when it ends in `.json`."""
    document = _Document.parse(text, source)
    data = document.require_mapping("rubric")
    problems = document.duplicate_keys() + _rubric_id_problems(data)
    rubric = document.validate(Rubric, problems)
    problems += _rubric_semantic_problems(rubric)
    document.raise_if_any(problems)
    return rubric


def default_rubric() -> Rubric:
    """The 2017 ML Test Score shipped with the bot."""
    return _builtin()[DEFAULT_RUBRIC_ID]


def builtin_rubrics() -> dict[str, Rubric]:
    """Every rubric shipped in rubric/data, keyed by rubric id."""
    return dict(_builtin())


def available_rubrics(extra_paths: Sequence[Path] = ()) -> dict[str, Rubric]:
    """Built-in rubrics plus those in `extra_paths` (files, or folders of rubric files).

    An extra rubric may not reuse an id already taken: stored assessments name their rubric by
    id, so two different rubrics under one id would make them ambiguous.
    """
    found = dict(_builtin())
    origin = dict.fromkeys(found, "a built-in rubric")
    for path in _rubric_files(extra_paths):
        rubric = _load_cached(path)
        if rubric.id in found:
            raise RubricError.single(
                str(path),
                f"rubric id {rubric.id!r} is already used by {origin[rubric.id]}",
                path="id",
            )
        found[rubric.id] = rubric
        origin[rubric.id] = str(path)
    return found


def get_rubric(rubric_id: str, extra_paths: Sequence[Path] = ()) -> Rubric:
    """The rubric with this id, built-in or from `extra_paths`."""
    rubrics = available_rubrics(extra_paths)
    try:
        return rubrics[rubric_id]
    except KeyError:
        known = ", ".join(sorted(rubrics))
        searched = ", ".join(str(path) for path in extra_paths) or "no extra paths"
        raise RubricError.single(
            "rubric catalog",
            f"unknown rubric {rubric_id!r}; known rubrics: {known} "
            f"(searched built-ins and {searched})",
        ) from None


# --------------------------------------------------------------------------------------------
# Public API: criteria
# --------------------------------------------------------------------------------------------


class Loosening(NamedTuple):
    """A cell whose requirement is looser than the strictest one at an earlier stage."""

    item_id: str
    stage: Stage
    requirement: Requirement
    floor: Requirement  # the strictest requirement at any earlier stage
    floor_stage: Stage  # the earlier stage that sets the floor


class Adjustment(NamedTuple):
    """One cell raised by `tighten`."""

    item_id: str
    stage: Stage
    before: Requirement
    after: Requirement


def loosening(criteria: Criteria) -> list[Loosening]:
    """Every cell where a later stage asks less than an earlier one, in item then stage order."""
    found: list[Loosening] = []
    for item_id, cell in criteria.items.items():
        floor_stage = Stage.RESEARCH
        for stage in list(Stage)[1:]:
            previous = list(Stage)[stage.rank - 1]
            if cell.at(previous).rank > cell.at(floor_stage).rank:
                floor_stage = previous
            floor = cell.at(floor_stage)
            if cell.at(stage).rank < floor.rank:
                found.append(Loosening(item_id, stage, cell.at(stage), floor, floor_stage))
    return found


def tighten(criteria: Criteria) -> tuple[Criteria, list[Adjustment]]:
    """Raise later stages so no cell is looser than an earlier stage; report every change.

    Each stage gets the strictest of its own requirement and those of the stages before it.
    """
    adjustments: list[Adjustment] = []
    items: dict[str, ItemCriteria] = {}
    for item_id, cell in criteria.items.items():
        floor = Requirement.NOT_APPLICABLE
        raised: dict[str, Requirement] = {}
        for stage in Stage:
            own = cell.at(stage)
            if own.rank < floor.rank:
                adjustments.append(Adjustment(item_id, stage, own, floor))
            floor = max(own, floor, key=lambda requirement: requirement.rank)
            raised[stage.value] = floor
        items[item_id] = cell.model_copy(update=raised)
    return criteria.model_copy(update={"items": items}), adjustments


def dump_criteria(rubric: Rubric, criteria: Criteria) -> str:
    """The stage x item matrix alone, as commented YAML for version control.

    The shape is the one under a rubric file's `criteria:` key; `load_criteria` reads it back.
    """
    lines = [
        f"# Stage criteria for rubric {rubric.id} (version {rubric.version}).",
        "# For each item, how much it matters at each stage, from loosest to strictest:",
        "#   " + " < ".join(requirement.value for requirement in Requirement),
        "# A later stage may never be looser than an earlier one.",
        f"version: {criteria.version}",
        "items:" if criteria.items else "items: {}",
    ]
    known = [item.id for item in rubric.items]
    ordered = [i for i in known if i in criteria.items]
    ordered += sorted(set(criteria.items) - set(known))
    for item_id in ordered:
        if item_id in known:
            lines.append(f"  # {item_id}: {rubric.item(item_id).name.en}")
        cell = criteria.items[item_id].model_dump(mode="json", exclude_none=True)
        block = yaml.dump(
            {item_id: cell},
            Dumper=_ExactDumper,
            sort_keys=False,
            allow_unicode=True,
            width=10_000,
        )
        lines.extend("  " + line for line in block.splitlines())
    return "\n".join(lines) + "\n"


class _ExactDumper(yaml.SafeDumper):
    """Writes text so it reads back identical, keeping accents readable.

    Plain and folded styles let YAML rewrite some characters on reading (NEL and the Unicode
    line separators become breaks or spaces); double quotes escape them instead.
    """


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = None if value.isprintable() else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ExactDumper.add_representer(str, _represent_text)


def load_criteria(
    text_or_path: str | Path,
    rubric: Rubric,
    *,
    source: str | None = None,
    require_all: bool = True,
) -> Criteria:
    """Read a criteria matrix for `rubric`: a `Path` is read from disk, a `str` is the text.

    Every item must exist in the rubric, every level must be valid, no stage may be looser than
    an earlier one and, with `require_all`, every item of the rubric must have a row.
    """
    if isinstance(text_or_path, Path):
        source = source or str(text_or_path)
        text = _read_text(text_or_path)
    else:
        source = source or "criteria.yaml"
        text = text_or_path
    document = _Document.parse(text, source)
    data = document.require_mapping("criteria matrix")
    known = {item.id for item in rubric.items}
    problems = document.duplicate_keys()
    rows = data.get("items")
    if isinstance(rows, Mapping):
        problems += [
            (("items", key), f"unknown item {key!r} (not in rubric {rubric.id})")
            for key in rows
            if isinstance(key, str) and key not in known
        ]
        if require_all:
            missing = [item.id for item in rubric.items if item.id not in rows]
            if missing:
                problems.append((("items",), f"missing items: {', '.join(missing)}"))
    criteria = document.validate(Criteria, problems)
    problems += _loosening_problems(criteria, prefix=())
    document.raise_if_any(problems)
    return criteria


# --------------------------------------------------------------------------------------------
# Checks beyond the pydantic models
# --------------------------------------------------------------------------------------------


def _rubric_id_problems(data: Mapping[Any, Any]) -> list[tuple[Loc, str]]:
    """Duplicate ids and unknown criteria items, located precisely in the raw data.

    The model rejects these too, but only at the top level; here they get a field and a line.
    """
    problems: list[tuple[Loc, str]] = []
    section_ids: set[str] = set()
    item_ids: set[str] = set()
    for s, section in _indexed_mappings(data.get("sections")):
        section_id = section.get("id")
        if isinstance(section_id, str):
            if section_id in section_ids:
                problems.append((("sections", s, "id"), f"section id {section_id!r} appears twice"))
            section_ids.add(section_id)
        for i, item in _indexed_mappings(section.get("items")):
            item_id = item.get("id")
            if isinstance(item_id, str):
                if item_id in item_ids:
                    loc: Loc = ("sections", s, "items", i, "id")
                    problems.append((loc, f"item id {item_id!r} appears twice"))
                item_ids.add(item_id)
    criteria = data.get("criteria")
    rows = criteria.get("items") if isinstance(criteria, Mapping) else None
    if isinstance(rows, Mapping) and item_ids:
        problems += [
            (("criteria", "items", key), f"unknown item {key!r} (not in any section)")
            for key in rows
            if isinstance(key, str) and key not in item_ids
        ]
    return problems


def _indexed_mappings(value: object) -> Iterator[tuple[int, Mapping[Any, Any]]]:
    if isinstance(value, list):
        for index, element in enumerate(value):
            if isinstance(element, Mapping):
                yield index, element


def _rubric_semantic_problems(rubric: Rubric) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    scale = rubric.scale
    if isinstance(scale, LevelScale):
        for index, level in enumerate(scale.levels):
            if not math.isfinite(level.points):
                problems.append((("scale", "levels", index, "points"), "must be a finite number"))
    elif isinstance(scale, RangeScale):
        problems += _range_problems(scale)
    previous: float | None = None
    for index, band in enumerate(rubric.bands):
        loc: Loc = ("bands", index, "upper")
        if band.upper is None:
            if index != len(rubric.bands) - 1:
                problems.append((loc, "only the last band may be unbounded (upper: null)"))
            continue
        if not math.isfinite(band.upper):
            problems.append((loc, "must be a finite number, or null for the last band"))
        elif previous is not None and band.upper <= previous:
            problems.append((loc, f"bands must be in increasing order; {band.upper} <= {previous}"))
        previous = band.upper
    seen: set[Stage] = set()
    for index, info in enumerate(rubric.stages):
        if info.stage in seen:
            problems.append(
                (("stages", index, "stage"), f"stage {info.stage.value!r} appears twice")
            )
        seen.add(info.stage)
    if rubric.criteria is not None:
        problems += _loosening_problems(rubric.criteria, prefix=("criteria",))
    return problems


def _range_problems(scale: RangeScale) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    for name in ("min", "max", "step", "done_at"):
        value = getattr(scale, name)
        if value is not None and not math.isfinite(value):
            problems.append((("scale", name), "must be a finite number"))
    if problems:
        return problems
    steps = (scale.max - scale.min) / scale.step
    if abs(steps - round(steps)) > 1e-9:
        problems.append(
            (("scale", "step"), f"{scale.step} does not divide {scale.min}..{scale.max}")
        )
    if scale.done_at is not None and not scale.min <= scale.done_at <= scale.max:
        problems.append((("scale", "done_at"), f"must be within {scale.min}..{scale.max}"))
    return problems


def _loosening_problems(criteria: Criteria, *, prefix: Loc) -> list[tuple[Loc, str]]:
    return [
        (
            (*prefix, "items", cell.item_id, cell.stage.value),
            f"{cell.item_id} loosens as the stage advances: {cell.floor_stage.value} is "
            f"{cell.floor.value} but {cell.stage.value} is {cell.requirement.value} "
            "(a later stage may not be looser)",
        )
        for cell in loosening(criteria)
    ]


# --------------------------------------------------------------------------------------------
# Reading text into data, with line numbers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Document:
    """Parsed input: the plain data, and the YAML node tree when available (for line numbers)."""

    source: str
    data: object
    root: yaml.Node | None

    @classmethod
    def parse(cls, text: str, source: str) -> _Document:
        if source.lower().endswith(".json"):
            return cls._parse_json(text, source)
        return cls._parse_yaml(text, source)

    @classmethod
    def _parse_json(cls, text: str, source: str) -> _Document:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RubricError.single(source, f"invalid JSON: {exc.msg}", line=exc.lineno) from None
        except (ValueError, RecursionError) as exc:
            raise RubricError.single(source, f"invalid JSON: {exc}") from None
        # JSON is (nearly) a subset of YAML, so the YAML composer gives line numbers for it too.
        try:
            root = cls._parse_yaml(text, source).root
        except RubricError:
            root = None
        return cls(source, data, root)

    @classmethod
    def _parse_yaml(cls, text: str, source: str) -> _Document:
        loader: yaml.SafeLoader | None = None
        try:
            loader = yaml.SafeLoader(text)  # checks for unprintable characters already
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            reason = " ".join(part for part in (exc.context, exc.problem) if part)
            raise RubricError.single(source, f"invalid YAML: {reason}", line=line) from None
        except yaml.reader.ReaderError as exc:
            line = text.count("\n", 0, exc.position) + 1
            message = f"invalid YAML: character #x{exc.character:04x} is not allowed"
            raise RubricError.single(source, message, line=line) from None
        except yaml.YAMLError as exc:
            raise RubricError.single(source, f"invalid YAML: {exc}") from None
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:
            # PyYAML's constructors raise plain errors for some inputs, e.g. a date 2017-13-45.
            raise RubricError.single(source, f"invalid YAML: {exc}") from None
        finally:
            if loader is not None:
                loader.dispose()
        return cls(source, data, root)

    def require_mapping(self, what: str) -> Mapping[Any, Any]:
        if isinstance(self.data, Mapping):
            return self.data
        found = "an empty file" if self.data is None else f"a {type(self.data).__name__}"
        raise RubricError.single(
            self.source,
            f"a {what} file must be a mapping of fields at the top level, not {found}",
            line=self.line_of(()),
        )

    def validate(self, model: type[_M], problems: list[tuple[Loc, str]]) -> _M:
        """Validate with pydantic; raise every problem so far plus pydantic's, located."""
        try:
            result = model.model_validate(self.data)
        except ValidationError as exc:
            errors = _useful_errors(exc)
            if problems:
                # Our own checks already located what the model reports at the top level.
                errors = [error for error in errors if error["loc"]]
            located = [self.problem(loc, message) for loc, message in problems]
            located += [self._pydantic_problem(error) for error in errors]
            raise RubricError(located) from None
        self.raise_if_any(problems)
        return result

    def raise_if_any(self, problems: Sequence[tuple[Loc, str]]) -> None:
        if problems:
            raise RubricError([self.problem(loc, message) for loc, message in problems])

    def problem(self, loc: Loc, message: str) -> Problem:
        return Problem(self.source, message, path=_format_loc(loc), line=self.line_of(loc))

    def _pydantic_problem(self, error: Mapping[str, Any]) -> Problem:
        loc = _without_tags(self.data, tuple(error["loc"]))
        return self.problem(loc, _pydantic_message(error))

    def line_of(self, loc: Loc) -> int | None:
        """The 1-based line of the deepest node along `loc` (a key's own line for mappings)."""
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                matches = [
                    (key, value)
                    for key, value in node.value
                    if isinstance(key, yaml.ScalarNode) and key.value == str(part)
                ]
                if not matches:
                    break
                key, node = matches[-1]  # the last duplicate wins, as when constructing
                line = key.start_mark.line + 1
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    break
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def duplicate_keys(self) -> list[tuple[Loc, str]]:
        """Keys repeated in one mapping; PyYAML would silently keep only the last one."""
        problems: list[tuple[Loc, str]] = []
        if self.root is not None:
            _find_duplicate_keys(self.root, problems)
        return problems


def _find_duplicate_keys(root: yaml.Node, problems: list[tuple[Loc, str]]) -> None:
    # Iterative, so a deeply nested file cannot exhaust the stack; `visited` stops at aliases.
    visited: set[int] = set()
    pending: list[tuple[yaml.Node, Loc]] = [(root, ())]
    while pending:
        node, loc = pending.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue
                if key.value in seen and key.value != "<<":
                    message = f"key {key.value!r} appears twice in this mapping"
                    problems.append(((*loc, key.value), message))
                seen.add(key.value)
                pending.append((value, (*loc, key.value)))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend((value, (*loc, index)) for index, value in enumerate(node.value))


def _useful_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic's errors minus the echo it adds for a tuple whose failing elements were dropped."""
    errors: list[dict[str, Any]] = [dict(error) for error in exc.errors()]
    locs: list[Loc] = [tuple(error["loc"]) for error in errors]

    def has_deeper_error(loc: Loc) -> bool:
        return any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs)

    return [
        error
        for error, loc in zip(errors, locs, strict=True)
        if not (error["type"] == "too_short" and has_deeper_error(loc))
    ]


def _without_tags(data: object, loc: Loc) -> Loc:
    """Drop the union tag pydantic puts in a location (`scale.levels.levels` -> `scale.levels`)."""
    cleaned: list[str | int] = []
    current = data
    skipped_here = False
    for part in loc:
        if (
            not skipped_here
            and isinstance(current, Mapping)
            and isinstance(part, str)
            and current.get("kind") == part
        ):
            skipped_here = True
            continue
        skipped_here = False
        cleaned.append(part)
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        else:
            current = None
    return tuple(cleaned)


def _pydantic_message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field (check the spelling; extra fields are not allowed)"
    if kind == "union_tag_not_found":
        return "missing 'kind' (one of: levels, range)"
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if kind != "missing" and isinstance(value, str | int | float | bool) and len(str(value)) <= 60:
        message += f" (got {value!r})"
    if kind == "string_type" and isinstance(value, int | float | bool):
        message += "; put the value in quotes to make it text"
    return message


def _format_loc(loc: Loc) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part == "[key]":
            text += " (key)"
        else:
            text += f".{part}" if text else part
    return text


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    source = str(path)
    if path.suffix.lower() not in RUBRIC_SUFFIXES:
        raise RubricError.single(
            source,
            f"unsupported file type {path.suffix!r}; use one of {', '.join(RUBRIC_SUFFIXES)}",
        )
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RubricError.single(source, "file not found") from None
    except UnicodeDecodeError as exc:
        raise RubricError.single(source, f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise RubricError.single(source, f"cannot read the file: {exc.strerror or exc}") from None


def _rubric_files(paths: Sequence[Path]) -> Iterator[Path]:
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from sorted(
                child for child in path.iterdir() if child.suffix.lower() in RUBRIC_SUFFIXES
            )
        else:
            yield path


def _load_cached(path: Path) -> Rubric:
    try:
        stat = path.stat()
    except OSError:
        return load_rubric(path)  # reports the problem with the file's name
    return _load_version(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _load_version(path: str, mtime_ns: int, size: int) -> Rubric:
    """Parse a file once per version of it: mtime and size are in the key so edits are seen."""
    return load_rubric(path)


@functools.cache
def _builtin() -> dict[str, Rubric]:
    found: dict[str, Rubric] = {}
    data = resources.files("rubric") / "data"
    for entry in sorted(data.iterdir(), key=lambda entry: entry.name):
        if not entry.name.lower().endswith(RUBRIC_SUFFIXES):
            continue
        source = f"rubric/data/{entry.name}"
        rubric = parse_rubric(entry.read_text(encoding="utf-8"), source=source)
        if rubric.id in found:
            raise RubricError.single(source, f"rubric id {rubric.id!r} appears twice", path="id")
        found[rubric.id] = rubric
    return found
