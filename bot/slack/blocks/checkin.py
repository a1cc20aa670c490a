"""Check-ins: the periodic message with a button that opens the assessment, the reminder, the
leads' DM, and the confirmations for skip, pause, resume and schedule changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.slack.blocks.common import (
    Block,
    actions,
    button,
    context,
    escape,
    message,
    section,
    truncate,
)
from bot.slack.i18n import format_date, t, weekday_name
from bot.slack.ids import ActionId, BlockId
from rubric.periods import Cadence, Schedule, next_due

VALUE_SEPARATOR = "|"
# Slack allows 25 elements in an actions block: the skip button and two buttons for each of up
# to 12 systems.
_MAX_SYSTEM_BUTTONS = 12

Systems = Sequence[tuple[int, str]]
"""A team's active systems, (id, name), when it has more than one: a button each."""


def checkin_value(team_id: int | str, period_key: str) -> str:
    """The open/skip buttons' value: which team and which period."""
    return f"{team_id}{VALUE_SEPARATOR}{period_key}"


def parse_checkin_value(value: str | None) -> tuple[str, str] | None:
    """(team id, period key) from a button value, or None when it is not one of ours."""
    if not value or VALUE_SEPARATOR not in value:
        return None
    team_id, period_key = value.split(VALUE_SEPARATOR, 1)
    return (team_id, period_key) if team_id and period_key else None


def _buttons(
    team_id: int | str, period_key: str, language: str, *, skip: bool, systems: Systems = ()
) -> Block:
    value = checkin_value(team_id, period_key)
    if len(systems) > 1:
        # One button per system, each opening that system's modal (`team:system`); answering
        # one leaves the others open. Action ids must differ within a block.
        elements = []
        for system_id, name in systems[:_MAX_SYSTEM_BUTTONS]:
            system_value = checkin_value(f"{team_id}:{system_id}", period_key)
            elements.append(
                button(
                    truncate(t("checkin.unchanged_system", language, system=name), 75),
                    f"{ActionId.CHECKIN_UNCHANGED}:{system_id}",
                    system_value,
                )
            )
            elements.append(
                button(
                    truncate(t("checkin.open_system", language, system=name), 75),
                    f"{ActionId.CHECKIN_OPEN}:{system_id}",
                    system_value,
                )
            )
    else:
        elements = [
            button(
                t("checkin.unchanged", language),
                ActionId.CHECKIN_UNCHANGED,
                value,
                style="primary",
            ),
            button(t("checkin.open", language), ActionId.CHECKIN_OPEN, value),
        ]
    if skip:
        elements.append(button(t("checkin.skip", language), ActionId.CHECKIN_SKIP, value))
    return actions(elements, block_id=BlockId.CHECKIN_ACTIONS)


def _confirmed_line(team_name: str, user_id: str, language: str, anonymous: bool) -> str:
    # An anonymous team shows who answered as counts only: the line names nobody either.
    if anonymous:
        return t("checkin.confirmed_anonymous", language, team=escape(team_name))
    return t("checkin.confirmed", language, user=user_id, team=escape(team_name))


def confirmed_message(
    blocks: Sequence[Block],
    *,
    fallback: str,
    team_name: str,
    user_id: str,
    language: str,
    anonymous: bool = False,
    shared: bool = False,
) -> dict[str, Any]:
    """The check-in message after "nothing changed": who confirmed, added in place. A person's
    own message (a DM) with one system's buttons loses them (they answered); a `shared` one (in
    the channel, where others may still answer) keeps them, as do several systems' buttons."""
    line = _confirmed_line(team_name, user_id, language, anonymous)
    kept: list[Block] = []
    for block in blocks:
        if block.get("block_id") == BlockId.CHECKIN_DONE:
            continue
        if (
            block.get("block_id") == BlockId.CHECKIN_ACTIONS
            and not shared
            and not _several_systems(block)
        ):
            continue
        kept.append(block)
    done = [b for b in blocks if b.get("block_id") == BlockId.CHECKIN_DONE]
    lines = [e.get("text", "") for b in done for e in b.get("elements", [])][-9:]
    kept.append(context(*lines, line, block_id=BlockId.CHECKIN_DONE))
    return message(fallback or line, kept[:50])


def confirmed_notice(
    *, team_name: str, period_key: str, user_id: str, language: str, anonymous: bool = False
) -> dict[str, Any]:
    """A one-system check-in after "nothing changed" was clicked somewhere else."""
    fallback = t("checkin.fallback", language, team=escape(team_name), period=period_key)
    line = _confirmed_line(team_name, user_id, language, anonymous)
    return message(fallback, [section(fallback), context(line, block_id=BlockId.CHECKIN_DONE)])


