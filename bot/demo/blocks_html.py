"""Block Kit blocks as HTML, roughly as Slack's client lays them out.

Only the look matters here: buttons are styled but inert, inputs show their initial values read
only, and anything the renderer does not know is shown as a labelled placeholder rather than
dropped. Every piece of text goes through the mrkdwn renderer or HTML escaping.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from bot.demo.mrkdwn import MrkdwnRenderer


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


class BlocksRenderer:
    def __init__(self, text: MrkdwnRenderer) -> None:
        self.text = text

    def blocks(self, blocks: Sequence[Any]) -> str:
        return "\n".join(self.block(block) for block in blocks if isinstance(block, Mapping))

    def block(self, block: Mapping[str, Any]) -> str:
        kind = str(block.get("type", ""))
        render = getattr(self, f"_block_{kind}", None)
        if render is None:
            return f'<div class="b-unknown">[{_esc(kind or "block")}]</div>'
        result: str = render(block)
        return result

    # ---- blocks -------------------------------------------------------------------------------

    def _block_header(self, block: Mapping[str, Any]) -> str:
        return f'<div class="b-header">{self.text.text_object(block.get("text"))}</div>'

    def _block_section(self, block: Mapping[str, Any]) -> str:
        parts = []
        if block.get("text"):
            parts.append(f'<div class="mrkdwn">{self.text.text_object(block["text"])}</div>')
        fields = block.get("fields") or []
        if fields:
            cells = "".join(
                f'<div class="field mrkdwn">{self.text.text_object(f)}</div>' for f in fields
            )
            parts.append(f'<div class="fields">{cells}</div>')
        accessory = block.get("accessory")
        side = ""
        if isinstance(accessory, Mapping):
            side = f'<div class="accessory">{self.element(accessory)}</div>'
        return f'<div class="b-section"><div class="main">{"".join(parts)}</div>{side}</div>'

    def _block_context(self, block: Mapping[str, Any]) -> str:
        items = []
        for element in block.get("elements") or []:
            if not isinstance(element, Mapping):
                continue
            if element.get("type") == "image":
                items.append(self._image_placeholder(element, small=True))
            else:
                items.append(f'<span class="mrkdwn">{self.text.text_object(element)}</span>')
        return f'<div class="b-context">{"".join(items)}</div>'

    def _block_divider(self, _block: Mapping[str, Any]) -> str:
        return '<hr class="b-divider">'

    def _block_actions(self, block: Mapping[str, Any]) -> str:
        elements = "".join(
            self.element(e) for e in block.get("elements") or [] if isinstance(e, Mapping)
        )
        return f'<div class="b-actions">{elements}</div>'

    def _block_image(self, block: Mapping[str, Any]) -> str:
        title = block.get("title")
        caption = f"<figcaption>{self.text.text_object(title)}</figcaption>" if title else ""
        return f'<figure class="b-image">{self._image_placeholder(block)}{caption}</figure>'

    def _block_input(self, block: Mapping[str, Any]) -> str:
        label = self.text.text_object(block.get("label"))
        optional = ' <span class="optional">(optional)</span>' if block.get("optional") else ""
        element = block.get("element")
        body = self.input_element(element) if isinstance(element, Mapping) else ""
        hint = block.get("hint")
        hint_html = f'<div class="hint">{self.text.text_object(hint)}</div>' if hint else ""
        return (
            f'<div class="b-input"><div class="label">{label}{optional}</div>'
            f"{body}{hint_html}</div>"
        )

    def _block_rich_text(self, block: Mapping[str, Any]) -> str:
        texts: list[str] = []

        def walk(node: object) -> None:
            if isinstance(node, Mapping):
                if node.get("type") == "text":
                    texts.append(str(node.get("text", "")))
                for child in node.get("elements") or []:
                    walk(child)

        walk(block)
        body = self.text.plain("".join(texts))
        return f'<div class="b-section"><div class="main">{body}</div></div>'

    # ---- elements -----------------------------------------------------------------------------

    def element(self, element: Mapping[str, Any]) -> str:
        kind = element.get("type")
        if kind == "button":
            style = element.get("style")
            classes = "btn" + (f" {style}" if style in ("primary", "danger") else "")
            label = self.text.text_object(element.get("text"))
            # Inert on purpose: a report cannot act for the bot.
            return f'<button type="button" class="{classes}" tabindex="-1">{label}</button>'
        if kind in ("static_select", "external_select", "users_select", "channels_select"):
            return f'<span class="select">{self._select_text(element)}</span>'
        if kind == "overflow":
            return '<span class="btn overflow">&#8943;</span>'
        if kind == "image":
            return self._image_placeholder(element, small=True)
        return f'<span class="b-unknown">[{_esc(kind or "element")}]</span>'

    def input_element(self, element: Mapping[str, Any]) -> str:
        kind = element.get("type")
        if kind in ("radio_buttons", "checkboxes"):
            chosen = element.get("initial_option")
            picked = [chosen] if isinstance(chosen, Mapping) else []
            picked += [o for o in element.get("initial_options") or [] if isinstance(o, Mapping)]
            values = {str(o.get("value")) for o in picked}
            shape = "radio" if kind == "radio_buttons" else "check"
            rows = []
            for option in element.get("options") or []:
                if not isinstance(option, Mapping):
                    continue
                on = str(option.get("value")) in values
                mark = " on" if on else ""
                rows.append(
                    f'<span class="choice {shape}{mark}"><span class="mark"></span>'
                    f"{self.text.text_object(option.get('text'))}</span>"
                )
            return f'<div class="choices">{"".join(rows)}</div>'
        if kind == "plain_text_input":
            value = str(element.get("initial_value") or "")
            placeholder = element.get("placeholder")
            shown = (
                _esc(value)
                if value
                else f'<span class="placeholder">{self.text.text_object(placeholder)}</span>'
            )
            multiline = " multiline" if element.get("multiline") else ""
            return f'<div class="text-input{multiline}">{shown}</div>'
        if kind in ("static_select", "external_select", "users_select", "channels_select"):
            return f'<div class="select wide">{self._select_text(element)}</div>'
        return self.element(element)

    def _select_text(self, element: Mapping[str, Any]) -> str:
        chosen = element.get("initial_option")
        if isinstance(chosen, Mapping):
            return f"{self.text.text_object(chosen.get('text'))} &#9662;"
        placeholder = element.get("placeholder")
        return f"{self.text.text_object(placeholder) or 'Select'} &#9662;"

    def _image_placeholder(self, element: Mapping[str, Any], *, small: bool = False) -> str:
        # Remote images are not fetched (the demo works offline): their alt text stands in.
        size = " small" if small else ""
        return (
            f'<span class="image-placeholder{size}">{_esc(element.get("alt_text", "image"))}</span>'
        )
