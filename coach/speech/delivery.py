"""How an answer was delivered: pace, fillers, hedges, pauses, length. Pure functions, no I/O.

Observable behaviour only — counts, rates, times and where they happen. Nothing here labels the
speaker ("nervous", "confident"): a coach can say "12 fillers, 4 a minute", not what it means.

Three entry points, by what we know about the speech:

* :func:`delivery_from_words` — words with start/end seconds (the local speech model): pace and
  length measured from the first word to the last, pauses between words measured.
* :func:`delivery_from_text` with ``duration_s`` — text plus the recording's length (a hosted
  transcription that returns no word timestamps): pace over the whole recording, no pauses.
* :func:`text_delivery` — a pasted transcript: fillers and hedges counted, speaking time
  *estimated* at 145 words a minute and labelled as an estimate; no pace, no pauses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from coach.textfmt import clock

#: The usual conversational pace range for an interview answer, words per minute.
PACE_RANGE_WPM = (130, 160)
#: Target length of a spoken STAR answer, seconds (1.5-3 minutes).
LENGTH_TARGET_S = (90.0, 180.0)
#: A silence between two words longer than this is reported as a pause.
PAUSE_THRESHOLD_S = 2.0
#: Used only to *estimate* speaking time for pasted text; always labelled as an estimate.
ESTIMATE_WPM = 145

Timing = Literal["measured", "recording", "estimated"]
Verdict = Literal["slow", "within", "fast"]
LengthVerdict = Literal["short", "within", "long"]


class Word(BaseModel):
    """One recognised word with its start and end in seconds from the start of the recording."""

    text: str
    start: float
    end: float


class Occurrence(BaseModel):
    """Where a filler or hedge was said: ``transcript[start:end]`` is the phrase as spoken."""

    phrase: str
    start: int
    end: int
    time_s: float | None = None


class Pause(BaseModel):
    """A silence over the threshold between two words. ``offset``: where it falls in the transcript."""

    start_s: float
    end_s: float
    duration_s: float
    offset: int
    after: str


class Delivery(BaseModel):
    #: measured: from word timestamps; recording: the recording's length (no timestamps);
    #: estimated: from the word count at ESTIMATE_WPM (pasted text).
    timing: Timing
    word_count: int
    speaking_s: float = Field(description="first word to last word; the recording's length; or the estimate")
    words_per_minute: float | None = None
    pace: Verdict | None = None
    pace_range_wpm: tuple[int, int] = PACE_RANGE_WPM
    length: LengthVerdict
    length_target_s: tuple[float, float] = LENGTH_TARGET_S
    fillers: dict[str, int] = Field(default_factory=dict)
    filler_count: int = 0
    fillers_per_minute: float | None = None
    filler_occurrences: list[Occurrence] = Field(default_factory=list)
    hedges: dict[str, int] = Field(default_factory=dict)
    hedge_count: int = 0
    hedge_occurrences: list[Occurrence] = Field(default_factory=list)
    #: None when pauses could not be measured (no word timestamps).
    pauses: list[Pause] | None = None


# --- tokens -------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*(?:[.,-][A-Za-z0-9]+)*%?")


class _Token:
    __slots__ = ("norm", "start", "end")

    def __init__(self, norm: str, start: int, end: int) -> None:
        self.norm = norm
        self.start = start
        self.end = end


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.group().lower().replace("’", "'"), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def count_words(text: str) -> int:
    return len(_tokens(text))


# --- fillers and hedges ---------------------------------------------------------------------------

#: Sounds that are always fillers; spelling variants fold onto one key.
_SOUNDS = {
    "um": "um", "umm": "um", "ummm": "um", "hmm": "um", "mm": "um",
    "uh": "uh", "uhh": "uh", "uhm": "uh",
    "erm": "erm", "er": "erm", "err": "erm",
}
#: Words that are fillers wherever they stand (counted as the filler habit they usually are).
_FILLER_WORDS = ("basically", "actually", "literally")

#: "you know" is not a filler when it is the verb: "do you know", "if you know the system".
_YOU_KNOW_NOT_AFTER = {"do", "did", "does", "don't", "didn't", "if", "would", "will", "as", "what", "how",
                       "whether", "that", "when", "could", "can", "should", "because"}
_YOU_KNOW_NOT_BEFORE = {"what", "how", "why", "where", "when", "who", "that", "the", "it", "him", "her",
                        "them", "about", "this", "if", "whether", "a", "an", "my", "our", "your", "their"}
#: "I mean" is the verb before an object: "I mean it", "what I mean is".
_I_MEAN_NOT_BEFORE = {"it", "that", "this", "to", "what", "by", "them", "him", "her", "you", "is", "well", "the", "a"}
_I_MEAN_NOT_AFTER = {"what", "which", "that"}

#: Hedges; "kind of"/"sort of" only when not a noun phrase ("what kind of failure", "a sort of cache").
_HEDGE_PHRASES = ("i think", "kind of", "sort of", "maybe", "i guess", "probably", "i believe")
_DETERMINERS = {"what", "which", "this", "that", "the", "a", "an", "any", "some", "every", "one", "same",
                "another", "these", "those", "that's", "what's", "each", "no", "right", "wrong", "different"}
_I_THINK_NOT_BEFORE = {"about", "of"}
_I_BELIEVE_NOT_BEFORE = {"in"}


def _find_phrases(
    text: str, toks: list[_Token], phrase: str, used: set[int]
) -> list[tuple[int, int]]:
    """Token index ranges [i, j) where the words of ``phrase`` occur, skipping tokens already used."""
    words = phrase.split()
    hits = []
    for i in range(len(toks) - len(words) + 1):
        if any(i + k in used for k in range(len(words))):
            continue
        if all(toks[i + k].norm == w for k, w in enumerate(words)):
            hits.append((i, i + len(words)))
    return hits


def _next_norm(toks: list[_Token], j: int) -> str:
    return toks[j].norm if j < len(toks) else ""


def _prev_norm(toks: list[_Token], i: int) -> str:
    return toks[i - 1].norm if i > 0 else ""


def _gap(text: str, toks: list[_Token], i: int) -> str:
    """The characters between token i-1 and token i (start of text for i == 0)."""
    start = toks[i - 1].end if i > 0 else 0
    return text[start : toks[i].start] if i < len(toks) else text[toks[-1].end :] if toks else ""


def _set_off(text: str, toks: list[_Token], i: int) -> bool:
    """Token i stands alone as an aside: a clause boundary (or the start) before it, a comma after it."""
    before = _gap(text, toks, i)
    after = _gap(text, toks, i + 1)
    boundary_before = i == 0 or any(ch in before for ch in ",.;:!?—–(")
    return boundary_before and ("," in after or "—" in after)


def _is_filler_like(text: str, toks: list[_Token], i: int) -> bool:
    """'like' as a filler, conservatively: only set off by punctuation (", like,"), or next to another
    filler sound ("um like", "like uh"), or doubled ("like like"). Everything else — "it looked like a
    leak", "like 40%", "tools like Grafana" — is left alone: a missed filler costs less than a false one."""
    if _set_off(text, toks, i):
        return True
    neighbours = (_prev_norm(toks, i), _next_norm(toks, i + 1))
    return any(n in _SOUNDS for n in neighbours) or "like" == neighbours[1]


