"""Stage moves: the `plan` preview, the plan modal and its parser, `plans`, the owners' DMs and
reminders, a waiver's request (with its approve and reject buttons), and the stage gate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.services.plans import PlanView, StagePreview, WaiverView
from bot.slack.blocks.assessment import stage_label
from bot.slack.blocks.common import (
    MESSAGE_MAX_BLOCKS,
    Block,
    actions,
    button,
    chunk_lines,
    context,
    escape,
    header,
    input_block,
    message,
    modal,
    plain,
    section,
)
from bot.slack.blocks.scorecard import section_name
from bot.slack.i18n import format_date, format_number, t
from bot.slack.ids import ActionId, BlockId, CallbackId
from rubric.gaps import GapReport
from rubric.model import LevelScale, Rubric, Stage

OWNER_PREFIX = "owner:"


def item_text(rubric: Rubric, item_id: str, language: str) -> str:
    """`FD1` Feature expectations are captured in a schema"""
    try:
        name = rubric.item(item_id).name.get(language)
    except KeyError:
        return f"`{escape(item_id)}`"
    return f"`{escape(item_id)}` {escape(name)}"


def choice_text(rubric: Rubric, choice: str | None, language: str) -> str:
    """The current answer in words ("Not answered" when there is none)."""
    if choice is None:
        return t("plan.not_answered", language)
    scale = rubric.scale
    if isinstance(scale, LevelScale):
        for level in scale.levels:
            if level.key == choice:
                return level.label.get(language)
    return escape(choice)


def _sections(lines: Sequence[str], room: int) -> list[Block]:
    return [section(chunk) for chunk in chunk_lines(lines)[:room]]


# ---- preview -----------------------------------------------------------------------------------


def plan_button_value(system: Any, target: Stage) -> str:
    """ "<team id>:<system id or 0>:<stage>": what the "Make a plan" button carries."""
    return f"{system.id}:{system.system_id or 0}:{target.value}"


def parse_plan_button_value(value: object) -> tuple[int, int | None, Stage] | None:
    parts = str(value or "").split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    try:
        stage = Stage(parts[2])
    except ValueError:
        return None
    system_id = int(parts[1])
    return int(parts[0]), (system_id or None), stage


def build_preview(found: StagePreview, language: str, *, can_plan: bool) -> dict[str, Any]:
    """What a move asks for: the unmet mandatory items with today's answers, then the next best
    actions (the weakest section's items) and why those."""
    rubric, view = found.rubric, found.preview
    target = stage_label(rubric, view.target, language)
    current = stage_label(rubric, view.current, language)
    name = found.system.label
    blocks: list[Block] = [header(t("plan.header", language, team=name, target=target))]
    if not found.assessed:
        blocks.append(context(t("plan.never_assessed", language)))
    if view.unmet:
        lines = [
            t(
                "plan.unmet_title",
                language,
                count=len(view.unmet),
                total=view.mandatory,
                stage=target,
            )
        ]
        for unmet in view.unmet:
            mark = "" if unmet.already_mandatory else " " + t("plan.new_mark", language)
            lines.append(
                t(
                    "plan.unmet_line",
                    language,
                    item=item_text(rubric, unmet.item_id, language),
                    now=choice_text(rubric, unmet.choice, language),
                    mark=mark,
                    current=current,
                )
            )
        blocks += _sections(lines, 20)
    else:
        blocks.append(section(t("plan.all_met", language, stage=target)))
    if view.waived:
        blocks.append(context(t("plan.waived", language, items=", ".join(view.waived))))
    weakest = ", ".join(section_name(rubric, s, language) for s in view.weakest)
    why_key = "plan.why_tie" if len(view.weakest) > 1 else "plan.why"
    lines = [
        t("plan.actions_title", language),
        t(why_key, language, sections=weakest, score=format_number(view.final_score, language)),
    ]
    lines += [
        t(
            "plan.action_line",
            language,
            item=item_text(rubric, action.item_id, language),
            now=choice_text(rubric, action.choice, language),
            gain=format_number(action.gain, language),
        )
        for action in view.next_actions
    ]
    blocks += _sections(lines, MESSAGE_MAX_BLOCKS - len(blocks) - 2)
    if can_plan and view.unmet:
        blocks.append(
            actions(
                [
                    button(
                        t("plan.make_button", language),
                        ActionId.PLAN_MAKE,
                        plan_button_value(found.system, view.target),
                        style="primary",
                    )
                ],
                block_id=BlockId.PLAN_ACTIONS,
            )
        )
    fallback = t("plan.fallback", language, team=escape(name), target=target, count=len(view.unmet))
    return message(fallback, blocks)


# ---- the plan modal ------------------------------------------------------------------------------


def build_plan_modal(found: StagePreview, language: str) -> dict[str, Any]:
    """A target date and an owner (a Slack user picker) for each unmet item."""
    rubric, view = found.rubric, found.preview
    target = stage_label(rubric, view.target, language)
    blocks: list[Block] = [
        section(t("plan.modal_intro", language, team=escape(found.system.label), target=target)),
        input_block(
            BlockId.PLAN_DATE,
            t("plan.modal_date", language),
            {"type": "datepicker", "action_id": ActionId.PLAN_DATE},
        ),
    ]
    for unmet in view.unmet:
        blocks.append(
            input_block(
                f"{OWNER_PREFIX}{unmet.item_id}",
                _label(rubric, unmet.item_id, language),
                {
                    "type": "users_select",
                    "action_id": ActionId.PLAN_OWNER,
                    "placeholder": plain(t("plan.modal_owner", language), 150),
                },
            )
        )
    return modal(
        callback_id=CallbackId.PLAN,
        title=t("plan.modal_title", language),
        submit=t("plan.modal_submit", language),
        close=t("common.cancel", language),
        blocks=blocks,
        private_metadata=plan_button_value(found.system, view.target),
    )


def _label(rubric: Rubric, item_id: str, language: str) -> str:
    try:
        return f"{item_id} · {rubric.item(item_id).name.get(language)}"
    except KeyError:
        return item_id


@dataclass(frozen=True)
class PlanInput:
    team_id: int
    system_id: int | None
    target: Stage
    target_date: date | None
    owners: dict[str, str]
    missing: tuple[str, ...]
    """Block ids left empty."""


def parse_plan_modal(view: dict[str, Any]) -> PlanInput | None:
    """The modal's answers, None when its metadata is not ours."""
    meta = parse_plan_button_value(view.get("private_metadata"))
    if meta is None:
        return None
    values: dict[str, Any] = (view.get("state") or {}).get("values") or {}
    raw_date = (
        (values.get(BlockId.PLAN_DATE) or {}).get(ActionId.PLAN_DATE, {}).get("selected_date")
    )
    chosen: date | None = None
    missing: list[str] = []
    try:
        chosen = date.fromisoformat(str(raw_date)) if raw_date else None
    except ValueError:
        chosen = None
    if chosen is None:
        missing.append(BlockId.PLAN_DATE)
    owners: dict[str, str] = {}
    for block_id, entry in values.items():
        if not str(block_id).startswith(OWNER_PREFIX):
            continue
        user = (entry.get(ActionId.PLAN_OWNER) or {}).get("selected_user")
        if user:
            owners[str(block_id)[len(OWNER_PREFIX) :]] = str(user)
        else:
            missing.append(str(block_id))
    return PlanInput(meta[0], meta[1], meta[2], chosen, owners, tuple(missing))


# ---- plans, owners, reminders --------------------------------------------------------------------


def plan_line(plan: PlanView, language: str, today: date) -> str:
    rubric_stage = t(f"stage.{plan.target_stage.value}", language)
    key = "plans.line_overdue" if plan.overdue(today) else "plans.line"
    return t(
        key,
        language,
        team=escape(plan.system.label),
        stage=rubric_stage,
        date=format_date(plan.target_date, language),
        met=plan.met,
        total=len(plan.items),
        bar=progress_bar(plan.met, len(plan.items)),
    )


def progress_bar(met: int, total: int, width: int = 10) -> str:
    filled = round(width * met / total) if total else width
    return "▓" * filled + "░" * (width - filled)


def build_plans_list(
    team_name: str, plans: Sequence[PlanView], language: str, today: date
) -> dict[str, Any]:
    blocks: list[Block] = [header(t("plans.header", language, team=team_name))]
    if not plans:
        blocks.append(section(t("plans.none", language, team=escape(team_name))))
    else:
        lines: list[str] = []
        for plan in plans:
            lines.append(plan_line(plan, language, today))
            open_items = [
                f"`{escape(item.item_id)}` <@{item.owner}>" for item in plan.items if not item.met
            ]
            if open_items:
                lines.append("    " + t("plans.open", language, items=", ".join(open_items)))
        blocks += _sections(lines, MESSAGE_MAX_BLOCKS - 1)
    return message(t("plans.fallback", language, team=escape(team_name), count=len(plans)), blocks)


def build_owner_dm(
    plan: PlanView, rubric: Rubric, owner: str, language: str, *, days_left: int | None = None
) -> dict[str, Any]:
    """The owner's items of a plan: when it is made (`days_left` None), or as a reminder."""
    stage = stage_label(rubric, plan.target_stage, language)
    mine = [item for item in plan.items if item.owner == owner]
    if days_left is None:
        head = t(
            "plans.owner_dm",
            language,
            creator=plan.created_by,
            team=escape(plan.system.label),
            stage=stage,
            date=format_date(plan.target_date, language),
        )
    else:
        head = t(
            "plans.reminder",
            language,
            days=days_left,
            team=escape(plan.system.label),
            stage=stage,
            date=format_date(plan.target_date, language),
        )
    lines = [head]
    for item in mine:
        done = t("plans.item_met", language) if item.met else t("plans.item_open", language)
        lines.append(f"• {item_text(rubric, item.item_id, language)} {done}")
    blocks = _sections(lines, MESSAGE_MAX_BLOCKS)
    return message(head, blocks)


# ---- waivers -------------------------------------------------------------------------------------


def build_waiver_request(waiver: WaiverView, rubric: Rubric, language: str) -> dict[str, Any]:
    """The DM to an approver: who asks, for what, why, until when; approve and reject."""
    text = t(
        "waiver.request",
        language,
        user=waiver.requested_by,
        item=item_text(rubric, waiver.item_id, language),
        team=escape(waiver.system.label),
        date=format_date(waiver.expires_on, language),
        reason=escape(waiver.reason),
    )
    value = str(waiver.id)
    blocks: list[Block] = [
        section(text),
        actions(
            [
                button(
                    t("waiver.approve", language), ActionId.WAIVER_APPROVE, value, style="primary"
                ),
                button(t("waiver.reject", language), ActionId.WAIVER_REJECT, value, style="danger"),
            ],
            block_id=BlockId.WAIVER_ACTIONS,
        ),
    ]
    return message(text, blocks)


def waiver_decided_text(waiver: WaiverView, rubric: Rubric, language: str) -> str:
    key = "waiver.approved" if waiver.status == "approved" else "waiver.rejected"
    return t(
        key,
        language,
        user=waiver.decided_by or "",
        item=item_text(rubric, waiver.item_id, language),
        team=escape(waiver.system.label),
        date=format_date(waiver.expires_on, language),
    )


# ---- the stage gate ------------------------------------------------------------------------------


def build_gate(
    team_name: str, rubric: Rubric, report: GapReport, language: str, command: str
) -> dict[str, Any]:
    """The move was not made: the gaps at the new stage, and how an admin confirms it."""
    stage = stage_label(rubric, report.stage, language)
    lines = [t("gate.title", language, team=escape(team_name), stage=stage, count=len(report.gaps))]
    lines += [f"• {item_text(rubric, gap.item_id, language)}" for gap in report.gaps]
    blocks = _sections(lines, MESSAGE_MAX_BLOCKS - 1)
    blocks.append(context(t("gate.how", language, command=escape(command))))
    return message(lines[0], blocks)
