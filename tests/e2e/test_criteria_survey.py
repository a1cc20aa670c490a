"""A whole criteria survey round through the real server and the fake Slack: an admin opens it,
several people vote (one changes their mind), everyone can read the results, the admin adopts
the proposal (with the rule fix-up), and the team's gaps change. No reply to anyone reveals
another person's vote."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.slack_api import FakeSlack
from tests.support.conversation import ADMIN, LEAD, OTHER_CHANNEL, OUTSIDER, SPANISH, TEAM_CHANNEL
from tests.support.driver import SlackDriver
from tests.support.view_state import fill_state

DEFAULT_MANDATORY_AT_RESEARCH = ("FD5", "MD1", "MD5")


def text_of(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False)


def reply(slack: SlackDriver, text: str, *, user: str, channel: str = TEAM_CHANNEL) -> str:
    response, _, url = slack.command(text, user=user, channel=channel)
    assert response.status_code == 200
    return text_of(slack.responses_to(url)[0])


# ---- an assessed team -----------------------------------------------------------------------


def assess_research_team(slack: SlackDriver, fake: FakeSlack) -> None:
    """Team Vision at the research stage: the tests mandatory there done, nothing else."""
    assert "Vision" in reply(slack, "team create Vision", user=ADMIN)
    _, trigger, _ = slack.command("assess", user=LEAD)
    slack.wait_for(
        lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger],
        what="the assessment modal",
    )
    for page in range(4):
        view = fake.view_stack(LEAD)[-1]
        values: dict[str, str | None] = {"stage": "research"}
        for block in view["blocks"]:
            block_id = block.get("block_id", "")
            if block_id.startswith("item:"):
                item = block_id.split(":", 1)[1]
                values[block_id] = (
                    "automated" if item in DEFAULT_MANDATORY_AT_RESEARCH else "not_done"
                )
        _, body = slack.submit_view(fill_state(view, values), user=LEAD)
        assert body is not None
        assert body["response_action"] == ("clear" if page == 3 else "update")


# ---- the survey -----------------------------------------------------------------------------


def open_round(slack: SlackDriver, fake: FakeSlack, extra: str = "") -> dict[str, Any]:
    answer = reply(slack, f"criteria survey {extra}".strip(), user=ADMIN)
    assert TEAM_CHANNEL in answer
    invitations = slack.wait_for(
        lambda: [
            m for m in fake.messages(TEAM_CHANNEL) if "criteria_survey_open" in text_of(m.blocks)
        ],
        what="the survey invitation",
    )
    return invitations[-1].as_slack()


def survey_button(invitation: dict[str, Any]) -> dict[str, Any]:
    return next(
        element
        for block in invitation["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "criteria_survey_open"
    )


def open_modal(
    slack: SlackDriver, fake: FakeSlack, user: str, invitation: dict[str, Any]
) -> dict[str, Any]:
    _, trigger = slack.block_action(
        survey_button(invitation), user=user, channel=TEAM_CHANNEL, message=invitation
    )
    slack.wait_for(
        lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger],
        what="the survey modal",
    )
    return fake.view_stack(user)[-1]


def prefilled(view: dict[str, Any], block_id: str) -> str | None:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    element = block["element"]
    if "initial_option" in element:
        return str(element["initial_option"]["value"])
    return element.get("initial_value")


def answer_survey(
    slack: SlackDriver,
    fake: FakeSlack,
    user: str,
    invitation: dict[str, Any],
    changes: dict[str, str],
) -> dict[str, dict[str, Any]]:
    """Goes through every page, changing only `changes`; returns the pages as first shown."""
    view = open_modal(slack, fake, user, invitation)
    shown: dict[str, dict[str, Any]] = {}
    for page in range(4):
        ids = {b.get("block_id") for b in view["blocks"]}
        for block_id in ids:
            if block_id:
                shown[block_id] = view
        values = {k: v for k, v in changes.items() if k in ids}
        _, body = slack.submit_view(fill_state(view, values), user=user)
        assert body is not None, slack.bot.log()[-3000:]
        assert body["response_action"] == ("clear" if page == 3 else "update"), body
        if page < 3:
            view = fake.view_stack(user)[-1]
    return shown


def strings(value: Any) -> list[str]:
    """Every string inside a payload."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for child in value.values() for s in strings(child)]
    if isinstance(value, list):
        return [s for child in value for s in strings(child)]
    return []