def _fillers(text: str, toks: list[_Token]) -> list[tuple[str, int, int]]:
    """(canonical filler, first token, end token) in transcript order."""
    used: set[int] = set()
    found: list[tuple[str, int, int]] = []

    def take(name: str, i: int, j: int) -> None:
        used.update(range(i, j))
        found.append((name, i, j))

    for i, j in _find_phrases(text, toks, "so yeah", used):
        take("so yeah", i, j)
    for i, j in _find_phrases(text, toks, "you know", used):
        if _prev_norm(toks, i) not in _YOU_KNOW_NOT_AFTER and (
            _next_norm(toks, j) not in _YOU_KNOW_NOT_BEFORE or "," in _gap(text, toks, j)
        ):
            take("you know", i, j)
    for i, j in _find_phrases(text, toks, "i mean", used):
        comma_after = "," in _gap(text, toks, j)
        if _prev_norm(toks, i) not in _I_MEAN_NOT_AFTER and (comma_after or _next_norm(toks, j) not in _I_MEAN_NOT_BEFORE):
            take("I mean", i, j)
    for i, tok in enumerate(toks):
        if i in used:
            continue
        if tok.norm in _SOUNDS:
            take(_SOUNDS[tok.norm], i, i + 1)
        elif tok.norm in _FILLER_WORDS:
            take(tok.norm, i, i + 1)
        elif tok.norm == "like" and _is_filler_like(text, toks, i):
            take("like", i, i + 1)
    return sorted(found, key=lambda f: f[1])


