"""Results in words: the scorecard, the gaps message, the trend line and the channel announcement.

The scorecard always says "ML Test Score: <final>" (in its header and its fallback text), each
section's score out of its maximum, the weakest section, the band, the stage readiness and the
gaps. Gaps are grouped by section, one section block each, so even 28 gaps stay far below 50
blocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.services.types import Scorecard
from bot.slack.blocks.assessment import stage_label
from bot.slack.blocks.common import (
    Block,
    Mrkdwn,
    chunk_lines,
    context,
    divider,
    escape,
    header,
    message,
    section,
)
from bot.slack.blocks.responses import response_blocks
from bot.slack.i18n import format_date, format_delta, format_number, format_percent, t
from rubric.diff import Diff
from rubric.evidence import Claim, Downgrade, stale_since
from rubric.gaps import Gap, GapReport
from rubric.model import LevelScale, Rubric
from rubric.scoring import Score

CODES_SHOWN = 10


# ---- shared pieces --------------------------------------------------------------------------


def section_name(rubric: Rubric, section_id: str, language: str) -> str:
    for rubric_section in rubric.sections:
        if rubric_section.id == section_id:
            return rubric_section.name.get(language)
    return section_id


def band_label(score: Score, language: str) -> str:
    return score.band.label.get(language) if score.band else ""


def codes(item_ids: Sequence[str], language: str, *, limit: int = CODES_SHOWN) -> str:
    """Item ids as a short list: "FD1, MD3, Mo7" and "…and 4 more." past `limit`."""
    if not item_ids:
        return t("common.none", language)
    shown = t("common.list_separator", language).join(item_ids[:limit])
    rest = len(item_ids) - limit
    return f"{shown} {t('common.more', language, count=rest)}" if rest > 0 else shown


def next_step_label(rubric: Rubric, gap: Gap, language: str) -> str:
    """The choice that closes the gap, as the person sees it ("Manual", "Automated", "6")."""
    scale = rubric.scale
    if isinstance(scale, LevelScale):
        for level in scale.levels:
            if level.key == gap.next_step:
                return level.label.get(language)
    return gap.next_step


def link(url: str, label: str) -> str:
    """A mrkdwn link; the characters that would end Slack's <url|label> are percent-encoded."""
    safe = url.replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe}|{escape(label or url)}>"


def claim_link(claims: Mapping[str, Claim] | None, item_id: str) -> str:
    claim = (claims or {}).get(item_id)
    return (
        f" {link(claim.evidence_url, claim.evidence_label)}" if claim and claim.has_evidence else ""
    )


def gap_line(
    rubric: Rubric, gap: Gap, language: str, claims: Mapping[str, Claim] | None = None
) -> str:
    item = rubric.item(gap.item_id)
    kind = t(f"gaps.kind.{gap.kind.value}", language)
    step = t(f"gaps.next_step.{gap.kind.value}", language)
    target = next_step_label(rubric, gap, language)
    name = escape(item.name.get(language))
    return f"• *{item.id}* {name} ({kind}) → *{target}*: {step}{claim_link(claims, item.id)}"


def level_label(rubric: Rubric, key: str, language: str) -> str:
    scale = rubric.scale
    if isinstance(scale, LevelScale):
        for level in scale.levels:
            if level.key == key:
                return level.label.get(language)
    return key


def evidence_blocks(
    rubric: Rubric,
    language: str,
    *,
    claims: Mapping[str, Claim],
    stale: Sequence[str],
    downgrades: Sequence[Downgrade],
    with_links: bool,
) -> list[Block]:
    """Stale claims (with since when), claims failing in CI, the claims the evidence policy
    counts lower in the gaps and why, and (`with_links`) each claim's evidence link."""
    lines: list[str] = []
    if stale:
        items = []
        for item_id in stale:
            since = stale_since(rubric, claims[item_id]) if item_id in claims else None
            items.append(
                t("scorecard.stale_item", language, item=item_id, date=format_date(since, language))
                if since is not None
                else item_id
            )
        lines.append(t("scorecard.stale", language, items=", ".join(items)))
    failing = [item_id for item_id, claim in claims.items() if claim.failing]
    if failing:
        lines.append(t("scorecard.failing", language, items=codes(sorted(failing), language)))
    for lowered in downgrades:
        lines.append(
            t(
                "scorecard.downgraded",
                language,
                item=lowered.item_id,
                counted=level_label(rubric, lowered.counted, language),
                claimed=level_label(rubric, lowered.claimed, language),
            )
        )
    if with_links:
        linked = [
            f"• *{item.id}*{claim_link(claims, item.id)}"
            for item in rubric.items
            if item.id in claims and claims[item.id].has_evidence
        ]
        if linked:
            lines += [t("scorecard.evidence_title", language), *linked]
    return [section(chunk) for chunk in chunk_lines(lines)] if lines else []


