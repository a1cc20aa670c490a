"""rubric.catalog: loading rubric and criteria files, clear errors, and the criteria helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rubric.catalog import (
    Adjustment,
    Loosening,
    RubricError,
    available_rubrics,
    default_rubric,
    dump_criteria,
    get_rubric,
    load_criteria,
    load_rubric,
    loosening,
    parse_rubric,
    tighten,
)
from rubric.model import Criteria, ItemCriteria, Requirement, Stage, Text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rubrics"
GOOD_YAML = FIXTURES / "good_minimal.yaml"

NA, POOR, OPT, MAN = (
    Requirement.NOT_APPLICABLE,
    Requirement.POOR_VALUE,
    Requirement.OPTIONAL,
    Requirement.MANDATORY,
)


def marked_line(path: Path, marker: str = "<- error") -> int:
    """The 1-based line of the fixture that carries the marker comment."""
    lines = [n for n, line in enumerate(path.read_text().splitlines(), 1) if marker in line]
    assert len(lines) == 1, f"{path.name} must mark exactly one line with {marker!r}"
    return lines[0]


def cell(research: Requirement, roadmap: Requirement, production: Requirement) -> ItemCriteria:
    return ItemCriteria(research=research, roadmap=roadmap, production=production)


# ----- good files ---------------------------------------------------------------------------------


def test_a_yaml_rubric_file_loads_with_its_sections_items_and_criteria():
    rubric = load_rubric(GOOD_YAML)
    assert rubric.id == "tiny"
    assert [item.id for item in rubric.items] == ["A1", "A2", "B1"]
    assert rubric.criteria is not None
    assert rubric.criteria.requirement("A1", Stage.ROADMAP) == MAN


def test_a_json_rubric_file_loads_too():
    rubric = load_rubric(FIXTURES / "good_minimal.json")
    assert rubric.id == "tiny-json"
    assert rubric.sections[0].items[0].guidance.es == "Califícalo."


def test_load_rubric_accepts_a_string_path():
    assert load_rubric(str(GOOD_YAML)).id == "tiny"


# ----- bad files: every message names the file, the field and the line ----------------------------

BAD_FILES = [
    ("bad_missing_field.yaml", "sections[0].items[1].guidance.es", "Field required"),
    ("bad_wrong_type.yaml", "scale.levels[1].points", "valid number"),
    ("bad_unknown_level.yaml", "criteria.items.A2.roadmap", "'poor_valu'"),
    ("bad_duplicate_id.yaml", "sections[1].items[0].id", "item id 'A1' appears twice"),
    ("bad_loosening.yaml", "criteria.items.B1.production", "B1 loosens as the stage advances"),
    ("bad_unknown_field.yaml", "sections[1].items[0].guidence", "unknown field"),
    ("bad_duplicate_key.yaml", "version", "appears twice"),
]


@pytest.mark.parametrize(("name", "field", "message"), BAD_FILES)
def test_a_bad_rubric_file_error_names_the_file_the_field_and_the_line(name, field, message):
    path = FIXTURES / name
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    expected = f"{path}: line {marked_line(path)}: {field}: "
    matching = [line for line in str(caught.value).splitlines() if line.startswith(expected)]
    assert matching, str(caught.value)
    assert message in matching[0]


def test_a_wrong_type_in_a_json_file_is_located_on_its_line():
    path = FIXTURES / "bad_wrong_type.json"
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    line = marked_line(path, marker='"sometimes"')
    assert str(caught.value).startswith(f"{path}: line {line}: sections[0].items[0].enabled: ")


def test_invalid_yaml_syntax_names_the_file_and_the_line():
    path = FIXTURES / "bad_syntax.yaml"
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    assert str(caught.value).startswith(f"{path}: line {marked_line(path)}: invalid YAML: ")


def test_a_top_level_list_is_rejected_as_not_a_mapping():
    path = FIXTURES / "bad_top_level_list.yaml"
    with pytest.raises(RubricError, match="must be a mapping") as caught:
        load_rubric(path)
    assert str(caught.value).startswith(f"{path}: line {marked_line(path)}: ")


def test_an_empty_file_is_rejected_as_not_a_mapping():
    with pytest.raises(RubricError, match=r"^empty\.yaml: .*not an empty file"):
        parse_rubric("# nothing here\n", source="empty.yaml")


def test_a_nonexistent_file_error_names_the_file(tmp_path):
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(RubricError, match="file not found") as caught:
        load_rubric(missing)
    assert str(caught.value).startswith(str(missing))


def test_a_file_with_another_extension_is_refused_before_reading(tmp_path):
    path = tmp_path / "rubric.txt"
    path.write_text("id: x\n")
    with pytest.raises(RubricError, match=r"unsupported file type '\.txt'"):
        load_rubric(path)


def test_a_file_that_is_not_utf8_gives_a_rubric_error(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: {en: Año, es: Año}\n".encode("latin-1"))
    with pytest.raises(RubricError, match="not UTF-8"):
        load_rubric(path)


def test_a_number_where_text_is_expected_suggests_quotes():
    text = GOOD_YAML.read_text().replace('version: "3"', "version: 3")
    with pytest.raises(RubricError, match=r"good\.yaml: line 4: version: .*in quotes"):
        parse_rubric(text, source="good.yaml")


def test_a_yaml_boolean_where_a_key_is_expected_is_reported_not_coerced():
    # YAML 1.1 reads an unquoted `no` as false, a classic trap for a level named "no".
    text = GOOD_YAML.read_text().replace("{key: missing,", "{key: no,")
    with pytest.raises(RubricError, match=r"line 9: scale\.levels\[0\]\.key: .*got False"):
        parse_rubric(text, source="good.yaml")


def test_all_problems_of_a_file_are_reported_together():
    text = GOOD_YAML.read_text().replace('version: "3"', "version: 3")
    text = text.replace("- id: B\n    name:", "- name:")
    with pytest.raises(RubricError) as caught:
        parse_rubric(text, source="two.yaml")
    assert [problem.path for problem in caught.value.problems] == ["version", "sections[1].id"]
    assert all(problem.line is not None for problem in caught.value.problems)


def test_bands_out_of_order_are_rejected():
    text = (
        GOOD_YAML.read_text()
        .replace("{upper: 0, label", "{upper: 7, label")
        .replace("{upper: null, label", "{upper: 2, label")
    )
    with pytest.raises(RubricError, match=r"line 13: bands\[1\]\.upper: .*increasing order"):
        parse_rubric(text, source="bands.yaml")


def test_a_range_scale_with_done_at_outside_the_range_is_rejected():
    text = (FIXTURES / "good_minimal.json").read_text().replace('"done_at": 2', '"done_at": 9')
    with pytest.raises(RubricError, match=r"x\.json: line 5: scale\.done_at: must be within"):
        parse_rubric(text, source="x.json")


# ----- no other exception ever escapes ------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(text=st.text(), suffix=st.sampled_from([".yaml", ".json"]))
def test_arbitrary_text_raises_only_rubric_error(text, suffix):
    message = f"fuzz{suffix}: parsed"
    try:
        parse_rubric(text, source=f"fuzz{suffix}")
    except RubricError as error:
        message = str(error)
    assert message.startswith(f"fuzz{suffix}: ")


GOOD_LINES = GOOD_YAML.read_text().splitlines()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(min_value=0, max_value=len(GOOD_LINES) - 1),
    replacement=st.one_of(
        st.just(""),
        st.text(alphabet=" :-{}[],'\"#&*!|>?%@`abc01\t", max_size=12),
        st.text(max_size=12),
    ),
    keep_original=st.booleans(),
)
def test_a_rubric_file_with_one_line_damaged_raises_only_rubric_error(
    index, replacement, keep_original
):
    lines = list(GOOD_LINES)
    lines[index] = (lines[index] + replacement) if keep_original else replacement
    message = "damaged.yaml: parsed"
    try:
        parse_rubric("\n".join(lines), source="damaged.yaml")
    except RubricError as error:
        message = str(error)
    assert message.startswith("damaged.yaml: ")


# ----- finding rubrics ----------------------------------------------------------------------------


def test_get_rubric_returns_the_builtin_2017_rubric():
    assert get_rubric("ml-test-score") is default_rubric()


def test_get_rubric_for_an_unknown_id_lists_the_known_ones():
    with pytest.raises(RubricError, match="unknown rubric 'nope'") as caught:
        get_rubric("nope")
    assert "ml-test-score" in str(caught.value)
    assert "seed-aspects" in str(caught.value)


def test_get_rubric_finds_a_custom_rubric_in_an_extra_folder_or_file(tmp_path):
    (tmp_path / "ours.yaml").write_text(GOOD_YAML.read_text())
    (tmp_path / "notes.md").write_text("not a rubric")
    assert get_rubric("tiny", extra_paths=[tmp_path]).id == "tiny"
    assert get_rubric("tiny", extra_paths=[tmp_path / "ours.yaml"]).version == "3"
    assert set(available_rubrics([tmp_path])) == {"ml-test-score", "seed-aspects", "tiny"}


def test_a_custom_rubric_may_not_reuse_a_builtin_id(tmp_path):
    path = tmp_path / "clash.yaml"
    path.write_text(GOOD_YAML.read_text().replace("id: tiny", "id: ml-test-score"))
    with pytest.raises(RubricError, match="already used by a built-in rubric") as caught:
        get_rubric("ml-test-score", extra_paths=[path])
    assert str(caught.value).startswith(str(path))


def test_a_broken_custom_rubric_is_reported_with_its_own_file_name(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: [\n")
    with pytest.raises(RubricError, match=r"broken\.yaml: line \d+: invalid YAML"):
        get_rubric("ml-test-score", extra_paths=[path])


def test_an_edited_custom_rubric_is_read_again(tmp_path):
    path = tmp_path / "ours.yaml"
    path.write_text(GOOD_YAML.read_text())
    assert get_rubric("tiny", extra_paths=[path]).version == "3"
    path.write_text(GOOD_YAML.read_text().replace('version: "3"', 'version: "4"'))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert get_rubric("tiny", extra_paths=[path]).version == "4"


# ----- criteria: export and import ----------------------------------------------------------------


def test_dump_then_load_round_trips_the_default_criteria():
    rubric = default_rubric()
    assert rubric.criteria is not None
    text = dump_criteria(rubric, rubric.criteria)
    assert "# FD1: Feature expectations are captured in a schema" in text
    assert load_criteria(text, rubric) == rubric.criteria


def test_the_dumped_matrix_fits_under_a_rubric_files_criteria_key():
    rubric = load_rubric(GOOD_YAML)
    assert rubric.criteria is not None
    dumped = dump_criteria(rubric, rubric.criteria)
    head, _, _ = GOOD_YAML.read_text().partition("criteria:\n")
    indented = "".join(f"  {line}\n" for line in dumped.splitlines())
    assert parse_rubric(f"{head}criteria:\n{indented}", source="again.yaml") == rubric


requirements = st.sampled_from(list(Requirement))
rationales = st.one_of(
    st.none(),
    st.builds(
        Text,
        en=st.text(min_size=1, max_size=40),
        es=st.text(min_size=1, max_size=40),
    ),
)


@st.composite
def monotone_criteria(draw):
    items = {}
    for item in default_rubric().items:
        ranks = sorted(draw(st.lists(requirements, min_size=3, max_size=3)), key=lambda r: r.rank)
        items[item.id] = ItemCriteria(
            research=ranks[0],
            roadmap=ranks[1],
            production=ranks[2],
            rationale=draw(rationales),
        )
    return Criteria(version=draw(st.integers(1, 5)), items=items)


@settings(max_examples=60, deadline=None)
@given(criteria=monotone_criteria())
def test_any_valid_matrix_survives_dump_and_load_unchanged(criteria):
    rubric = default_rubric()
    assert load_criteria(dump_criteria(rubric, criteria), rubric) == criteria


def test_load_criteria_reads_a_path(tmp_path):
    rubric = default_rubric()
    assert rubric.criteria is not None
    path = tmp_path / "criteria.yaml"
    path.write_text(dump_criteria(rubric, rubric.criteria), encoding="utf-8")
    assert load_criteria(path, rubric) == rubric.criteria


def default_dump() -> str:
    rubric = default_rubric()
    assert rubric.criteria is not None
    return dump_criteria(rubric, rubric.criteria)


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_load_criteria_rejects_an_item_the_rubric_does_not_have():
    text = default_dump().replace("  FD3:\n", "  FD33:\n")
    with pytest.raises(RubricError) as caught:
        load_criteria(text, default_rubric(), source="team.yaml")
    message = str(caught.value)
    assert f"team.yaml: line {line_of(text, 'FD33:')}: items.FD33: unknown item 'FD33'" in message
    assert "missing items: FD3" in message


def test_load_criteria_rejects_an_invalid_level_with_its_line():
    text = default_dump()
    line = line_of(text, "  FD5:") + 1
    lines = text.splitlines()
    lines[line - 1] = "    research: must"
    with pytest.raises(RubricError, match=rf"^c\.yaml: line {line}: items\.FD5\.research: "):
        load_criteria("\n".join(lines), default_rubric(), source="c.yaml")


def test_load_criteria_requires_every_item_unless_told_otherwise():
    partial = "items:\n  FD1: {research: optional, roadmap: optional, production: mandatory}\n"
    with pytest.raises(RubricError, match="missing items: FD2, FD3"):
        load_criteria(partial, default_rubric())
    criteria = load_criteria(partial, default_rubric(), require_all=False)
    assert list(criteria.items) == ["FD1"]


def test_load_criteria_rejects_a_matrix_that_loosens_naming_the_item():
    text = default_dump()
    line = line_of(text, "  MD2:") + 3  # research, roadmap, production
    lines = text.splitlines()
    assert lines[line - 1] == "    production: mandatory"
    lines[line - 1] = "    production: optional"
    with pytest.raises(RubricError) as caught:
        load_criteria("\n".join(lines), default_rubric(), source="c.yaml")
    assert str(caught.value) == (
        f"c.yaml: line {line}: items.MD2.production: MD2 loosens as the stage advances: "
        "roadmap is mandatory but production is optional (a later stage may not be looser)"
    )


def test_load_criteria_rejects_a_list_and_broken_yaml():
    with pytest.raises(RubricError, match="must be a mapping"):
        load_criteria("- FD1\n", default_rubric())
    with pytest.raises(RubricError, match=r"criteria\.yaml: line 3: invalid YAML"):
        load_criteria("items:\n  FD1: {research: [\n", default_rubric())


# ----- criteria: loosening and tightening ---------------------------------------------------------


def test_loosening_lists_each_cell_looser_than_an_earlier_stage():
    criteria = Criteria(
        items={
            "A": cell(MAN, OPT, OPT),
            "B": cell(NA, OPT, POOR),
            "C": cell(POOR, OPT, MAN),
        }
    )
    assert loosening(criteria) == [
        Loosening("A", Stage.ROADMAP, OPT, MAN, Stage.RESEARCH),
        Loosening("A", Stage.PRODUCTION, OPT, MAN, Stage.RESEARCH),
        Loosening("B", Stage.PRODUCTION, POOR, OPT, Stage.ROADMAP),
    ]


def test_tighten_raises_later_stages_and_reports_each_adjustment():
    criteria = Criteria(
        version=2,
        items={
            "A": ItemCriteria(
                research=MAN, roadmap=OPT, production=POOR, rationale=Text(en="a", es="b")
            ),
            "B": cell(NA, OPT, POOR),
            "C": cell(POOR, OPT, MAN),
        },
    )
    tightened, adjustments = tighten(criteria)
    assert adjustments == [
        Adjustment("A", Stage.ROADMAP, OPT, MAN),
        Adjustment("A", Stage.PRODUCTION, POOR, MAN),
        Adjustment("B", Stage.PRODUCTION, POOR, OPT),
    ]
    assert tightened.items["A"] == ItemCriteria(
        research=MAN, roadmap=MAN, production=MAN, rationale=Text(en="a", es="b")
    )
    assert tightened.items["B"] == cell(NA, OPT, OPT)
    assert tightened.items["C"] == criteria.items["C"]
    assert tightened.version == 2
    assert loosening(tightened) == []


@st.composite
def any_criteria(draw):
    ids = draw(st.lists(st.sampled_from(["A", "B", "C", "D", "E"]), unique=True, max_size=5))
    return Criteria(
        items={i: cell(draw(requirements), draw(requirements), draw(requirements)) for i in ids}
    )


@given(criteria=any_criteria())
def test_tighten_never_lowers_a_cell_and_changes_exactly_the_loose_ones(criteria):
    tightened, adjustments = tighten(criteria)
    assert loosening(tightened) == []
    loose = {(found.item_id, found.stage) for found in loosening(criteria)}
    assert {(a.item_id, a.stage) for a in adjustments} == loose
    for item_id, original in criteria.items.items():
        for stage in Stage:
            before, after = original.at(stage), tightened.items[item_id].at(stage)
            assert after.rank >= before.rank
            assert (after != before) == ((item_id, stage) in loose)
    assert tighten(tightened) == (tightened, [])


def test_tighten_leaves_the_default_matrix_unchanged():
    criteria = default_rubric().criteria
    assert criteria is not None
    assert tighten(criteria) == (criteria, [])
