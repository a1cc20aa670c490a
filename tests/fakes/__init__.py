"""Test doubles for Slack.

- blockkit: Block Kit limit checker (check_message, check_view, check_view_submission_response).
- signing: sign requests like Slack and build slash command / interactive / Events API bodies.
- slack_api: FakeSlack, a real HTTP Web API server (records calls, rate limits, faults).
- socket_mode: FakeSocketModeServer, a websocket endpoint for slack_sdk's Socket Mode clients.
"""