def _hedges(text: str, toks: list[_Token]) -> list[tuple[str, int, int]]:
    used: set[int] = set()
    found: list[tuple[str, int, int]] = []
    for phrase in _HEDGE_PHRASES:
        for i, j in _find_phrases(text, toks, phrase, used):
            before, after = _prev_norm(toks, i), _next_norm(toks, j)
            if phrase in ("kind of", "sort of") and before in _DETERMINERS:
                continue
            if phrase == "i think" and after in _I_THINK_NOT_BEFORE:
                continue
            if phrase == "i believe" and after in _I_BELIEVE_NOT_BEFORE:
                continue
            used.update(range(i, j))
            found.append(("I " + phrase[2:] if phrase.startswith("i ") else phrase, i, j))
    return sorted(found, key=lambda f: f[1])


def _occurrences(
    text: str, toks: list[_Token], hits: list[tuple[str, int, int]], times: Sequence[float | None] | None
) -> tuple[dict[str, int], list[Occurrence]]:
    counts: dict[str, int] = {}
    occurrences = []
    for name, i, j in hits:
        counts[name] = counts.get(name, 0) + 1
        time_s = times[i] if times is not None else None
        occurrences.append(Occurrence(phrase=name, start=toks[i].start, end=toks[j - 1].end, time_s=time_s))
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))), occurrences


# --- verdicts -----------------------------------------------------------------------------------

def pace_verdict(wpm: float) -> Verdict:
    low, high = PACE_RANGE_WPM
    return "slow" if wpm < low else "fast" if wpm > high else "within"


def length_verdict(seconds: float) -> LengthVerdict:
    low, high = LENGTH_TARGET_S
    return "short" if seconds < low else "long" if seconds > high else "within"


def _per_minute(count: int, seconds: float) -> float | None:
    return round(count / (seconds / 60.0), 1) if seconds > 0 else None


# --- entry points -------------------------------------------------------------------------------

def join_words(words: Sequence[Word]) -> tuple[str, list[int]]:
    """The transcript text from recognised words, and each word's character offset in it.

    Speech-model words carry their own leading space (" was", but "-call" glued to "on"), so
    concatenating them reproduces the model's own text; the first word's space is dropped."""
    parts: list[str] = []
    offsets: list[int] = []
    length = 0
    for n, word in enumerate(words):
        piece = word.text.lstrip() if n == 0 else word.text
        offsets.append(length + len(piece) - len(piece.lstrip()))
        parts.append(piece)
        length += len(piece)
    return "".join(parts), offsets


def delivery_from_words(
    words: Sequence[Word], text: str | None = None, silences: Sequence[tuple[float, float]] = ()
) -> Delivery:
    """Metrics from timed words. ``text`` defaults to the words joined (see :func:`join_words`);
    pass it only if it is exactly that text, since character offsets point into it.

    ``silences`` are (start_s, end_s) stretches where the recording itself has no voice. Speech
    models stretch a word next to a silence over much of it ("canary." lasting 2.7 s), so the gaps
    between word timestamps understate pauses and can misplace them; a silence from the audio is
    trusted first, placed after the last word that started before it. Word gaps over the threshold
    that no silence explains are reported too."""
    joined, offsets = join_words(words)
    text = joined if text is None else text
    toks = _tokens(text)
    # Time of each token: the word whose character span contains the token's start.
    times: list[float | None] = []
    w = 0
    for tok in toks:
        while w + 1 < len(words) and offsets[w + 1] <= tok.start:
            w += 1
        times.append(round(words[w].start, 2) if words else None)
    speaking_s = max(0.0, words[-1].end - words[0].start) if words else 0.0

    def pause(start: float, end: float, n: int) -> Pause:
        said = words[n].text.strip()
        return Pause(start_s=round(start, 2), end_s=round(end, 2), duration_s=round(end - start, 2),
                     offset=offsets[n] + len(said), after=said)

    pauses = []
    for s_start, s_end in silences:
        before = [n for n, word in enumerate(words) if word.start < s_start]
        if s_end - s_start > PAUSE_THRESHOLD_S and before and before[-1] + 1 < len(words):
            pauses.append(pause(s_start, s_end, before[-1]))
    for n in range(1, len(words)):
        start, end = words[n - 1].end, words[n].start
        if end - start > PAUSE_THRESHOLD_S and not any(p.start_s < end and start < p.end_s for p in pauses):
            pauses.append(pause(start, end, n - 1))
    pauses.sort(key=lambda p: p.start_s)
    return _build(text, toks, "measured", speaking_s, times, pauses)


