"""What the paged modals share: the rubric split into pages, and each page's navigation."""

from __future__ import annotations

import pytest

from bot.slack.blocks.paging import page_at, page_modal, section_pages
from tests.fakes.blockkit import check_view
from tests.support.rubric_factories import paper_rubric


def test_section_pages_split_long_sections_and_leave_out_disabled_items():
    # "data" keeps 5 enabled items of 7; "infra" keeps none and gets no page.
    rubric = paper_rubric(disabled=frozenset({"FD2", "FD6"} | {f"I{n}" for n in range(1, 8)}))
    pages = section_pages(rubric, per_page=3)
    assert [(section.id, [item.id for item in items]) for section, items in pages] == [
        ("data", ["FD1", "FD3", "FD4"]),
        ("data", ["FD5", "FD7"]),
        ("model", ["MD1", "MD2", "MD3"]),
        ("model", ["MD4", "MD5", "MD6"]),
        ("model", ["MD7"]),
        ("monitor", ["Mo1", "Mo2", "Mo3"]),
        ("monitor", ["Mo4", "Mo5", "Mo6"]),
        ("monitor", ["Mo7"]),
    ]


def test_page_at_refuses_a_page_that_does_not_exist():
    assert page_at(["a", "b"], 1) == "b"
    with pytest.raises(ValueError, match="out of range"):
        page_at(["a", "b"], 2)
    with pytest.raises(ValueError, match="out of range"):
        page_at(["a", "b"], -1)


@pytest.mark.parametrize(
    ("index", "back", "submit"), [(0, False, "Next"), (1, True, "Next"), (2, True, "Submit")]
)
def test_a_page_goes_back_from_the_second_page_on_and_submits_on_the_last(index, back, submit):
    view = page_modal(
        index=index,
        total=3,
        blocks=[{"type": "divider"}],
        footer=[{"type": "context", "elements": [{"type": "mrkdwn", "text": "footer"}]}],
        callback_id="cb",
        title="Page",
        back_action="go_back",
        close="Close",
        private_metadata="{}",
        language="en",
    )
    assert check_view(view) == []
    types = [block["type"] for block in view["blocks"]]
    assert types == ["divider", "actions", "context"] if back else ["divider", "context"]
    if back:
        (button,) = view["blocks"][1]["elements"]
        assert (button["action_id"], button["value"]) == ("go_back", str(index - 1))
    assert view["submit"]["text"] == submit
    assert view["notify_on_close"] is True
