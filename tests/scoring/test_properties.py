"""Property tests: any text scores without error; every evidence span and segment slices back; scores in range."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.models import Assessment
from coach.rubric.loader import load_rubric
from coach.scoring.scorer import score

RUBRIC = load_rubric("star-l")
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Words the rubric's cues look for, so generated text exercises matches, not only misses.
_VOCAB = [
    "I", "we", "was", "on-call", "on call", "paged", "SEV-1", "P1", "the", "model", "pipeline", "broke",
    "customers", "revenue", "first", "then", "after", "that", "rolled", "back", "checked", "logs", "queried",
    "dashboards", "fixed", "restored", "40%", "from", "to", "2%", "baseline", "minutes", "hours", "two",
    "took", "alone", "blame", "their", "fault", "added", "alert", "runbook", "postmortem", "learned",
    "um", "uh", "so", "yeah", "like", "3:10", "a.m.", "$5K", "version", "2.3", "team", "of", "5",
]
_SEPARATORS = [" ", " ", " ", ". ", ", ", "\n", "\n\n", "; ", "! ", "? ", " — ", "\r\n", "…"]

storyish = st.lists(
    st.tuples(st.sampled_from(_VOCAB), st.sampled_from(_SEPARATORS)), min_size=0, max_size=400
).map(lambda parts: "".join(word + sep for word, sep in parts))

any_text = st.text(max_size=3000)  # st.text() never yields lone surrogates
punctuation_and_digits = st.text(alphabet=st.sampled_from(list(".,;:!?-—…'\"()[]{}\n\r\t 0123456789%$€")), max_size=2000)
odd_unicode = st.text(
    alphabet=st.characters(categories=("Lu", "Ll", "Lo", "Mn", "Nd", "Zs", "Zl", "Zp", "Cf", "So", "Po")), max_size=1500
)


def check(text: str) -> Assessment:
    a = score(text, RUBRIC)
    assert 0 <= a.overall <= 100
    assert 1 <= a.level <= 5
    assert a.level_label == RUBRIC.level_for(a.overall).label
    assert set(a.criteria) == {c.id for c in RUBRIC.criteria()}
    assert set(a.red_flags) == {f.id for f in RUBRIC.red_flags}
    for component in a.components.values():
        assert 0 <= component.score <= 100
    for result in [*a.criteria.values(), *a.red_flags.values()]:
        for span in result.evidence:
            assert 0 <= span.start <= span.end <= len(text)
            assert text[span.start : span.end] == span.text
    end = 0
    for segment in a.segments:
        assert segment.start >= end
        assert text[segment.start : segment.end] == segment.text
        end = segment.end
    if not a.is_story:
        assert a.overall <= 10
    return a


@SETTINGS
@given(any_text)
def test_any_unicode_text(text: str) -> None:
    check(text)


@SETTINGS
@given(storyish)
def test_story_shaped_text(text: str) -> None:
    check(text)


@settings(max_examples=100, deadline=None)
@given(punctuation_and_digits)
def test_punctuation_newlines_digits(text: str) -> None:
    a = check(text)
    assert a.overall <= 10  # nothing here is a story


@settings(max_examples=100, deadline=None)
@given(odd_unicode)
def test_odd_unicode_categories(text: str) -> None:
    check(text)


@settings(max_examples=30, deadline=None)
@given(st.text(min_size=2000, max_size=5000))
def test_long_strings(text: str) -> None:
    check(text)


@settings(max_examples=50, deadline=None)
@given(storyish)
def test_deterministic(text: str) -> None:
    assert score(text, RUBRIC).model_dump_json() == score(text, RUBRIC).model_dump_json()
