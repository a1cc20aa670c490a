"""The rubric data shipped in rubric/data: it loads, matches the paper and speaks both languages."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources

import pytest
from pydantic import BaseModel

from rubric.catalog import builtin_rubrics, default_rubric, loosening, parse_rubric
from rubric.model import LevelScale, RangeScale, Requirement, Rubric, Stage, Text

# Copied by hand from the paper's Tables I-IV (Breck et al. 2017, cited in the README), so the
# data file is checked against an independent source rather than against itself.
PAPER_TABLE = [
    ("FD1", "Data 1", "Feature expectations are captured in a schema"),
    ("FD2", "Data 2", "All features are beneficial"),
    ("FD3", "Data 3", "No feature's cost is too much"),
    ("FD4", "Data 4", "Features adhere to meta-level requirements"),
    ("FD5", "Data 5", "The data pipeline has appropriate privacy controls"),
    ("FD6", "Data 6", "New features can be added quickly"),
    ("FD7", "Data 7", "All input feature code is tested"),
    ("MD1", "Model 1", "Model specs are reviewed and submitted"),
    ("MD2", "Model 2", "Offline and online metrics correlate"),
    ("MD3", "Model 3", "All hyperparameters have been tuned"),
    ("MD4", "Model 4", "The impact of model staleness is known"),
    ("MD5", "Model 5", "A simpler model is not better"),
    ("MD6", "Model 6", "Model quality is sufficient on important data slices"),
    ("MD7", "Model 7", "The model is tested for considerations of inclusion"),
    ("I1", "Infra 1", "Training is reproducible"),
    ("I2", "Infra 2", "Model specs are unit tested"),
    ("I3", "Infra 3", "The ML pipeline is integration tested"),
    ("I4", "Infra 4", "Model quality is validated before serving"),
    ("I5", "Infra 5", "The model is debuggable"),
    ("I6", "Infra 6", "Models are canaried before serving"),
    ("I7", "Infra 7", "Serving models can be rolled back"),
    ("Mo1", "Monitor 1", "Dependency changes result in notification"),
    ("Mo2", "Monitor 2", "Data invariants hold for inputs"),
    ("Mo3", "Monitor 3", "Training and serving are not skewed"),
    ("Mo4", "Monitor 4", "Models are not too stale"),
    ("Mo5", "Monitor 5", "Models are numerically stable"),
    ("Mo6", "Monitor 6", "Computing performance has not regressed"),
    ("Mo7", "Monitor 7", "Prediction quality has not regressed"),
]

DATA_FILES = sorted(
    entry.name
    for entry in (resources.files("rubric") / "data").iterdir()
    if entry.name.endswith((".yaml", ".yml", ".json"))
)


def all_rubrics() -> list[Rubric]:
    return list(builtin_rubrics().values())


def texts(value: object, path: str = "") -> Iterator[tuple[str, Text]]:
    """Every Text inside a model, with the path that leads to it."""
    if isinstance(value, Text):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from texts(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, tuple | list):
        for index, element in enumerate(value):
            yield from texts(element, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, element in value.items():
            yield from texts(element, f"{path}.{key}")


# ----- loading -----------------------------------------------------------------------------------


def test_the_data_folder_holds_both_shipped_rubrics():
    assert "ml_test_score_2017.yaml" in DATA_FILES
    assert "seed_aspects.yaml" in DATA_FILES


@pytest.mark.parametrize("name", DATA_FILES)
def test_every_data_file_loads_through_the_checking_loader(name):
    text = (resources.files("rubric") / "data" / name).read_text(encoding="utf-8")
    rubric = parse_rubric(text, source=name)
    assert builtin_rubrics()[rubric.id] == rubric


def test_builtin_rubrics_are_keyed_by_their_id_and_the_default_is_the_2017_one():
    rubrics = builtin_rubrics()
    assert set(rubrics) == {"ml-test-score", "seed-aspects"}
    assert all(rubric_id == rubric.id for rubric_id, rubric in rubrics.items())
    assert default_rubric() is rubrics["ml-test-score"]
    assert default_rubric().version == "2017"


def test_the_2017_rubric_cites_the_paper():
    citation = default_rubric().citation or ""
    assert "The ML Test Score: A Rubric for ML Production Readiness" in citation
    assert "10.1109/BigData.2017.8258038" in citation
    assert "1123-1132" in citation


# ----- the paper's 28 tests ----------------------------------------------------------------------


def test_the_28_items_match_the_paper_table_in_ids_order_names_and_refs():
    actual = [(item.id, item.paper_ref, item.name.en) for item in default_rubric().items]
    assert actual == PAPER_TABLE


def test_there_are_four_sections_of_seven_items_each_in_paper_order():
    rubric = default_rubric()
    assert [section.id for section in rubric.sections] == ["FD", "MD", "I", "Mo"]
    assert [section.name.en for section in rubric.sections] == [
        "Features & Data",
        "Model Development",
        "ML Infrastructure",
        "Monitoring",
    ]
    for section in rubric.sections:
        assert [item.id for item in section.items] == [f"{section.id}{n}" for n in range(1, 8)]
        assert all(item.enabled for item in section.items)


def test_the_2017_scale_gives_half_a_point_by_hand_and_one_automated_so_sections_cap_at_7():
    scale = default_rubric().scale
    assert isinstance(scale, LevelScale)
    by_key = {level.key: level for level in scale.levels}
    assert [level.key for level in scale.levels] == ["not_done", "manual", "automated"]
    assert (by_key["not_done"].points, by_key["manual"].points, by_key["automated"].points) == (
        0,
        0.5,
        1,
    )
    assert [level.done for level in scale.levels] == [False, True, True]
    assert [level.complete for level in scale.levels] == [False, False, True]
    assert by_key["not_done"].label.es == "No se hace"
    assert by_key["automated"].label.es == "Automatizado"
    top = max(level.points for level in scale.levels)
    for section in default_rubric().sections:
        assert top * len(section.items) == 7


def test_the_bands_follow_table_v_with_inclusive_upper_edges():
    assert [band.upper for band in default_rubric().bands] == [0, 1, 2, 3, 5, None]


def test_the_stages_are_the_seed_decks_three_in_order_of_advancement():
    stages = default_rubric().stages
    assert [info.stage for info in stages] == [Stage.RESEARCH, Stage.ROADMAP, Stage.PRODUCTION]
    assert [info.label.en for info in stages] == [
        "Research only / Discovery",
        "Production in the roadmap",
        "Already in production",
    ]


# ----- both languages ----------------------------------------------------------------------------


@pytest.mark.parametrize("rubric", all_rubrics(), ids=lambda rubric: rubric.id)
def test_every_user_facing_string_has_english_and_spanish(rubric):
    found = list(texts(rubric))
    # names, guidance, labels, descriptions, rationales and band labels are all Text values
    assert len(found) >= 2 * len(rubric.items) + len(rubric.sections) + 1
    for path, text in found:
        assert text.en.strip(), path
        assert text.es.strip(), path


@pytest.mark.parametrize("rubric", all_rubrics(), ids=lambda rubric: rubric.id)
def test_guidance_is_really_translated_and_short_enough_for_a_slack_hint(rubric):
    for item in rubric.items:
        assert item.guidance.es != item.guidance.en, item.id
        for language in ("en", "es"):
            assert 80 <= len(item.guidance.get(language)) <= 400, (item.id, language)


@pytest.mark.parametrize("rubric", all_rubrics(), ids=lambda rubric: rubric.id)
def test_short_texts_fit_in_a_slack_option_of_75_characters(rubric):
    # item names, scale, band and stage labels end up as radio or select options
    labels = [item.name for item in rubric.items] + [band.label for band in rubric.bands]
    labels += [info.label for info in rubric.stages]
    if isinstance(rubric.scale, LevelScale):
        labels += [level.label for level in rubric.scale.levels]
    for text in labels:
        assert len(text.en) <= 75, text.en
        assert len(text.es) <= 75, text.es


def test_every_2017_item_has_a_spanish_name_of_its_own():
    for item in default_rubric().items:
        assert item.name.es != item.name.en, item.id


def test_stage_band_and_level_texts_exist_in_both_languages_for_the_2017_rubric():
    rubric = default_rubric()
    assert len(rubric.bands) == 6
    assert all(band.label.es != band.label.en for band in rubric.bands)
    assert all(info.description.es != info.description.en for info in rubric.stages)
    assert isinstance(rubric.scale, LevelScale)
    assert all(level.description is not None for level in rubric.scale.levels)


# ----- the default criteria ----------------------------------------------------------------------


def test_the_default_criteria_cover_every_item_with_a_rationale_in_both_languages():
    rubric = default_rubric()
    assert rubric.criteria is not None
    assert list(rubric.criteria.items) == [item.id for item in rubric.items]
    for item_id, cell in rubric.criteria.items.items():
        assert cell.rationale is not None, item_id
        assert cell.rationale.en.strip(), item_id
        assert cell.rationale.es.strip(), item_id
        assert cell.rationale.es != cell.rationale.en, item_id


def test_the_default_criteria_never_loosen_as_the_stage_advances():
    criteria = default_rubric().criteria
    assert criteria is not None
    for item_id, cell in criteria.items.items():
        ranks = [cell.at(stage).rank for stage in Stage]
        assert ranks == sorted(ranks), item_id
    assert loosening(criteria) == []


def test_the_default_criteria_are_strict_where_it_matters_and_light_in_research():
    criteria = default_rubric().criteria
    assert criteria is not None
    research = {i: c.research for i, c in criteria.items.items()}
    production = {i: c.production for i, c in criteria.items.items()}
    assert research["FD5"] == Requirement.MANDATORY  # privacy applies from the first copy
    assert research["MD1"] == Requirement.MANDATORY  # reviewed model specs
    monitoring_in_research = [research[f"Mo{n}"] for n in range(1, 8)]
    assert monitoring_in_research.count(Requirement.NOT_APPLICABLE) >= 5
    mandatory_in_production = [i for i, r in production.items() if r == Requirement.MANDATORY]
    assert len(mandatory_in_production) >= 26


# ----- the seed deck's style ---------------------------------------------------------------------


def test_the_seed_aspects_rubric_rates_1_to_10_and_has_a_disabled_aspect():
    rubric = builtin_rubrics()["seed-aspects"]
    assert isinstance(rubric.scale, RangeScale)
    assert (rubric.scale.min, rubric.scale.max, rubric.scale.step) == (1, 10, 1)
    assert rubric.scale.done_at is not None
    assert rubric.scale.min <= rubric.scale.done_at <= rubric.scale.max
    assert "testing" in {item.id for item in rubric.items}
    disabled = [item.id for item in rubric.items if not item.enabled]
    assert disabled == ["monitoring"]
