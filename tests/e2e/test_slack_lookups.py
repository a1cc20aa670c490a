"""Who may do what is looked up in Slack; a lookup Slack does not answer is not an answer.

Through the real `mlscore serve` and the fake Slack with injected 429s: a person whose
membership or admin rights cannot be checked is told the lookup could not be made, never
refused as if they were not a member or not an admin. And the Home tab of a workspace with
200 teams costs one membership lookup, not one per team (Slack's tier 3 allows about 50 a
minute).
"""

from __future__ import annotations

import json
import time

from bot.db import repositories as repo
from bot.db.engine import Database
from bot.slack.blocks.home import HOME_TEAMS_MAX
from bot.slack.i18n import t
from rubric.model import Stage
from tests.fakes.slack_api import TEAM_ID, FakeSlack
from tests.support.conversation import ADMIN, LEAD, create_team, db_of
from tests.support.driver import BotProcess, SlackDriver

LOOKUP_EN = t("error.lookup_unavailable", "en")
NOT_MEMBER = "Only members of"
LOOKUPS = ("users.conversations", "conversations.members", "users.info")


def answer(slack: SlackDriver, text: str, user: str = LEAD) -> str:
    response, _, url = slack.command(text, user=user)
    assert response.status_code == 200
    return str(slack.responses_to(url, timeout=30)[-1]["text"])


def test_a_rate_limited_membership_lookup_says_so_instead_of_refusing(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create_team(slack)
    fake.fail_next("users.conversations", status=429, retry_after=1, times=3)  # and 2 retries
    told = answer(slack, "assess")
    assert told == LOOKUP_EN
    assert NOT_MEMBER not in told
    assert fake.calls_to("views.open") == []

    # Nothing was cached from the failure: once Slack answers, the member gets the modal.
    response, trigger, _ = slack.command("assess", user=LEAD)
    assert response.status_code == 200
    slack.wait_for(
        lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger],
        what="the modal",
    )


def test_a_retry_after_past_the_cap_is_told_at_once(slack: SlackDriver, fake: FakeSlack) -> None:
    create_team(slack)
    fake.fail_next("users.conversations", status=429, retry_after=120)
    started = time.monotonic()
    assert answer(slack, "schedule monthly") == LOOKUP_EN
    assert time.monotonic() - started < 10


def test_a_rate_limited_admin_lookup_is_not_a_refusal(slack: SlackDriver, fake: FakeSlack) -> None:
    # An owner in Slack's eyes, not in MLSCORE_ADMINS: only users.info can tell.
    fake.add_user("U0OWNER", "owner", is_owner=True)
    create_team(slack)
    # Two lookups: the locale (for the language of the answer), then the admin rights.
    fake.fail_next("users.info", status=429, retry_after=60, times=2)
    told = answer(slack, "stage production", user="U0OWNER")
    assert told == LOOKUP_EN
    # Never assessed: the stage gate wants the owner's reason.
    assert "is now at" in answer(slack, "stage production override pilot", user="U0OWNER")


def test_a_rate_limited_channel_lookup_does_not_refuse_to_bind_a_team(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    # conversations.info says whether the bot may post in the channel; unanswered, it says
    # nothing about the channel, so the bot must not call it unknown.
    fake.fail_next("conversations.info", status=429, retry_after=60)
    told = answer(slack, "team create Vision", user=ADMIN)
    assert told == LOOKUP_EN
    assert "Vision" not in answer(slack, "teams", user=ADMIN)
    assert "Team *Vision* created" in answer(slack, "team create Vision", user=ADMIN)


def seed_teams(bot: BotProcess, count: int) -> None:
    database = Database.from_url(f"sqlite:///{db_of(bot)}")
    try:
        with database.write() as session:
            workspace = repo.get_workspace(session, slack_team_id=TEAM_ID)
            assert workspace is not None
            assert workspace.id is not None
            for n in range(count):
                repo.create_team(
                    session,
                    workspace_id=workspace.id,
                    name=f"Team {n:03d}",
                    stage=Stage.RESEARCH,
                    rubric_id="ml-test-score",
                    channel_id=f"C0T{n:03d}",
                    now=workspace.installed_at,
                )
    finally:
        database.dispose()


def lookups(fake: FakeSlack) -> int:
    return sum(len(fake.calls_to(method)) for method in LOOKUPS)


def test_the_home_tab_of_200_teams_costs_one_membership_lookup(
    slack: SlackDriver, fake: FakeSlack, bot: BotProcess
) -> None:
    assert "No teams" in json.dumps(slack.responses_to(slack.command("teams", user=ADMIN)[2]))
    seed_teams(bot, 200)
    for n in range(200):  # the person is in three channels out of four
        members = [LEAD, "U0BOT"] if n % 4 else ["U0BOT"]
        fake.add_channel(f"C0T{n:03d}", f"team-{n:03d}", members=members)
    before = lookups(fake)

    slack.event({"type": "app_home_opened", "user": LEAD, "tab": "home"})
    home = slack.wait_for(lambda: fake.home_view(LEAD), what="the Home tab")
    first = lookups(fake) - before
    assert first <= 3, f"{first} Slack lookups for one Home tab"

    shown = [b for b in home["blocks"] if b.get("block_id", "").startswith("home_team")]
    assert len(shown) == HOME_TEAMS_MAX
    assert f"…and {150 - HOME_TEAMS_MAX} more teams" in json.dumps(home, ensure_ascii=False)
    assert "Team 000" not in json.dumps(home)  # not in that channel

    published = len(fake.calls_to("views.publish"))
    slack.event({"type": "app_home_opened", "user": LEAD, "tab": "home"})
    slack.wait_for(lambda: len(fake.calls_to("views.publish")) > published, what="Home again")
    assert lookups(fake) - before == first, "the second Home tab looked everything up again"


def test_an_error_that_says_nothing_about_the_person_or_channel_is_not_a_refusal(
    slack: SlackDriver, fake: FakeSlack
) -> None:
    create_team(slack)
    errors = ("internal_error", "fatal_error", "team_access_not_granted", "ratelimited")
    for n, error in enumerate(errors):
        fake.fail_next("users.conversations", error=error)
        told = answer(slack, "skip")
        assert told == LOOKUP_EN, (error, told)
        fake.fail_next("conversations.info", error=error)
        told = answer(slack, f"team create Other {n} <#C0NEW{n}>", user=ADMIN)
        assert told == LOOKUP_EN, (error, told)
    fake.fail_next("users.info", error="fatal_error", times=2)
    assert answer(slack, "stage production", user="U0NOBODY") == LOOKUP_EN
    # The errors that do answer still do: a channel Slack does not show the bot is unknown.
    fake.fail_next("conversations.info", error="channel_not_found")
    assert "I can't see" in answer(slack, "team create Ghost <#C0GHOST>", user=ADMIN)
