"""Explicit headings in a story ("Situation:", "**Lessons learned** —"), from the rubric's heading words.

A heading marks the sentences after it as one component, until the next heading. The words live in
the rubric (each component's ``heading_words``), so a rubric with other components brings its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coach.rubric.loader import Rubric

# An optional "**" or "#" before, then the word, an optional "**", and a colon or dash. Each
# repetition is followed by something it cannot match, so a line of spaces cannot make it backtrack.
_FORM = r"^\s*(?:\*\*|#+\s*)?({words})\s*(?:\*\*\s*)?[:\-–—]"


@dataclass(frozen=True, slots=True)
class Headings:
    pattern: re.Pattern[str] | None
    components: dict[str, str]  # lower-cased heading word → component id

    @classmethod
    def of(cls, rubric: Rubric) -> Headings:
        components = {word.lower(): c.id for c in rubric.components for word in c.heading_words}
        if not components:
            return cls(None, {})
        words = sorted(components, key=lambda w: (-len(w), w))  # the longest heading that fits wins
        alternation = "|".join(re.escape(word) for word in words)
        return cls(re.compile(_FORM.format(words=alternation), re.IGNORECASE), components)

    def end(self, sentence: str) -> int | None:
        """Where the heading the sentence opens with ends (its colon or dash), or None."""
        if self.pattern is None:
            return None
        m = self.pattern.match(sentence)
        return m.end() if m else None

    def component(self, sentence: str) -> str | None:
        """None when the sentence opens with no heading; else the heading's component id ("" when
        the heading's spelling folds to none of the words, e.g. a long s)."""
        if self.pattern is None:
            return None
        m = self.pattern.match(sentence)
        if m is None:
            return None
        return self.components.get(m.group(1).lower(), "")
