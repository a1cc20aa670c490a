"""A dict-backed stand-in for what Slack tells the services about people and channels."""

from __future__ import annotations

from collections.abc import Iterable


class FakeDirectory:
    """Implements bot.services.types.Directory from plain sets, with helpers to change them."""

    def __init__(
        self,
        *,
        admins: Iterable[str] = (),
        members: dict[str, Iterable[str]] | None = None,
    ) -> None:
        self.admins: set[str] = set(admins)
        self.members: dict[str, set[str]] = {
            channel: set(users) for channel, users in (members or {}).items()
        }

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins

    def is_member(self, channel_id: str, user_id: str) -> bool:
        return user_id in self.members.get(channel_id, set())

    def join(self, channel_id: str, *user_ids: str) -> None:
        self.members.setdefault(channel_id, set()).update(user_ids)

    def leave(self, channel_id: str, user_id: str) -> None:
        self.members.get(channel_id, set()).discard(user_id)
