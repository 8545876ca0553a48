"""Delivery metrics: fillers, hedges, pauses, pace and length — pure functions, no audio needed."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.speech.delivery import (
    ESTIMATE_WPM,
    Word,
    delivery_from_text,
    delivery_from_words,
    delivery_lines,
    join_words,
    length_verdict,
    pace_verdict,
    text_delivery,
)


def timed(text: str, wpm: float = 145, gaps: dict[int, float] | None = None) -> list[Word]:
    """Words of ``text`` spoken evenly at ``wpm``, with extra silence before the word indexes in ``gaps``."""
    step = 60.0 / wpm
    words, t = [], 0.0
    for n, raw in enumerate(text.split()):
        t += (gaps or {}).get(n, 0.0)
        words.append(Word(text=(" " if n else "") + raw, start=round(t, 3), end=round(t + step * 0.8, 3)))
        t += step
    return words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Um, we rolled back, uh, quickly. Erm, then it was fine.", {"um": 1, "uh": 1, "erm": 1}),
        ("It was, like, forty percent errors.", {"like": 1}),
        ("Like, we paged the team.", {"like": 1}),
        ("um like the cache was cold", {"um": 1, "like": 1}),
        ("The queue, you know, backed up.", {"you know": 1}),
        ("I mean, the rollback took ten minutes.", {"I mean": 1}),
        ("Basically we restarted it and actually it worked, so yeah.", {"basically": 1, "actually": 1, "so yeah": 1}),
    ],
)
def test_fillers_are_found(text: str, expected: dict[str, int]) -> None:
    d = text_delivery(text)
    assert d.fillers == expected
    assert d.filler_count == sum(expected.values())


@pytest.mark.parametrize(
    "text",
    [
        "It looked like a memory leak.",            # like as a preposition
        "Latency was like 40% higher.",             # 'about', not set off
        "Tools like Grafana and Prometheus helped.",
        "I would like to explain the rollback.",    # the verb
        "Do you know what a canary is?",            # you know as a verb
        "If you know the system, you can fix it.",
        "I mean it when I say we own it.",          # I mean as a verb
        "What I mean is that the SLO was breached.",
    ],
)
def test_words_that_only_look_like_fillers_are_not_counted(text: str) -> None:
    assert text_delivery(text).fillers == {}


def test_hedges_are_counted_but_noun_phrases_are_not() -> None:
    d = text_delivery(
        "I think the cache was kind of stale. Maybe the jobs sort of raced, probably. "
        "I guess I believe it. What kind of alert was it? A different sort of problem. I think about it."
    )
    assert d.hedges == {"I think": 1, "kind of": 1, "maybe": 1, "sort of": 1, "probably": 1, "I guess": 1, "I believe": 1}
    assert d.hedge_count == 7


def test_occurrences_point_at_the_phrase_in_the_transcript() -> None:
    text = "So, um, the p99 was, like, 800 ms, you know, and I think we, uh, rolled back."
    d = text_delivery(text)
    for occ in d.filler_occurrences + d.hedge_occurrences:
        assert text[occ.start : occ.end].lower() == occ.phrase.lower()
    assert [o.phrase for o in d.filler_occurrences] == ["um", "like", "you know", "uh"]


def test_timed_words_give_pace_pauses_and_filler_times() -> None:
    text = "Um we paged the on-call and then rolled the canary back within ten minutes"
    words = timed(text, wpm=120, gaps={5: 2.5})  # 2.5 s of silence before "and"
    d = delivery_from_words(words)
    joined, _ = join_words(words)
    assert joined == text
    assert d.timing == "measured"
    assert d.pace == "slow"  # 120 wpm of speech plus a 2.5 s pause
    assert d.words_per_minute is not None and 80 < d.words_per_minute < 100  # 14 words over 9.4 s
    assert d.pauses is not None and len(d.pauses) == 1
    pause = d.pauses[0]
    assert pause.after == "on-call" and pause.duration_s == pytest.approx(2.5 + 0.5 * 0.2, abs=0.05)
    assert joined[: pause.offset].endswith("on-call")
    assert d.filler_occurrences[0].phrase == "um" and d.filler_occurrences[0].time_s == 0.0
    assert d.fillers_per_minute is not None and d.fillers_per_minute > 0


def test_filler_time_is_that_of_its_word() -> None:
    words = timed("we restarted it and um the errors stopped", wpm=150)
    d = delivery_from_words(words)
    assert d.filler_occurrences[0].time_s == words[4].start


def test_short_pauses_are_not_reported() -> None:
    d = delivery_from_words(timed("we rolled back the canary", gaps={2: 1.5}))
    assert d.pauses == []


@pytest.mark.parametrize(("wpm", "verdict"), [(100, "slow"), (129.9, "slow"), (130, "within"), (160, "within"), (175, "fast")])
def test_pace_verdict(wpm: float, verdict: str) -> None:
    assert pace_verdict(wpm) == verdict


@pytest.mark.parametrize(("seconds", "verdict"), [(30, "short"), (90, "within"), (150, "within"), (180, "within"), (240, "long")])
def test_length_verdict(seconds: float, verdict: str) -> None:
    assert length_verdict(seconds) == verdict


def test_pasted_text_gets_an_estimate_labelled_as_such() -> None:
    text = " ".join(["word"] * 290)  # 290 words at 145 wpm: two minutes
    d = text_delivery(text)
    assert d.timing == "estimated"
    assert d.speaking_s == pytest.approx(120.0)
    assert d.words_per_minute is None and d.pace is None and d.pauses is None
    assert d.length == "within"
    lines = delivery_lines(d)
    assert "estimate" in lines[0] and str(ESTIMATE_WPM) in lines[0]
    assert not any(line.startswith(("Pace", "Pauses")) for line in lines)


def test_text_with_the_recording_length_measures_pace_over_the_recording() -> None:
    d = delivery_from_text(" ".join(["word"] * 150), duration_s=60.0)
    assert d.timing == "recording" and d.words_per_minute == 150.0 and d.pace == "within" and d.pauses is None


def test_summary_states_observations_not_judgements() -> None:
    fast = "\n".join(delivery_lines(delivery_from_words(timed("um so I think we uh rolled it back you know", wpm=190))))
    paused = "\n".join(delivery_lines(delivery_from_words(timed("we uh rolled it back", gaps={2: 3.0}))))
    assert "faster than the usual 130-160" in fast and 'Pauses over 2 s: 1 — 3.1 s at 0:01 after "uh"' in paused
    text = (fast + paused).lower()
    for label in ("nervous", "confident", "anxious", "unsure"):
        assert label not in text


def test_empty_text_is_handled() -> None:
    d = text_delivery("")
    assert d.word_count == 0 and d.filler_count == 0 and d.fillers_per_minute is None


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["um", "like,", "you", "know", "I", "mean,", "kind", "of", "the", "p99", "so", "yeah.",
                                 "Maybe", "uh", "rolled", "back", ",", "what"]), max_size=40))
def test_occurrences_are_always_valid_spans(tokens: list[str]) -> None:
    text = " ".join(tokens)
    d = text_delivery(text)
    assert d.filler_count == sum(d.fillers.values()) == len(d.filler_occurrences)
    assert d.hedge_count == sum(d.hedges.values()) == len(d.hedge_occurrences)
    for occ in d.filler_occurrences + d.hedge_occurrences:
        said = re.sub(r"\W+", " ", text[occ.start : occ.end]).strip().lower()
        assert said == occ.phrase.lower()
    filler_spans = sorted((o.start, o.end) for o in d.filler_occurrences)
    assert all(a[1] <= b[0] for a, b in zip(filler_spans, filler_spans[1:]))


def test_a_silence_from_the_audio_beats_stretched_word_timestamps() -> None:
    # What the model gives for "we rolled back the canary [3 s silence] and it recovered": "and"
    # starts inside the silence and runs across it, so no word gap is over 2 s.
    words = [Word(text=t, start=s, end=e) for t, s, e in [
        ("We", 0.0, 0.3), (" rolled", 0.3, 0.6), (" back", 0.6, 0.9), (" the", 0.9, 1.1), (" canary,", 1.1, 2.5),
        (" and", 2.5, 5.0), (" it", 5.0, 5.2), (" recovered.", 5.2, 5.8)]]
    assert delivery_from_words(words).pauses == []
    d = delivery_from_words(words, silences=[(1.6, 4.8), (5.3, 5.5)])  # the second is too short to report
    assert d.pauses is not None and len(d.pauses) == 1
    pause = d.pauses[0]
    assert (pause.start_s, pause.end_s, pause.duration_s, pause.after) == (1.6, 4.8, 3.2, "canary,")
    assert "We rolled back the canary,"[: pause.offset] == "We rolled back the canary,"


def test_silences_before_the_first_or_after_the_last_word_are_not_pauses() -> None:
    words = timed("we rolled back the canary")
    assert delivery_from_words(words, silences=[(-3.0, -0.5), (5.0, 9.0)]).pauses == []
