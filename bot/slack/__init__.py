"""Slack presentation: ids, messages, Block Kit builders and the parsers of what they build.

Everything under bot/slack/blocks, ids.py, i18n.py and command_parser.py is pure: plain data in,
Block Kit dicts (or typed commands) out. Listeners and services live elsewhere and call these.
"""
