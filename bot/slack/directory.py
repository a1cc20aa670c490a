"""People and channels as Slack knows them, cached briefly.

users.info, conversations.members and conversations.info are asked at most once per TTL per
(workspace, key), so a busy command does not turn into a burst of Web API calls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.types import ChannelFacts

DEFAULT_TTL_SECONDS = 300.0


@dataclass(frozen=True)
class Person:
    user_id: str
    is_admin: bool
    locale: str | None
    tz: str | None


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
            except SlackApiError:
                # Unknown or deactivated user: no privileges, default language.
                return Person(user_id, False, None, None)
            user: dict[str, Any] = response.get("user") or {}
            return Person(
                user_id=user_id,
                is_admin=bool(user.get("is_admin") or user.get("is_owner")),
                locale=user.get("locale"),
                tz=user.get("tz"),
            )

        person: Person = self._cache.get_or_load((self._workspace, "user", user_id), load)
        return person

    def is_admin(self, user_id: str) -> bool:
        return self.person(user_id).is_admin

    def locale(self, user_id: str) -> str | None:
        return self.person(user_id).locale

    def members(self, channel_id: str) -> frozenset[str]:
        def load() -> frozenset[str]:
            members: set[str] = set()
            cursor: str | None = None
            try:
                while True:
                    response = self._client.conversations_members(
                        channel=channel_id, cursor=cursor, limit=1000
                    )
                    members.update(response.get("members") or [])
                    cursor = (response.get("response_metadata") or {}).get("next_cursor")
                    if not cursor:
                        break
            except SlackApiError:
                # The bot cannot see the channel (private, archived): nobody is a member
                # as far as we can prove, so only admins may act on it.
                return frozenset()
            return frozenset(members)

        members: frozenset[str] = self._cache.get_or_load(
            (self._workspace, "members", channel_id), load
        )
        return members

    def is_member(self, channel_id: str, user_id: str) -> bool:
        return user_id in self.members(channel_id)

    def channel(self, channel_id: str) -> ChannelFacts:
        """What conversations.info tells the bot's token. A channel it cannot see (another
        workspace's, a private one it is not in, one that does not exist) is not found."""

        def load() -> ChannelFacts:
            try:
                response = self._client.conversations_info(channel=channel_id)
            except SlackApiError:
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