def gap_blocks(
    rubric: Rubric,
    report: GapReport,
    language: str,
    claims: Mapping[str, Claim] | None = None,
) -> list[Block]:
    """The mandatory gaps by section, then the manual-only ones, then the optional count."""
    stage = stage_label(rubric, report.stage, language)
    if not report.gaps:
        blocks = [section(t("gaps.none", language, stage=stage))]
    else:
        blocks = [section(t("gaps.title", language, stage=stage, count=len(report.gaps)))]
        blocks += _grouped(rubric, report.gaps, language, claims)
    if report.partial:
        title = t("gaps.partial_title", language, count=len(report.partial))
        linked = [g.item_id for g in report.partial if claim_link(claims, g.item_id)]
        if linked:
            # each with the link behind its manual claim, one per line
            lines = [title] + [
                f"• *{g.item_id}*{claim_link(claims, g.item_id)}" for g in report.partial
            ]
            blocks += [section(chunk) for chunk in chunk_lines(lines)]
        else:
            blocks.append(
                section(f"{title}\n{codes([g.item_id for g in report.partial], language)}")
            )
    if report.waived:
        title = t("gaps.waived_title", language, count=len(report.waived))
        blocks.append(section(f"{title}\n{codes(list(report.waived), language)}"))
    if report.optional_open:
        blocks.append(context(t("gaps.optional_open", language, count=len(report.optional_open))))
    return blocks


def _grouped(
    rubric: Rubric,
    gaps: Iterable[Gap],
    language: str,
    claims: Mapping[str, Claim] | None = None,
) -> list[Block]:
    by_section: dict[str, list[Gap]] = {}
    for gap in gaps:
        by_section.setdefault(gap.section_id, []).append(gap)
    blocks: list[Block] = []
    for section_id, members in by_section.items():
        lines = [f"*{escape(section_name(rubric, section_id, language))}*"]
        lines += [gap_line(rubric, gap, language, claims) for gap in members]
        blocks += [section(chunk) for chunk in chunk_lines(lines)]
    return blocks


def readiness_line(rubric: Rubric, report: GapReport, language: str) -> str:
    stage = stage_label(rubric, report.stage, language)
    if not report.mandatory:
        return t("scorecard.readiness_none", language, stage=stage)
    return t(
        "scorecard.readiness",
        language,
        stage=stage,
        percent=format_percent(report.readiness, language),
        met=len(report.met),
        total=len(report.mandatory),
    )


# ---- scorecard ------------------------------------------------------------------------------


def build_scorecard(
    *,
    team_name: str,
    score: Score,
    report: GapReport,
    diff: Diff | None,
    rubric: Rubric,
    language: str,
    assessed_at: datetime,
    assessed_by: str | None,
    overall_note: str = "",
    chart_follows: bool = False,
    evidence: Sequence[Block] = (),
    claims: Mapping[str, Claim] | None = None,
) -> dict[str, Any]:
    """The latest result of a team, as a message payload (ephemeral or in channel)."""
    final = format_number(score.final, language)
    band = band_label(score, language)
    weakest = ", ".join(section_name(rubric, sid, language) for sid in score.weakest)
    summary = [
        t("scorecard.summary", language, final=final, band=escape(band)),
        t("scorecard.weakest", language, name=escape(weakest)),
        readiness_line(rubric, report, language),
    ]
    lines = [t("scorecard.sections_title", language)] + [
        t(
            "scorecard.section_line",
            language,
            name=escape(section_name(rubric, part.section_id, language)),
            score=format_number(part.score, language),
            maximum=format_number(part.maximum, language),
        )
        for part in score.sections
    ]
    if assessed_by:
        meta = t(
            "scorecard.meta",
            language,
            user=assessed_by,
            date=format_date(assessed_at, language),
            rubric=f"{rubric.id} {rubric.version}",
        )
    else:
        meta = t(
            "scorecard.meta_unknown",
            language,
            date=format_date(assessed_at, language),
            rubric=f"{rubric.id} {rubric.version}",
        )
    blocks: list[Block] = [
        header(t("scorecard.header", language, team=team_name, final=final)),
        section("\n".join(summary)),
        *[section(chunk) for chunk in chunk_lines(lines)],
        context(trend_text(diff, rubric, language)),
        divider(),
        *gap_blocks(rubric, report, language, claims),
        *evidence,
    ]
    if overall_note:
        blocks.append(context(t("scorecard.note", language, note=escape(overall_note))))
    blocks.append(context(meta))
    if chart_follows:
        blocks.append(context(t("scorecard.chart_below", language)))
    fallback = t("scorecard.fallback", language, team=escape(team_name), final=final, band=band)
    return message(fallback, blocks)


