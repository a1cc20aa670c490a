"""Thin listeners: ack first, parse, call one use case, render. register_all binds them."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import (
    actions,
    assessment,
    criteria,
    events,
    plans,
    responses,
    routine,
    scheduling,
    slash_command,
)


def register_all(app: App) -> None:
    slash_command.register(app)
    assessment.register(app)
    actions.register(app)
    events.register(app)
    scheduling.register(app)
    criteria.register(app)
    responses.register(app)
    plans.register(app)
    routine.register(app)
