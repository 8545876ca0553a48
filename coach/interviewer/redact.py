"""Hide personal details from a story before it leaves this machine.

Two layers: the user's own terms (employer, customer, colleague names from ``--redact`` /
``COACH_REDACT``), always hidden when given; and patterns for e-mail addresses, URLs and phone
numbers, hidden whenever the model is not local. Placeholders say what was hidden ("[email]") so the
model can still ask about it sensibly. Only the copy sent to the model is changed: scores and
evidence offsets always refer to the original story.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL = "[email]"
URL = "[url]"
PHONE = "[phone]"
TERM = "[redacted]"

_EMAIL_RE = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL_RE = re.compile(r"\b(?:https?://|ftp://|www\.)[^\s<>\"']+", re.IGNORECASE)
# Phone-shaped runs only: an international "+" prefix, a North-American 3-3-4 grouping, or a
# trunk "0" prefix with groups. Metrics ("-30%", "2.5 s", "1,500,000", "v2.3.1") do not match.
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){1,5}"
    r"|\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}"
    r"|\b0\d{1,4}[\s.-]\d{2,4}(?:[\s.-]\d{2,4}){1,3}"
    r")(?![\w%])"
)
_DATE_RE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_TRAILING_PUNCT = ".,;:!?)]}"


def redact(text: str, terms: Iterable[str] = (), *, patterns: bool = True) -> str:
    """``text`` with the user's ``terms`` (and, with ``patterns``, e-mails, URLs, phones) replaced."""
    if patterns:
        text = _EMAIL_RE.sub(EMAIL, text)
        text = _URL_RE.sub(_url_placeholder, text)
        text = _PHONE_RE.sub(_phone_placeholder, text)
    return redact_terms(text, terms)


def redact_terms(text: str, terms: Iterable[str]) -> str:
    """Whole-word, case-insensitive replacement of each term; longer terms first ("Acme Bank" before "Acme")."""
    cleaned = sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True)
    if not cleaned:
        return text
    alternatives = "|".join(re.escape(t) for t in cleaned)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE).sub(TERM, text)


def _url_placeholder(match: re.Match[str]) -> str:
    url = match.group(0)
    kept = url.rstrip(_TRAILING_PUNCT)  # "see https://x.y/z." keeps the sentence's full stop
    return URL + url[len(kept):]


def _phone_placeholder(match: re.Match[str]) -> str:
    candidate = match.group(0)
    digits = sum(ch.isdigit() for ch in candidate)
    if not 7 <= digits <= 15 or _DATE_RE.match(candidate):
        return candidate
    return PHONE