def _several_systems(block: Block) -> bool:
    return any(
        str(element.get("action_id", "")).startswith(f"{ActionId.CHECKIN_OPEN}:")
        for element in block.get("elements", [])
    )


def cadence_name(cadence: Cadence, language: str) -> str:
    return t(f"cadence.{cadence.value}", language)


def build_checkin(
    *,
    team_id: int | str,
    team_name: str,
    period_key: str,
    cadence: Cadence,
    language: str,
    systems: Systems = (),
    answered: str | None = None,
    confirmed: Sequence[str] = (),
    anonymous: bool = False,
) -> dict[str, Any]:
    """The check-in posted to the team's channel when its period is due; `answered` ("2 of 5
    answered") is added when the message is updated after answers, with who of them confirmed
    that nothing changed (`confirmed`; an anonymous team's names nobody)."""
    text = t(
        "checkin.text",
        language,
        team=escape(team_name),
        cadence=cadence_name(cadence, language),
        period=period_key,
    )
    blocks = [section(text), _buttons(team_id, period_key, language, skip=True, systems=systems)]
    if answered:
        blocks.append(context(answered))
    if confirmed and anonymous and len(confirmed) > 1:
        line = t("checkin.confirmed_count", language, count=len(confirmed), team=escape(team_name))
        blocks.append(context(line, block_id=BlockId.CHECKIN_DONE))
    elif confirmed:
        # A context block holds 10 elements: the latest ones.
        lines = [_confirmed_line(team_name, user, language, anonymous) for user in confirmed]
        blocks.append(context(*lines[-10:], block_id=BlockId.CHECKIN_DONE))
    return message(
        t("checkin.fallback", language, team=escape(team_name), period=period_key), blocks
    )


def build_reminder(
    *, team_id: int | str, team_name: str, period_key: str, language: str, systems: Systems = ()
) -> dict[str, Any]:
    text = t("checkin.reminder", language, team=escape(team_name), period=period_key)
    return message(
        t("checkin.reminder_fallback", language, team=escape(team_name)),
        [section(text), _buttons(team_id, period_key, language, skip=True, systems=systems)],
    )


def build_lead_dm(
    *,
    team_id: int | str,
    team_name: str,
    channel_id: str,
    period_key: str,
    language: str,
    systems: Systems = (),
) -> dict[str, Any]:
    """The DM a team lead gets with the check-in; the button opens the same modal."""
    text = t(
        "checkin.lead_dm", language, team=escape(team_name), period=period_key, channel=channel_id
    )
    return message(
        t("checkin.fallback", language, team=escape(team_name), period=period_key),
        [section(text), _buttons(team_id, period_key, language, skip=False, systems=systems)],
    )


def _notice(text: str) -> dict[str, Any]:
    return message(text, [section(text)])


def build_skipped(*, team_name: str, period_key: str, language: str) -> dict[str, Any]:
    return _notice(t("checkin.skipped", language, team=escape(team_name), period=period_key))


def build_paused(*, team_name: str, until: date, language: str) -> dict[str, Any]:
    return _notice(
        t("checkin.paused", language, team=escape(team_name), date=format_date(until, language))
    )


def build_resumed(*, team_name: str, language: str) -> dict[str, Any]:
    return _notice(t("checkin.resumed", language, team=escape(team_name)))


def schedule_rule(schedule: Schedule, language: str) -> str:
    """When check-ins come, as words: "every Monday at 10:00 (UTC)", "on the first Monday of
    each month at 10:00 (UTC)"."""
    return t(
        f"checkin.rule.{schedule.cadence.value}",
        language,
        weekday=weekday_name(schedule.weekday, language),
        time=f"{schedule.at:%H:%M}",
        tz=schedule.tz,
    )


def build_schedule_set(
    *, team_name: str, schedule: Schedule | None, language: str
) -> dict[str, Any]:
    """Confirms a schedule change; None means check-ins are off."""
    if schedule is None:
        return _notice(t("checkin.schedule_off", language, team=escape(team_name)))
    rule = schedule_rule(schedule, language)
    return _notice(t("checkin.schedule_set", language, team=escape(team_name), rule=rule))


def build_team_created(
    *,
    team_name: str,
    channel_id: str,
    schedule: Schedule | None,
    created_at: datetime | None,
    language: str,
) -> dict[str, Any]:
    """Confirms a new team, with when its first check-in comes (its first slot after now) and
    how to change that."""
    text = t("info.team_created", language, team=escape(team_name), channel=channel_id)
    if schedule is not None and created_at is not None:
        first = next_due(schedule, created_at).astimezone(schedule.zone)
        text += " " + t(
            "info.team_first_checkin",
            language,
            rule=schedule_rule(schedule, language),
            date=t(
                "common.weekday_date",
                language,
                weekday=weekday_name(first.weekday(), language),
                date=format_date(first.date(), language),
            ),
        )
    return _notice(text)
