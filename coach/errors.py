"""The coach exception tree, documented in one place.

CoachError
├── UsageError            bad usage or configuration            → exit 2
│   └── RubricError       a rubric file is missing or malformed → exit 2
├── InputError            the input could not be scored         → exit 1
├── HistoryError          the practice history cannot be used   → exit 1 (scoring goes on)
│   ├── HistoryDamaged    the history file is not a sound SQLite database (moved aside)
│   ├── HistoryBusy       another program holds the history file's lock
│   └── AttemptNotFound   no saved attempt with that id
└── LLMError              the model could not answer (never fatal: offline fallback)
    ├── LLMUnavailable    connection refused, DNS, 5xx
    ├── LLMTimeout        the call or the total deadline timed out
    ├── LLMRateLimited    429, carries retry_after seconds when the server said
    ├── LLMAuthError      bad or missing key: never retried
    ├── LLMBadRequest     the request itself was rejected: never retried
    └── LLMBadReply       the reply was not the JSON we asked for
Third-party exceptions are translated at one choke point each (LiteLLM's in coach.interviewer.llm), with
``raise … from exc`` so the cause is kept.

An LLMError's message is written for the user's notice: what happened, in plain words, and how many
attempts were made ("the model timed out 3 times"). It never quotes the provider's own message,
which can echo part of an API key.
"""

from __future__ import annotations


class CoachError(Exception):
    """Base of every error coach raises on purpose. ``str(err)`` is one line a user can act on."""

    exit_code = 1


class UsageError(CoachError):
    exit_code = 2


class RubricError(UsageError):
    """A rubric could not be found or is malformed; the message names the file, field and problem."""

    def __init__(self, source: str, problem: str, field: str | None = None) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        where = f"{source}: {field}: " if field else f"{source}: "
        super().__init__(f"{where}{problem}")


class InputError(CoachError):
    exit_code = 1


class HistoryError(CoachError):
    """The practice history (coach.history) cannot be read or written; the message names the file."""

    exit_code = 1


class HistoryDamaged(HistoryError):
    """The file is not a sound SQLite database. ``aside`` is where it was moved (never overwritten)."""

    def __init__(self, message: str, aside: str | None = None) -> None:
        self.aside = aside
        super().__init__(message)


class HistoryBusy(HistoryError):
    pass


class AttemptNotFound(HistoryError):
    pass


class LLMError(CoachError):
    """The model could not give a usable answer. Callers fall back to offline follow-ups.

    ``attempts`` is how many calls were made; ``detail`` a short safe hint (an HTTP status, what to
    fix). With no explicit message, ``str(err)`` is built from them: "the model timed out 3 times".
    """

    exit_code = 1
    #: Plain words for the user's notice, e.g. "the model timed out".
    reason = "the model failed"

    def __init__(self, message: str | None = None, *, attempts: int = 1, detail: str | None = None) -> None:
        self.attempts = attempts
        self.detail = detail
        #: Seconds from the first call to giving up, when the caller measured it.
        self.elapsed_s: float | None = None
        super().__init__(message or self.describe())

    def took(self, seconds: float) -> LLMError:
        """Say how long the model had before we gave up ("the model timed out after 30.0 s")."""
        if seconds >= 1.0 and self.elapsed_s is None and self.args:  # under a second is "at once"
            self.args = (f"{self.args[0]} after {seconds:.1f} s",)
        self.elapsed_s = seconds
        return self

    def describe(self) -> str:
        times = "" if self.attempts <= 1 else (" twice" if self.attempts == 2 else f" {self.attempts} times")
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.reason}{times}{detail}"


class LLMUnavailable(LLMError):
    reason = "the model could not be reached"


class LLMTimeout(LLMError):
    reason = "the model timed out"


class LLMRateLimited(LLMError):
    reason = "the model was rate-limited"

    def __init__(
        self,
        message: str | None = None,
        retry_after: float | None = None,
        *,
        attempts: int = 1,
        detail: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, attempts=attempts, detail=detail)


class LLMAuthError(LLMError):
    reason = "the model rejected the credentials"


class LLMBadRequest(LLMError):
    reason = "the model rejected the request"


class LLMBadReply(LLMError):
    reason = "the model's reply was not valid"
