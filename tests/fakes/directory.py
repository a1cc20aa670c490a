"""A dict-backed stand-in for what Slack tells the services about people and channels."""

from __future__ import annotations

from collections.abc import Iterable

from bot.services.types import ChannelFacts


class FakeDirectory:
    """Implements bot.services.types.Directory from plain sets, with helpers to change them."""

    def __init__(
        self,
        *,
        admins: Iterable[str] = (),
        members: dict[str, Iterable[str]] | None = None,
        private: Iterable[str] = (),
        unknown: Iterable[str] = (),
        without_bot: Iterable[str] = (),
        guests: Iterable[str] = (),
    ) -> None:
        """Channels are public ones the bot is in unless named in `private`, `unknown` (not
        visible to the bot: another workspace's, say) or `without_bot`."""
        self.admins: set[str] = set(admins)
        self.members: dict[str, set[str]] = {
            channel: set(users) for channel, users in (members or {}).items()
        }
        self.private: set[str] = set(private)
        self.unknown: set[str] = set(unknown)
        self.without_bot: set[str] = set(without_bot)
        self.guests: set[str] = set(guests)

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins

    def is_guest(self, user_id: str) -> bool:
        return user_id in self.guests

    def is_member(self, channel_id: str, user_id: str) -> bool:
        return user_id in self.members.get(channel_id, set())

    def channel(self, channel_id: str) -> ChannelFacts:
        if channel_id in self.unknown:
            return ChannelFacts(found=False)
        return ChannelFacts(
            found=True,
            private=channel_id in self.private,
            direct=channel_id.startswith("D"),
            bot_member=channel_id not in self.without_bot,
        )

    def join(self, channel_id: str, *user_ids: str) -> None:
        self.members.setdefault(channel_id, set()).update(user_ids)

    def leave(self, channel_id: str, user_id: str) -> None:
        self.members.get(channel_id, set()).discard(user_id)
