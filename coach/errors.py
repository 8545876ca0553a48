"""The coach exception tree, documented in one place.

CoachError
├── UsageError            bad usage or configuration            → exit 2
│   └── RubricError       a rubric file is missing or malformed → exit 2
├── InputError            the input could not be scored         → exit 1
└── LLMError              the model could not answer (never fatal: offline fallback)
    ├── LLMUnavailable    connection refused, DNS, 5xx
    ├── LLMTimeout        the call or the total deadline timed out
    ├── LLMRateLimited    429, carries retry_after seconds when the server said
    ├── LLMAuthError      bad or missing key: never retried
    ├── LLMBadRequest     the request itself was rejected: never retried
    └── LLMBadReply       the reply was not the JSON we asked for
Third-party exceptions are translated at one choke point each (LiteLLM's in coach.llm), with
``raise … from exc`` so the cause is kept.
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


class LLMError(CoachError):
    """The model could not give a usable answer. Callers fall back to offline follow-ups."""

    exit_code = 1
    #: Plain words for the user's notice, e.g. "the model timed out".
    reason = "the model failed"


class LLMUnavailable(LLMError):
    reason = "the model could not be reached"


class LLMTimeout(LLMError):
    reason = "the model timed out"


class LLMRateLimited(LLMError):
    reason = "the model was rate-limited"

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LLMAuthError(LLMError):
    reason = "the model rejected the credentials"


class LLMBadRequest(LLMError):
    reason = "the model rejected the request"


class LLMBadReply(LLMError):
    reason = "the model's reply was not valid"
