"""The consensus rules on a hand-worked example: three people answer the 2017 rubric differently,
and each rule's agreed result is scored by hand the way the paper scores (0.5 manual, 1 automated,
final = the lowest section sum)."""

from __future__ import annotations

from rubric.catalog import default_rubric
from rubric.consensus import Response, Rule, agree, default_rule, disagreements, proposal, spread
from rubric.model import Answer
from rubric.scoring import score

RUBRIC = default_rubric()
ANA, BEN, CAI = "U0ANA", "U0BEN", "U0CAI"  # Ana is the team's lead


def answers_of(changes: dict[str, str]) -> dict[str, str]:
    chosen = {item.id: "manual" for item in RUBRIC.items}
    chosen.update(changes)
    return chosen


# Everyone says "manual" for 25 of the 28 tests; they differ on FD1, MD2 and I1 and Mo3.
RESPONSES = [
    Response(
        ANA, answers_of({"FD1": "automated", "MD2": "manual", "I1": "not_done", "Mo3": "automated"})
    ),
    Response(
        BEN, answers_of({"FD1": "manual", "MD2": "automated", "I1": "automated", "Mo3": "not_done"})
    ),
    Response(
        CAI, answers_of({"FD1": "not_done", "MD2": "automated", "I1": "automated", "Mo3": "manual"})
    ),
]


def paper_score(choices: dict[str, str]) -> tuple[tuple[float, ...], float]:
    scored = score(RUBRIC, {k: Answer(item_id=k, choice=v) for k, v in choices.items()})
    return tuple(s.score for s in scored.sections), scored.final


def test_lowest_takes_each_items_lowest_answer_and_scores_as_worked_by_hand() -> None:
    agreed = agree(RUBRIC, Rule.LOWEST, RESPONSES, leads=[ANA])
    assert {k: agreed[k] for k in ("FD1", "MD2", "I1", "Mo3")} == {
        "FD1": "not_done",
        "MD2": "manual",
        "I1": "not_done",
        "Mo3": "not_done",
    }
    # By hand: data 6 x 0.5 = 3.0; model 7 x 0.5 = 3.5; infra 3.0; monitor 3.0; final 3.0.
    assert paper_score(agreed) == ((3.0, 3.5, 3.0, 3.0), 3.0)


def test_median_takes_the_middle_answer_and_scores_as_worked_by_hand() -> None:
    agreed = agree(RUBRIC, Rule.MEDIAN, RESPONSES, leads=[ANA])
    assert {k: agreed[k] for k in ("FD1", "MD2", "I1", "Mo3")} == {
        "FD1": "manual",
        "MD2": "automated",
        "I1": "automated",
        "Mo3": "manual",
    }
    # By hand: data 3.5; model 6 x 0.5 + 1 = 4.0; infra 4.0; monitor 3.5; final 3.5.
    assert paper_score(agreed) == ((3.5, 4.0, 4.0, 3.5), 3.5)


def test_lead_rule_takes_the_leads_answer_where_people_differ() -> None:
    agreed = agree(RUBRIC, Rule.LEAD, RESPONSES, leads=[ANA])
    assert {k: agreed[k] for k in ("FD1", "MD2", "I1", "Mo3")} == {
        "FD1": "automated",
        "MD2": "manual",
        "I1": "not_done",
        "Mo3": "automated",
    }
    # By hand: data 6 x 0.5 + 1 = 4.0; model 3.5; infra 3.0; monitor 4.0; final 3.0.
    assert paper_score(agreed) == ((4.0, 3.5, 3.0, 4.0), 3.0)


def test_lead_rule_without_a_lead_answer_is_cautious_until_confirmed() -> None:
    without_ana = RESPONSES[1:]
    assert proposal(RUBRIC, Rule.LEAD, without_ana, leads=[ANA])["FD1"] == "not_done"
    resolved = agree(RUBRIC, Rule.LEAD, without_ana, leads=[ANA], resolution={"FD1": "manual"})
    assert resolved["FD1"] == "manual"
    assert resolved["MD2"] == "automated"  # they agreed on it: no lead needed


def test_median_of_two_goes_to_the_lower_level() -> None:
    two = [Response(BEN, {"FD1": "automated"}), Response(CAI, {"FD1": "manual"})]
    assert agree(RUBRIC, Rule.MEDIAN, two)["FD1"] == "manual"
    four = [*two, Response(ANA, {"FD1": "not_done"}), Response("U0DAN", {"FD1": "automated"})]
    assert agree(RUBRIC, Rule.MEDIAN, four)["FD1"] == "manual"


def test_default_rule_is_lead_only_for_teams_with_leads() -> None:
    assert default_rule([ANA]) is Rule.LEAD
    assert default_rule([]) is Rule.MEDIAN


def test_disagreements_name_who_said_what_and_which_span_the_whole_scale() -> None:
    found = {d.item_id: d for d in disagreements(RUBRIC, RESPONSES)}
    assert list(found) == ["FD1", "MD2", "I1", "Mo3"]
    assert found["FD1"].full
    assert found["I1"].full
    assert found["Mo3"].full
    assert not found["MD2"].full
    assert found["MD2"].by_choice == (("manual", (ANA,)), ("automated", (BEN, CAI)))
    assert found["MD2"].counts == (("manual", 1), ("automated", 2))


def test_spread_counts_every_answer_per_item() -> None:
    counted = spread(RUBRIC, RESPONSES)
    assert counted["FD2"] == (("manual", 3),)
    assert counted["FD1"] == (("not_done", 1), ("manual", 1), ("automated", 1))
    assert len(counted) == 28
