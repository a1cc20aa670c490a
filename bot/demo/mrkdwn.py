"""Slack mrkdwn to HTML, for the demo's report: roughly what Slack's client shows.

Slack text escapes `&`, `<` and `>` as entities and uses raw angle brackets only for its own
tokens (<#C123|name>, <@U123>, <!here>, <https://x|label>). So the renderer cuts out code and
tokens first (as placeholders), decodes the entities of what is left, escapes it for HTML, then
applies *bold*, _italic_ and ~strike~, quotes and line breaks. Whatever a note contains comes
out as text, never as markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from markupsafe import Markup

EMOJI: dict[str, str] = {
    "white_check_mark": "\u2705",
    "warning": "\u26a0\ufe0f",
    "small_red_triangle_down": "\U0001f53b",
    "small_red_triangle": "\U0001f53a",
    "rocket": "\U0001f680",
    "chart_with_upwards_trend": "\U0001f4c8",
    "calendar": "\U0001f4c5",
    "wave": "\U0001f44b",
    "tada": "\U0001f389",
    "bell": "\U0001f514",
    "x": "\u274c",
    "arrow_up": "\u2b06\ufe0f",
    "arrow_down": "\u2b07\ufe0f",
}

_PLACEHOLDER = "\x00{}\x00"
_PLACEHOLDER_RE = re.compile("\x00(\\d+)\x00")
_PRE_RE = re.compile(r"```\n?(.*?)\n?```", re.DOTALL)
_CODE_RE = re.compile(r"`([^`\n]+)`")
_TOKEN_RE = re.compile(r"<([^<>\n]+)>")
_EMOJI_RE = re.compile(r":([a-z0-9_+-]+):")


def _span(mark: str, tag: str) -> tuple[re.Pattern[str], str]:
    m = re.escape(mark)
    # Slack's rule, roughly: the marks hug non-space text and do not touch word characters.
    # A zero-width space counts as space (bot.slack.blocks.common.escape fences marks with it).
    solid = "[^\\s\u200b]"
    pattern = re.compile(rf"(?<![\w{m}]){m}(?={solid})([^{m}\n]*?{solid}){m}(?![\w{m}])")
    return pattern, rf"<{tag}>\1</{tag}>"


_SPANS = (_span("*", "strong"), _span("_", "em"), _span("~", "del"))


def slack_unescape(text: str) -> str:
    """Slack's three entities back to characters (and only those, as Slack does)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def safe_url(url: str) -> str | None:
    """Only web and mail links become anchors; javascript: and friends stay text."""
    scheme = urlsplit(url).scheme.lower()
    return url if scheme in ("http", "https", "mailto") else None


class MrkdwnRenderer:
    """Renders mrkdwn with names for channel and user ids (Slack shows names, not ids)."""

    def __init__(
        self, *, channels: Mapping[str, str] | None = None, users: Mapping[str, str] | None = None
    ) -> None:
        self.channels = dict(channels or {})
        self.users = dict(users or {})

    # ---- tokens ---------------------------------------------------------------------------------

    def token(self, inner: str) -> str:  # noqa: PLR0911  one return per kind of token
        """One <...> token as HTML."""
        target, _, label = inner.partition("|")
        target = slack_unescape(target)
        label = slack_unescape(label)
        if target.startswith("#C") or target.startswith("#G"):
            name = label or self.channels.get(target[1:], target[1:])
            return f'<span class="mention channel">#{_esc(name)}</span>'
        if target.startswith("@U") or target.startswith("@W"):
            name = self.users.get(target[1:], label or target[1:])
            return f'<span class="mention user">@{_esc(name)}</span>'
        if target.startswith("!subteam^"):
            return f'<span class="mention">@{_esc(label or "group")}</span>'
        if target.startswith("!date^"):
            return _esc(label or target)
        if target.startswith("!"):
            return f'<span class="mention">@{_esc(target[1:])}</span>'
        url = safe_url(target)
        if url is None:
            return _esc(f"<{inner}>")
        return (
            f'<a href="{_esc(url)}" target="_blank" rel="noopener noreferrer">'
            f"{_esc(label or target)}</a>"
        )

    # ---- text -----------------------------------------------------------------------------------

    def render(self, text: str) -> Markup:
        """mrkdwn -> HTML (inline: use inside a div that keeps white space as Slack does)."""
        saved: list[str] = []

        def keep(rendered: str) -> str:
            saved.append(rendered)
            return _PLACEHOLDER.format(len(saved) - 1)

        def sub(pattern: re.Pattern[str], make: Callable[[re.Match[str]], str], s: str) -> str:
            return pattern.sub(lambda m: keep(make(m)), s)

        text = text.replace("\x00", "")
        text = sub(
            _PRE_RE,
            lambda m: f'<pre class="code-block">{_esc(slack_unescape(m[1]))}</pre>',
            text,
        )
        text = sub(_CODE_RE, lambda m: f"<code>{_esc(slack_unescape(m[1]))}</code>", text)
        text = sub(_TOKEN_RE, lambda m: self.token(m[1]), text)
        body = _esc(slack_unescape(text))
        for pattern, replacement in _SPANS:
            body = pattern.sub(replacement, body)
        body = _EMOJI_RE.sub(lambda m: EMOJI.get(m[1], m[0]), body)
        body = _quotes(body)
        body = body.replace("\n", "<br>")
        # Placeholders can nest (a token inside a quote); a few passes resolve them all.
        while _PLACEHOLDER_RE.search(body):
            body = _PLACEHOLDER_RE.sub(lambda m: saved[int(m[1])], body)
        return Markup(body)  # noqa: S704  escaped piece by piece above

    def plain(self, text: str) -> Markup:
        """plain_text: shown as typed (with emoji codes turned into emoji, as Slack does)."""
        body = _esc(text)
        shown = _EMOJI_RE.sub(lambda m: EMOJI.get(m[1], m[0]), body).replace("\n", "<br>")
        return Markup(shown)  # noqa: S704  escaped first

    def text_object(self, obj: object) -> Markup:
        """A Block Kit text object (plain_text or mrkdwn) as HTML."""
        if not isinstance(obj, Mapping):
            return Markup("")
        text = str(obj.get("text", ""))
        return self.render(text) if obj.get("type") == "mrkdwn" else self.plain(text)


def _quotes(body: str) -> str:
    """Lines starting with "> " (escaped by now) become a quote."""
    lines = body.split("\n")
    out: list[str] = []
    for line in lines:
        if line.startswith("&gt; ") or line == "&gt;":
            out.append(f'<span class="quote">{line[5:]}</span>')
        else:
            out.append(line)
    return "\n".join(out)