def scorecard_message(
    card: Scorecard, language: str, *, chart_follows: bool = False
) -> dict[str, Any]:
    """build_scorecard for a team's latest Scorecard from the services, with where its
    period's several respondents disagree."""
    anonymous = card.anonymous or (card.responses is not None and card.responses.anonymous)
    payload = build_scorecard(
        team_name=card.team.label,
        score=card.score,
        report=card.gaps,
        diff=card.diff,
        rubric=card.rubric,
        language=language,
        assessed_at=card.assessed_at,
        assessed_by=None if anonymous else card.assessed_by,
        overall_note=card.snapshot.note,
        chart_follows=chart_follows,
        evidence=evidence_blocks(
            card.rubric,
            language,
            claims=card.claims,
            stale=card.stale,
            downgrades=card.downgrades,
            with_links=True,
        ),
        claims=card.claims,
    )
    if card.responses is not None:
        payload["blocks"] += [divider(), *response_blocks(card.rubric, card.responses, language)]
    return payload


def build_gaps(
    *,
    team_name: str,
    report: GapReport,
    rubric: Rubric,
    language: str,
    card: Scorecard | None = None,
) -> dict[str, Any]:
    """`/mlscore gaps`: the mandatory tests not met for the team's stage, each with its step
    (and its evidence link); with `card`, the stale, failing and policy-lowered claims too."""
    stage = stage_label(rubric, report.stage, language)
    claims = card.claims if card is not None else None
    blocks: list[Block] = [
        header(t("gaps.header", language, team=team_name, stage=stage)),
        context(readiness_line(rubric, report, language)),
        *gap_blocks(rubric, report, language, claims),
    ]
    if card is not None:
        blocks += evidence_blocks(
            rubric,
            language,
            claims=card.claims,
            stale=card.stale,
            downgrades=card.downgrades,
            with_links=False,
        )
    fallback = t(
        "gaps.fallback", language, team=escape(team_name), count=len(report.gaps), stage=stage
    )
    return message(fallback, blocks)


# ---- trend ----------------------------------------------------------------------------------


def trend_text(diff: Diff | None, rubric: Rubric, language: str) -> Mrkdwn:
    """One line on what changed since the previous assessment (mrkdwn of its own)."""
    return Mrkdwn(_trend_line(diff, rubric, language))


def _trend_line(diff: Diff | None, rubric: Rubric, language: str) -> str:
    if diff is None or diff.score_before is None:
        return t("trend.first", language)
    if not diff.changed:
        return t("trend.nothing", language)
    parts: list[str] = []
    after = format_number(diff.score_after, language)
    if diff.score_delta:
        parts.append(
            t(
                "trend.score",
                language,
                before=format_number(diff.score_before, language),
                after=after,
                delta=format_delta(diff.score_delta, language),
            )
        )
    else:
        parts.append(t("trend.score_same", language, after=after))
    if diff.stage_changed and diff.stage_before is not None:
        parts.append(
            t(
                "trend.stage",
                language,
                before=stage_label(rubric, diff.stage_before, language),
                after=stage_label(rubric, diff.stage_after, language),
            )
        )
    item_lists = (
        ("trend.improved", [c.item_id for c in diff.improved]),
        ("trend.regressed", [c.item_id for c in diff.regressed]),
        ("trend.newly_met", list(diff.newly_met)),
        ("trend.newly_gapped", list(diff.newly_gapped)),
    )
    for key, ids in item_lists:
        if ids:
            parts.append(t(key, language, items=codes(ids, language, limit=6)))
    if diff.newly_answered:
        parts.append(t("trend.newly_answered", language, count=len(diff.newly_answered)))
    if diff.notes_changed:
        parts.append(t("trend.notes_changed", language, count=len(diff.notes_changed)))
    return t("trend.prefix", language, changes="; ".join(parts))


# ---- channel announcement -------------------------------------------------------------------


def build_announcement(
    *,
    team_name: str,
    user_id: str,
    score: Score,
    diff: Diff | None,
    report: GapReport,
    rubric: Rubric,
    language: str,
) -> dict[str, Any]:
    """The short message the team's channel gets after a submission."""
    final = format_number(score.final, language)
    if diff is None or diff.score_delta is None:
        change = t("announce.first_change", language)
    elif diff.score_delta == 0:
        change = t("announce.no_change", language)
    else:
        change = format_delta(diff.score_delta, language)
    lines = [
        t(
            # No user: an anonymous team's answer is not attributed in its channel.
            "announce.text" if user_id else "announce.text_anonymous",
            language,
            user=user_id,
            team=escape(team_name),
            final=final,
            change=change,
            band=escape(band_label(score, language)),
        )
    ]
    if diff is not None and diff.score_before is not None:
        if diff.newly_met:
            lines.append(t("announce.newly_met", language, items=codes(diff.newly_met, language)))
        regressed = [change.item_id for change in diff.regressed]
        if regressed:
            lines.append(t("announce.regressed", language, items=codes(regressed, language)))
    gaps_line = t(
        "announce.open_gaps",
        language,
        stage=stage_label(rubric, report.stage, language),
        count=len(report.gaps),
    )
    blocks: list[Block] = [section("\n".join(lines)), context(gaps_line)]
    return message(t("announce.fallback", language, team=escape(team_name), final=final), blocks)