def result_line(results: str, item: str) -> str:
    """The line of one item in the results (stages separated by |), or "" when absent."""
    for text in strings(json.loads(results)):
        for line in text.splitlines():
            if line.startswith(f"*{item}*"):
                return line
    return ""


def seen_by_others(fake: FakeSlack, user: str) -> str:
    """Everything the bot sent that someone other than `user` can see."""
    own_dm = "D" + user[1:]
    urls = {record.url: record.user_id for record in fake._response_urls.values()}
    parts: list[Any] = [r.body for r in fake.responses if urls.get(r.url) != user]
    for channel in fake.channels_posted:
        if channel != own_dm:
            parts += [m.as_slack() for m in fake.messages(channel)]
    parts += [(e.text, e.blocks) for e in fake.ephemerals if e.user != user]
    parts += [(f.initial_comment, f.title) for f in fake.files if own_dm not in f.channels]
    return text_of(parts)


def test_a_whole_round_from_opening_to_gaps_measured_by_the_adopted_matrix(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    assess_research_team(slack, fake)
    # FD1 is optional at research by default: no gap yet.
    assert "FD1" not in reply(slack, "gaps", user=LEAD)
    matrix = reply(slack, "criteria", user=LEAD)
    assert "version 0" in matrix

    invitation = open_round(slack, fake)

    # Spanish speaker alone at first: the results must not show her votes to anyone.
    spanish_pages = answer_survey(
        slack,
        fake,
        SPANISH,
        invitation,
        {
            "cell:FD1:research": "mandatory",
            "cell:I2:research": "mandatory",
            "cell:Mo5:research": "not_applicable",
            "comment:Mo5": "sin sentido en investigación",
        },
    )
    assert "Criterios" in text_of(spanish_pages["cell:FD1:research"]["title"])
    lonely = reply(slack, "criteria results", user=OUTSIDER, channel=OTHER_CHANNEL)
    assert result_line(lonely, "Mo5") == ""
    assert "fewer than 3 votes" in lonely

    answer_survey(
        slack,
        fake,
        LEAD,
        invitation,
        {"cell:FD1:research": "mandatory", "cell:I2:research": "mandatory"},
    )
    # The admin first thinks FD1 makes no sense in research...
    answer_survey(slack, fake, ADMIN, invitation, {"cell:FD1:research": "not_applicable"})
    before = reply(slack, "criteria results", user=OUTSIDER, channel=OTHER_CHANNEL)
    assert "Participants: 3" in before
    assert "Res *MUST* 1·0·0·2 :warning:" in result_line(before, "FD1")
    assert "Res *opt* 1·0·2·0" in result_line(before, "Mo5")

    # ... and changes their mind: the modal starts from their own votes, not anyone else's.
    pages = answer_survey(slack, fake, ADMIN, invitation, {"cell:FD1:research": "mandatory"})
    assert prefilled(pages["cell:FD1:research"], "cell:FD1:research") == "not_applicable"
    assert prefilled(pages["cell:Mo5:research"], "cell:Mo5:research") == "optional"
    assert prefilled(pages["comment:Mo5"], "comment:Mo5") is None
    after = reply(slack, "criteria results", user=OUTSIDER, channel=OTHER_CHANNEL)
    assert "Participants: 3" in after
    assert "Res *MUST* 0·0·0·3" in result_line(after, "FD1")
    assert ":warning:" not in result_line(after, "FD1")
    assert "sin sentido en investigación" in after  # the comment, without its author

    # Only admins adopt; the admin's reply lists the fix-up: I2 is mandatory at research
    # now, so the roadmap (optional) is raised to mandatory as well.
    assert "Only workspace admins" in reply(slack, "criteria adopt", user=LEAD)
    adopted = reply(slack, "criteria adopt", user=ADMIN)
    assert "Criteria version 1 is now in force" in adopted
    raised = adopted.split("these cells were raised")[1]
    assert "*I2*" in raised
    assert "Interesting, optional → Mandatory" in raised
    assert "*FD1*" in adopted.split("these cells were raised")[0]
    slack.wait_for(
        lambda: [m for m in fake.messages(TEAM_CHANNEL) if "version 1" in m.text],
        what="the adoption announcement",
    )

    # Gap reports now measure against version 1: FD1 is a gap at research.
    gaps = reply(slack, "gaps", user=LEAD)
    assert "FD1" in gaps
    shown = reply(slack, "criteria", user=OUTSIDER, channel=OTHER_CHANNEL)
    assert "version 1" in shown
    assert f"<@{ADMIN}>" in shown
    slack.wait_for(
        lambda: [f for f in fake.files if f.filename == "mlscore-criteria-v1.png"],
        what="the criteria chart",
    )

    # A closed round takes no more answers.
    slack.block_action(
        survey_button(invitation), user=LEAD, channel=TEAM_CHANNEL, message=invitation
    )
    slack.wait_for(
        lambda: [e for e in fake.ephemerals if e.user == LEAD and "closed" in e.text],
        what="the closed-round notice",
    )

    # Anonymity: nothing anyone else received names the Spanish voter.
    assert SPANISH not in seen_by_others(fake, SPANISH)
    assert fake.violations == []


def test_answers_are_kept_when_going_back_and_when_closing_the_modal(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    invitation = open_round(slack, fake, "public")
    view = open_modal(slack, fake, LEAD, invitation)
    _, body = slack.submit_view(fill_state(view, {"cell:FD2:research": "mandatory"}), user=LEAD)
    assert body is not None
    assert body["response_action"] == "update"
    page_two = fake.view_stack(LEAD)[-1]
    back = next(
        element
        for block in page_two["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "criteria_nav_back"
    )
    slack.block_action(
        back, user=LEAD, view=fill_state(page_two, {"cell:MD3:research": "mandatory"})
    )
    page_one = slack.wait_for(
        lambda: (v := fake.view_stack(LEAD)[-1]) and "cell:FD2:research" in text_of(v) and v,
        what="page one again",
    )
    assert prefilled(page_one, "cell:FD2:research") == "mandatory"

    # Closing page two after a change keeps it; the results (public round) say who voted.
    _, body = slack.submit_view(fill_state(page_one), user=LEAD)
    page_two = fake.view_stack(LEAD)[-1]
    assert prefilled(page_two, "cell:MD3:research") == "mandatory"
    slack.close_view(fill_state(page_two, {"cell:MD4:research": "mandatory"}), user=LEAD)
    # MD4 is already in the results from page two's earlier save (its pre-filled answer); the
    # close is stored after its ack, so wait for the changed vote, not for the row.
    results = slack.wait_for(
        lambda: (
            "Res *MUST*" in result_line(r := reply(slack, "criteria results", user=ADMIN), "MD4")
            and r
        ),
        what="the closed page's votes",
    )
    assert "Res *MUST* 0·0·0·1" in result_line(results, "MD4")
    assert f"<@{LEAD}>" in results  # a public round names its voters
    # Closing an untouched page is not a vote: the Monitor section was never shown.
    assert result_line(results, "Mo1") == ""


def test_only_admins_change_the_criteria_and_one_cell_is_set_with_its_reason(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    assert "Only workspace admins" in reply(slack, "criteria survey", user=LEAD)
    assert "Only workspace admins" in reply(
        slack, "criteria set Mo3 research mandatory skew", user=LEAD
    )
    set_reply = reply(slack, "criteria set Mo3 research mandatory skew broke us twice", user=ADMIN)
    assert "criteria version 1" in set_reply
    assert "skew broke us twice" in set_reply
    refused = reply(slack, "criteria set FD5 production optional too costly", user=ADMIN)
    assert "never loosen" in refused
    assert "version 1" in reply(slack, "criteria", user=LEAD)
    # In Spanish for a Spanish speaker.
    assert "Criterios vigentes" in reply(slack, "criteria", user=SPANISH)
    open_round(slack, fake)
    assert "already open" in reply(slack, "criteria survey", user=ADMIN)
