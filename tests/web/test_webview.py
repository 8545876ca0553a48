"""HTML fragments: escaping, highlighting that covers the whole story, delivery notes."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from coach.rubric.loader import load_rubric
from coach.scoring.scorer import score
from coach.web import webview as view


def test_esc_neutralises_html_and_template_syntax() -> None:
    out = view.esc('<img src=x onerror="a()"> ${x} {{y}} `z`')
    assert "<" not in out and '"' not in out and "${" not in out and "{{" not in out and "`" not in out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(list("ab <>&\"'${}.!?\n") + ["We fixed the model. ", "I was on call. "]), min_size=1, max_size=60).map("".join))
def test_highlighted_story_shows_every_character_of_the_story_escaped(story: str) -> None:
    assessment = score(story, load_rubric())
    out = view.highlighted_story(story, assessment)
    body = out.split('<div class="coach-story">', 1)[1]
    text = re.sub(r"<[^>]+>", "", body)
    assert "<" not in text and ">" not in text
    import html

    assert html.unescape(text) == story


def test_delivery_notes_what_good_looks_like() -> None:
    slow = view.delivery(30, 90, {"um": 3}, 3)
    assert "0:30" in slow and "shorter than the 2-minute target" in slow and "slow" in slow and "um ×3" in slow
    good = view.delivery(125, 140, {}, 0)
    assert "about the 2-minute target" in good and "comfortable" in good and "140 words/min" in good


def test_delivery_without_a_measured_pace_says_so() -> None:
    out = view.delivery(60, None, {}, 0)
    assert '<b id="delivery-wpm">not measured</b>' in out and "words/min" not in out
