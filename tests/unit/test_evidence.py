"""The pure rules of evidence and freshness (rubric.evidence)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from bot.evidence_api import RateLimiter
from bot.rubric_registry import RubricRegistry
from bot.services.evidence import Refused, parse_push
from rubric.evidence import (
    Claim,
    EvidencePolicy,
    Push,
    PushResult,
    apply_policy,
    apply_pushes,
    carry_failing,
    claims_over,
    is_stale,
    stale_items,
    stale_since,
    valid_evidence_url,
)
from rubric.model import Answer, Freshness, Requirement, Snapshot, Stage

RUBRIC = RubricRegistry().get("ml-test-score")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def claim(item: str, choice: str, at: datetime = T0, url: str = "") -> Claim:
    return Claim(item_id=item, choice=choice, confirmed_at=at, confirmed_by="U1", evidence_url=url)


@pytest.mark.parametrize(
    ("choice", "days", "stale"),
    [
        ("automated", 89, False),
        ("automated", 90, True),
        ("manual", 179, False),
        ("manual", 180, True),
        ("not_done", 5000, False),
    ],
)
def test_a_claim_goes_stale_when_its_levels_window_has_passed(choice, days, stale):
    assert is_stale(RUBRIC, claim("FD1", choice), T0 + timedelta(days=days)) is stale


def test_the_rubric_file_sets_the_windows_per_level_and_per_item():
    custom = RUBRIC.model_copy(
        update={
            "freshness": Freshness(
                levels={"manual": 10, "automated": 5}, items={"Mo3": {"automated": 1}}
            )
        }
    )
    assert is_stale(custom, claim("FD1", "automated"), T0 + timedelta(days=5))
    assert not is_stale(custom, claim("FD1", "manual"), T0 + timedelta(days=9))
    assert is_stale(custom, claim("Mo3", "automated"), T0 + timedelta(days=1))
    assert stale_since(custom, claim("Mo3", "manual")) == T0 + timedelta(days=10)


def test_the_rubric_refuses_freshness_for_an_item_it_does_not_have():
    data = RUBRIC.model_dump()
    data["freshness"] = {"levels": {"manual": 10}, "items": {"NOPE": {"manual": 3}}}
    with pytest.raises(ValidationError, match="NOPE"):
        type(RUBRIC).model_validate(data)


def test_stale_items_are_listed_in_rubric_order():
    claims = {
        "Mo7": claim("Mo7", "automated"),
        "FD2": claim("FD2", "automated"),
        "FD1": claim("FD1", "manual"),
    }
    assert stale_items(RUBRIC, claims, T0 + timedelta(days=100)) == ("FD2", "Mo7")


def test_a_waived_item_is_not_listed_as_stale():
    claims = {"FD2": claim("FD2", "automated"), "Mo7": claim("Mo7", "automated")}
    later = T0 + timedelta(days=100)
    assert stale_items(RUBRIC, claims, later, waived={"FD2"}) == ("Mo7",)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://ci.example.com/run/1", True),
        ("http://wiki/page", True),
        ("javascript:alert(1)", False),
        ("ftp://files/x", False),
        ("https://", False),
        ("https://a b.com", False),
        ("", False),
    ],
)
def test_only_absolute_http_links_are_evidence(url, ok):
    assert valid_evidence_url(url) is ok


def pushed(level: str, result: PushResult, days: int, url: str = "https://ci/1") -> Push:
    return Push("FD1", level, url, result, T0 + timedelta(days=days), "token:7")


def test_a_pass_confirms_the_claim_and_an_upgrade_needs_permission():
    claims = {"FD1": claim("FD1", "manual")}
    kept = apply_pushes(
        RUBRIC, claims, [pushed("automated", PushResult.PASSED, 3)], allow_upgrade=False
    )
    assert kept["FD1"].choice == "manual"
    assert kept["FD1"].confirmed_at == T0 + timedelta(days=3)
    assert kept["FD1"].confirmed_by == "token:7"
    assert kept["FD1"].evidence_url == "https://ci/1"
    raised = apply_pushes(
        RUBRIC, claims, [pushed("automated", PushResult.PASSED, 3)], allow_upgrade=True
    )
    assert raised["FD1"].choice == "automated"


def test_a_pass_below_the_claim_or_before_it_confirms_nothing():
    claims = {"FD1": claim("FD1", "automated", at=T0 + timedelta(days=10))}
    result = apply_pushes(
        RUBRIC,
        claims,
        [pushed("manual", PushResult.PASSED, 20), pushed("automated", PushResult.PASSED, 5)],
        allow_upgrade=True,
    )
    assert result["FD1"] == claims["FD1"]


def test_a_fail_marks_the_claim_failing_until_a_later_pass():
    claims = {"FD1": claim("FD1", "automated")}
    failing = apply_pushes(
        RUBRIC, claims, [pushed("automated", PushResult.FAILED, 1)], allow_upgrade=False
    )
    assert failing["FD1"].failing
    assert failing["FD1"].confirmed_at == T0  # a fail confirms nothing
    healed = apply_pushes(
        RUBRIC,
        claims,
        [pushed("automated", PushResult.PASSED, 2), pushed("automated", PushResult.FAILED, 1)],
        allow_upgrade=False,
    )
    assert not healed["FD1"].failing


def test_a_failure_carries_into_an_assessment_that_keeps_the_item_until_a_pass():
    first = {"FD1": claim("FD1", "automated", url="https://ci/1"), "FD2": claim("FD2", "manual")}
    later = T0 + timedelta(days=5)
    kept = {
        "FD1": claim("FD1", "automated", at=later, url="https://ci/1"),
        "FD2": claim("FD2", "automated", at=later),
    }
    fail = pushed("automated", PushResult.FAILED, 1)
    carried = claims_over(RUBRIC, [(T0, first), (later, kept)], [fail], allow_upgrade=False)
    assert carried["FD1"].failing
    assert carried["FD1"].confirmed_at == later
    assert not carried["FD2"].failing
    healed = claims_over(
        RUBRIC,
        [(T0, first), (later, kept)],
        [fail, pushed("automated", PushResult.PASSED, 7)],
        allow_upgrade=False,
    )
    assert not healed["FD1"].failing


@pytest.mark.parametrize(
    "answer",
    [
        claim("FD1", "manual", url="https://ci/1"),
        claim("FD1", "automated", url="https://ci/other"),
    ],
)
def test_changing_the_level_or_link_of_a_failing_item_clears_it(answer):
    failing = {"FD1": replace(claim("FD1", "automated", url="https://ci/1"), failing=True)}
    assert not carry_failing(failing, {"FD1": answer})["FD1"].failing


def snapshot(**choices: tuple[str, str]) -> Snapshot:
    return Snapshot(
        stage=Stage.PRODUCTION,
        answers={
            item: Answer(item_id=item, choice=choice, evidence_url=url)
            for item, (choice, url) in choices.items()
        },
    )


def test_the_policy_lowers_only_mandatory_claims_without_a_link():
    policy = EvidencePolicy(required={Stage.PRODUCTION: frozenset({"automated"})})
    requirements = {
        "FD1": Requirement.MANDATORY,
        "FD2": Requirement.MANDATORY,
        "FD6": Requirement.OPTIONAL,
    }
    given = snapshot(
        FD1=("automated", ""),
        FD2=("automated", "https://ci/2"),
        FD6=("automated", ""),
        FD3=("manual", ""),
    )
    counted, lowered = apply_policy(RUBRIC, requirements, policy, given)
    assert [(d.item_id, d.claimed, d.counted) for d in lowered] == [("FD1", "automated", "manual")]
    assert counted.choice("FD1") == "manual"
    assert counted.choice("FD2") == "automated"
    assert counted.choice("FD6") == "automated"
    # Another stage's policy does not apply.
    other = EvidencePolicy(required={Stage.RESEARCH: frozenset({"automated", "manual"})})
    assert apply_policy(RUBRIC, requirements, other, given) == (given, ())


def test_the_policy_does_not_lower_a_waived_claim():
    policy = EvidencePolicy(required={Stage.PRODUCTION: frozenset({"automated"})})
    requirements = {"FD1": Requirement.MANDATORY, "FD2": Requirement.MANDATORY}
    given = snapshot(FD1=("automated", ""), FD2=("automated", ""))
    counted, lowered = apply_policy(RUBRIC, requirements, policy, given, waived={"FD1"})
    assert [d.item_id for d in lowered] == ["FD2"]
    assert counted.choice("FD1") == "automated"
    assert counted.choice("FD2") == "manual"


# ---- the documented contract and the parser agree ---------------------------------------------

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "evidence-api.schema.json"
VALID_PUSH = {
    "item": "FD1",
    "level": "automated",
    "url": "https://ci.example.com/runs/1",
    "result": "pass",
    "idempotency_key": "k-1",
}


@pytest.mark.parametrize(
    "body",
    [
        VALID_PUSH,
        {k: v for k, v in VALID_PUSH.items() if k != "result"},
        VALID_PUSH | {"result": "fail"},
        VALID_PUSH | {"url": "ftp://x"},
        VALID_PUSH | {"result": "maybe"},
        VALID_PUSH | {"extra": True},
        {k: v for k, v in VALID_PUSH.items() if k != "idempotency_key"},
        VALID_PUSH | {"idempotency_key": "k" * 129},
        VALID_PUSH | {"item": 3},
        ["not", "an", "object"],
    ],
)
def test_the_json_schema_in_docs_accepts_exactly_what_the_api_accepts(body):
    schema = json.loads(SCHEMA_PATH.read_text())
    by_schema = Draft202012Validator(schema).is_valid(body)
    try:
        parse_push(body)
        by_api = True
    except Refused:
        by_api = False
    assert by_schema == by_api


def test_the_rate_limiter_allows_a_burst_then_one_request_per_refill_per_key():
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])  # one a second, bursts of 60
    assert all(limiter.wait("a") == 0 for _ in range(60))
    assert limiter.wait("a") == pytest.approx(1.0)
    assert limiter.wait("b") == 0  # another token has its own bucket
    now[0] += 1.0
    assert limiter.wait("a") == 0
    assert limiter.wait("a") > 0


# ---- how claims read in Slack -----------------------------------------------------------------


def test_a_link_cannot_break_out_of_its_mrkdwn_link():
    from bot.slack.blocks.scorecard import link

    shown = link("https://x.example/a>b|c<d", "<@U123> *bold*")
    assert shown.startswith("<https://x.example/a%3Eb%7Cc%3Cd|")
    assert shown.count("<") == 1
    assert shown.count(">") == 1
    assert "<@U123>" not in shown


def test_the_evidence_blocks_list_stale_failing_and_lowered_claims_with_their_reasons():
    from bot.slack.blocks.scorecard import evidence_blocks
    from rubric.evidence import Downgrade

    claims = {
        "FD1": claim("FD1", "automated", url="https://ci/fd1"),
        "FD2": Claim("FD2", "manual", T0, "U1", failing=True),
    }
    blocks = evidence_blocks(
        RUBRIC,
        "es",
        claims=claims,
        stale=("FD1",),
        downgrades=(Downgrade("MD1", "automated", "manual"),),
        with_links=True,
    )
    text = json.dumps(blocks, ensure_ascii=False)
    assert "Respuestas caducadas" in text
    assert "FD1 (desde el 1 abr 2026)" in text
    assert "Fallando en CI:* FD2" in text
    assert "*MD1* cuenta como Manual en las carencias" in text
    assert "<https://ci/fd1|https://ci/fd1>" in text
    assert evidence_blocks(RUBRIC, "en", claims={}, stale=(), downgrades=(), with_links=True) == []
