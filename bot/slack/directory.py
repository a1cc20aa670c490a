"""People and channels as Slack knows them, cached briefly.

users.info is asked at most once per TTL per (workspace, person), and a person's channels with
one paginated users.conversations call (Slack's tier 3, 50+ a minute), so the Home tab of a
workspace with hundreds of teams costs one lookup, not one per team. conversations.info (what
the bot may do in a channel) is cached the same way.

A lookup Slack did not answer (rate limited, an outage, a timeout, or any error other than "no
such person" or "no such channel") is not an answer: it raises
LookupUnavailable, which the person is told about ("try again in a minute"), instead of passing
for "not an admin" or "not a member" and refusing them. It is not cached.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.types import ChannelFacts, Unavailable

DEFAULT_TTL_SECONDS = 300.0


@dataclass(frozen=True)
class Person:
    user_id: str
    is_admin: bool
    locale: str | None
    tz: str | None
    is_guest: bool = False


class TTLCache:
    def __init__(self, ttl: float = DEFAULT_TTL_SECONDS, max_entries: int = 10_000) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._data: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get_or_load(self, key: Hashable, load: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._data.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        value = load()
        with self._lock:
            if len(self._data) >= self._max:
                self._data.clear()  # crude but bounded; entries are cheap to reload
            self._data[key] = (now + self._ttl, value)
        return value

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._data.pop(key, None)


class LookupUnavailable(Unavailable):
    """Slack did not answer a lookup a permission depends on."""

    def __init__(self) -> None:
        super().__init__("error.lookup_unavailable")


# The errors that answer the question: the person or the channel is not there for the bot (an
# unknown or deactivated user, another workspace's channel, a private one the bot is not in).
# Any other error (ratelimited, internal_error, fatal_error, team_access_not_granted, a
# missing scope...) says nothing about the person or the channel.
_NO_SUCH_USER = frozenset({"user_not_found", "user_not_visible", "account_inactive"})
_NO_SUCH_CHANNEL = frozenset({"channel_not_found", "not_in_channel"})


def _not_answered(error: Exception, answers: frozenset[str]) -> bool:
    """Slack said nothing about the question: a 429, a 5xx, no answer at all, or an error that
    is not one of the `answers` to it."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", None)
        if status == 429 or (isinstance(status, int) and status >= 500):
            return True
        return str(error.response.get("error") or "") not in answers
    return isinstance(error, OSError | URLError)


class SlackDirectory:
    """Implements bot.services.types.Directory on top of the Web API. It reports what Slack
    says; the configured admin list (MLSCORE_ADMINS) is applied by the services."""

    def __init__(
        self,
        client: WebClient,
        *,
        workspace: str,
        cache: TTLCache,
    ) -> None:
        self._client = client
        self._workspace = workspace
        self._cache = cache

    def person(self, user_id: str) -> Person:
        def load() -> Person:
            try:
                response = self._client.users_info(user=user_id, include_locale=True)
            except (SlackApiError, OSError, URLError) as error:
                if _not_answered(error, _NO_SUCH_USER):
                    raise LookupUnavailable from error
                # Unknown or deactivated user: no privileges, default language.
                return Person(user_id, False, None, None)
            user: dict[str, Any] = response.get("user") or {}
            return Person(
                user_id=user_id,
                is_admin=bool(user.get("is_admin") or user.get("is_owner")),
                locale=user.get("locale"),
                tz=user.get("tz"),
                is_guest=bool(user.get("is_restricted") or user.get("is_ultra_restricted")),
            )

        person: Person = self._cache.get_or_load((self._workspace, "user", user_id), load)
        return person

    def is_admin(self, user_id: str) -> bool:
        return self.person(user_id).is_admin

    def is_guest(self, user_id: str) -> bool:
        return self.person(user_id).is_guest

    def locale(self, user_id: str) -> str | None:
        """The person's locale; None when Slack does not say (the default language is used:
        telling someone that Slack is busy must not itself fail on Slack being busy)."""
        try:
            return self.person(user_id).locale
        except LookupUnavailable:
            return None

    def channels_of(self, user_id: str) -> frozenset[str]:
        """The channels the person is in that the bot can see: every public one, and private
        ones the bot is in too (the only ones a team can be bound to)."""

        def load() -> frozenset[str]:
            channels: set[str] = set()
            cursor: str | None = None
            try:
                while True:
                    response = self._client.users_conversations(
                        user=user_id,
                        types="public_channel,private_channel",
                        exclude_archived=True,
                        limit=999,
                        cursor=cursor,
                    )
                    channels.update(c["id"] for c in response.get("channels") or [] if "id" in c)
                    cursor = (response.get("response_metadata") or {}).get("next_cursor")
                    if not cursor:
                        break
            except (SlackApiError, OSError, URLError) as error:
                if _not_answered(error, _NO_SUCH_USER):
                    raise LookupUnavailable from error
                # An unknown or deactivated user: in no channel.
                return frozenset()
            return frozenset(channels)

        channels: frozenset[str] = self._cache.get_or_load(
            (self._workspace, "channels", user_id), load
        )
        return channels

    def is_member(self, channel_id: str, user_id: str) -> bool:
        return channel_id in self.channels_of(user_id)

    def channel(self, channel_id: str) -> ChannelFacts:
        """What conversations.info tells the bot's token. A channel it cannot see (another
        workspace's, a private one it is not in, one that does not exist) is not found."""

        def load() -> ChannelFacts:
            try:
                response = self._client.conversations_info(channel=channel_id)
            except (SlackApiError, OSError, URLError) as error:
                if _not_answered(error, _NO_SUCH_CHANNEL):
                    raise LookupUnavailable from error
                return ChannelFacts(found=False)
            info: dict[str, Any] = response.get("channel") or {}
            return ChannelFacts(
                found=True,
                private=bool(info.get("is_private") or info.get("is_group")),
                direct=bool(info.get("is_im") or info.get("is_mpim")),
                bot_member=bool(info.get("is_member")),
                archived=bool(info.get("is_archived")),
            )

        facts: ChannelFacts = self._cache.get_or_load(
            (self._workspace, "channel", channel_id), load
        )
        return facts
