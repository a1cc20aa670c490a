"""Product limits that more than one layer enforces (the modal, the services, the database)."""

from __future__ import annotations

# Slack allows 3,000 characters in a text input; a per-item note is a remark, not an essay,
# and 28 long notes would make the channel message and exports unwieldy.
NOTE_MAX_CHARS = 1000
OVERALL_NOTE_MAX_CHARS = 3000
TEAM_NAME_MAX_CHARS = 80