def delivery_from_text(text: str, duration_s: float | None = None) -> Delivery:
    """Metrics from text alone: pace over ``duration_s`` (the recording's length) when given,
    otherwise speaking time estimated at ESTIMATE_WPM (no pace then: it would only echo the estimate)."""
    toks = _tokens(text)
    if duration_s is not None:
        return _build(text, toks, "recording", duration_s, None, None)
    estimate = len(toks) / ESTIMATE_WPM * 60.0
    return _build(text, toks, "estimated", estimate, None, None)


def text_delivery(text: str) -> Delivery:
    """Filler and hedge counts for a pasted transcript, with an *estimated* speaking time."""
    return delivery_from_text(text)


def _build(
    text: str,
    toks: list[_Token],
    timing: Timing,
    speaking_s: float,
    times: Sequence[float | None] | None,
    pauses: list[Pause] | None,
) -> Delivery:
    fillers, filler_occ = _occurrences(text, toks, _fillers(text, toks), times)
    hedges, hedge_occ = _occurrences(text, toks, _hedges(text, toks), times)
    filler_count = len(filler_occ)
    wpm = None
    if timing != "estimated" and speaking_s > 0:
        wpm = round(len(toks) / (speaking_s / 60.0), 1)
    return Delivery(
        timing=timing,
        word_count=len(toks),
        speaking_s=round(speaking_s, 2),
        words_per_minute=wpm,
        pace=pace_verdict(wpm) if wpm is not None else None,
        length=length_verdict(speaking_s),
        fillers=fillers,
        filler_count=filler_count,
        fillers_per_minute=_per_minute(filler_count, speaking_s),
        filler_occurrences=filler_occ,
        hedges=hedges,
        hedge_count=len(hedge_occ),
        hedge_occurrences=hedge_occ,
        pauses=pauses,
    )


# --- plain-language summary (pure: callers print) -------------------------------------------------

def delivery_lines(d: Delivery) -> list[str]:
    """A readable summary of the metrics, one observation a line, for the CLI and the web app."""
    low_s, high_s = d.length_target_s
    target = f"target {clock(low_s)}-{clock(high_s)}"
    length_words = {"short": "shorter than the target", "within": "within the target", "long": "longer than the target"}
    if d.timing == "estimated":
        lines = [
            f"Length: about {clock(d.speaking_s)} if spoken at {ESTIMATE_WPM} words/min (an estimate from "
            f"{d.word_count} words, not a measurement) — {length_words[d.length]} ({target})",
        ]
    else:
        how = "first word to last" if d.timing == "measured" else "the recording's length"
        lines = [f"Length: {clock(d.speaking_s)} ({how}), {d.word_count} words — {length_words[d.length]} ({target})"]
        if d.words_per_minute is not None and d.pace is not None:
            low, high = d.pace_range_wpm
            pace_words = {"slow": "slower than", "within": "within", "fast": "faster than"}[d.pace]
            lines.append(f"Pace: {d.words_per_minute:.0f} words/min — {pace_words} the usual {low}-{high}")
    rate = f", {d.fillers_per_minute:g} a minute" if d.fillers_per_minute is not None else ""
    if d.timing == "estimated" and d.fillers_per_minute is not None:
        rate += " (estimated)"
    if d.filler_count:
        listing = ", ".join(f'"{k}" ×{v}' for k, v in d.fillers.items())
        lines.append(f"Fillers: {d.filler_count}{rate} — {listing}")
    else:
        lines.append("Fillers: none heard")
    if d.hedge_count:
        listing = ", ".join(f'"{k}" ×{v}' for k, v in d.hedges.items())
        lines.append(f"Hedges: {d.hedge_count} — {listing}")
    else:
        lines.append("Hedges: none")
    if d.pauses is not None:
        if d.pauses:
            where = ", ".join(f'{p.duration_s:.1f} s at {clock(p.start_s)} after "{p.after}"' for p in d.pauses)
            lines.append(f"Pauses over {PAUSE_THRESHOLD_S:g} s: {len(d.pauses)} — {where}")
        else:
            lines.append(f"Pauses over {PAUSE_THRESHOLD_S:g} s: none")
    return lines
