"""The LLM interviewer through LiteLLM: the only module that imports litellm, and only inside functions.

One model string reaches every backend LiteLLM knows: ``ollama/llama3.1``, ``ollama_chat/…``,
``openai/<name>`` with an api_base for any OpenAI-compatible server (llama.cpp, vLLM, LM Studio),
or a hosted name (``gpt-4o-mini``, ``anthropic/…``) whose key LiteLLM reads from the provider's own
environment variable. Coach never reads, passes or prints a key.

Reliability, in one place:
- tenacity is the only retry layer: every litellm call passes ``max_retries=0`` and
  ``num_retries=0`` (otherwise the OpenAI client retries twice on its own, unseen).
- Retried: rate limits (after Retry-After, capped), connection errors, timeouts, 5xx. Never retried:
  auth and bad-request errors, nor a timeout of a server on this machine (a one-slot local server is
  still generating the first answer: a retry only queues behind it). Bounded attempts per call and
  one total deadline per question; a fallback notice says how long the model had.
- Bounded generation: the reply's token limit is sized to its JSON Schema (coach.interviewer.reply_schema), and
  the schema itself goes along where the server constrains decoding to it (llama.cpp's server,
  Ollama, models LiteLLM knows take one); elsewhere the prompt asks for the shape.
- Streaming: when a caller listens (coach.interviewer.partial_reply, the web app), the reply is streamed and the text
  so far reported as it comes; and always for an OpenAI-compatible server on this machine
  (``LLMSettings.stream``), because only a streamed request stops generating when we hang up at the
  time limit — otherwise the next question queues behind an answer nobody waits for.
- A 429 closes a rate-limit gate shared by every thread using this instance (batch scoring runs up
  to 16), so all of them wait, not only the one that was told to; optionally shared across processes
  too (batch scoring asks from its worker processes).
- LiteLLM's exceptions become coach's own at one choke point, :func:`translate_error`; messages are
  our own plain words (providers' messages can echo part of a key).
- The story is redacted (coach.interviewer.redact) before it leaves the machine for a non-local model.

Hosted speech-to-text (:func:`transcribe_hosted`, used by coach.speech.transcribe) goes through here too,
so this stays the only module that imports litellm and its errors meet the same choke point.
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import tenacity

from coach.config import LLMSettings
from coach.errors import (
    LLMAuthError,
    LLMBadReply,
    LLMBadRequest,
    LLMError,
    LLMRateLimited,
    LLMTimeout,
    LLMUnavailable,
)
from coach.interviewer.partial_reply import Listener, current_listener
from coach.interviewer.prompts import Message, feedback_messages, interviewer_messages, repair_message
from coach.interviewer.redact import redact
from coach.interviewer.replies import BadReply, parse_reply
from coach.interviewer.reply_schema import reply_max_tokens, response_format
from coach.models import Assessment
from coach.rubric.loader import Rubric
from coach.service import InterviewerReply
from coach.startup import apply_env_defaults

log = logging.getLogger(__name__)

#: Model calls per request (the first try included) before giving up.
MAX_ATTEMPTS = 3
#: The longest Retry-After we honour; a server asking for more is treated as this.
MAX_RETRY_AFTER_S = 30.0
#: Wait after a 429 that did not say how long.
DEFAULT_RETRY_AFTER_S = 2.0
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 8.0
#: A call with less time than this left before the deadline is not worth starting.
MIN_CALL_S = 0.05
#: Coaching prose: ~180 words asked for, with room to finish the sentence.
FEEDBACK_MAX_TOKENS = 400
_RETRYABLE = (LLMUnavailable, LLMTimeout, LLMRateLimited)
_MISSING_KEY_RE = re.compile(r"missing credentials|api[_ ]key (?:must be set|is not set|not found)|no api key", re.IGNORECASE)
_KEY_VARIABLES = "OPENAI_API_KEY, ANTHROPIC_API_KEY, …"
#: Sent to an OpenAI-compatible server (openai/<name> + api_base) when OPENAI_API_KEY is unset: the
#: OpenAI client refuses to start without a key, and keyless llama.cpp / vLLM / LM Studio ignore it.
LOCAL_PLACEHOLDER_KEY = "no-key-needed"
#: Coach never reads LiteLLM's cost figures. Zero per-token prices (LiteLLM's own per-call custom
#: pricing) spare it part of the price look-up it runs after every call, which for an unmapped local
#: model walks its generalisation rules. Nothing is sent to the server.
NO_COST_TRACKING: dict[str, float] = {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0}


def load_litellm() -> ModuleType:
    """Import litellm on first use (~10 s), quietly: no price-list download, no debug banners."""
    apply_env_defaults()  # a no-op when the entry point did it already
    import litellm

    litellm.suppress_debug_info = True
    return litellm


# --- the one choke point for third-party errors -------------------------------------------------


def translate_error(exc: BaseException) -> LLMError:
    """Map a LiteLLM / openai-client / httpx exception onto coach's error tree.

    Callers ``raise translate_error(e) from e``. The message is ours (kind of failure + HTTP status),
    never the provider's text. ``litellm.transcription`` can surface the openai client's own
    exceptions (not LiteLLM's subclasses of them), so those are matched too.
    """
    if isinstance(exc, LLMError):
        return exc
    import httpx

    litellm = load_litellm()
    import openai  # already imported by litellm

    status = _status_of(exc)
    http = f"HTTP {status}" if status is not None else None
    if isinstance(exc, (litellm.Timeout, openai.APITimeoutError, httpx.TimeoutException, TimeoutError)) or status == 408:
        return LLMTimeout()
    if isinstance(exc, (litellm.RateLimitError, openai.RateLimitError)) or status == 429:
        return LLMRateLimited(retry_after=_retry_after(exc), detail="HTTP 429")
    if _MISSING_KEY_RE.search(str(exc)[:300]):
        return LLMAuthError(detail=f"no API key found: set the provider's key variable ({_KEY_VARIABLES})")
    auth_errors = (litellm.AuthenticationError, litellm.PermissionDeniedError, openai.AuthenticationError, openai.PermissionDeniedError)
    if isinstance(exc, auth_errors) or status in (401, 403):
        return LLMAuthError(detail=f"{http or 'HTTP 401'}: check the provider's API key variable")
    if isinstance(exc, (litellm.NotFoundError, openai.NotFoundError)) or status == 404:
        return LLMBadRequest(detail="HTTP 404: check the model name and --api-base")
    if isinstance(exc, (litellm.BadRequestError, litellm.UnprocessableEntityError)):
        return LLMBadRequest(detail=http)
    if isinstance(exc, (litellm.APIConnectionError, openai.APIConnectionError)) or _looks_like_connection_failure(exc):
        return LLMUnavailable(detail="connection failed")
    if isinstance(exc, (litellm.InternalServerError, litellm.ServiceUnavailableError, litellm.BadGatewayError)):
        return LLMUnavailable(detail=http)
    if isinstance(status, int) and 400 <= status < 500:
        return LLMBadRequest(detail=http)
    if isinstance(exc, (httpx.HTTPError, ConnectionError, OSError)):
        return LLMUnavailable(detail="connection failed")
    return LLMUnavailable(detail=http or f"unexpected {type(exc).__name__}")


def _status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def _looks_like_connection_failure(exc: BaseException) -> bool:
    # On the openai path a refused connection surfaces as InternalServerError("Connection error.").
    import httpx

    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            break
        # "Connection" in the name: openai 3.x sends through its own httpx fork, whose errors are not httpx's.
        if isinstance(seen, (httpx.ConnectError, ConnectionError)) or "Connect" in type(seen).__name__:
            return True
        seen = seen.__cause__ or seen.__context__
    return "connection error" in str(exc).lower()[:200]


def _retry_after(exc: BaseException) -> float | None:
    """Seconds from Retry-After / retry-after-ms (LiteLLM keeps headers on every path), if given."""
    headers: Any = getattr(exc, "litellm_response_headers", None)
    if not headers:
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
    if not headers:
        return None
    try:
        millis = headers.get("retry-after-ms")
        if millis is not None:
            return max(0.0, float(millis) / 1000)
        raw = headers.get("retry-after")
    except (AttributeError, ValueError):
        return None
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(str(raw))
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# --- the interviewer ------------------------------------------------------------------------------


class SharedClock(Protocol):
    """A ``multiprocessing.Value('d')``: a float in shared memory with its own lock."""

    value: float

    def get_lock(self) -> Any: ...


class _RateLimitGate:
    """When a 429 says "retry after N s", every thread of this instance waits until then.

    With ``shared`` (a ``multiprocessing.Value('d')`` made by the parent of a process pool), every
    process holding it waits too: batch scoring asks from several worker processes. The value is a
    ``time.monotonic()`` reading, which on Linux is CLOCK_MONOTONIC, one clock for the whole machine,
    so readings taken in different processes compare. (Only with the default clock.)
    """

    def __init__(self, clock: Callable[[], float], sleep: Callable[[float], None], shared: SharedClock | None = None) -> None:
        self._clock = clock
        self._sleep = sleep
        self._shared = shared
        self._lock: Any = shared.get_lock() if shared is not None else threading.Lock()
        self._local_opens_at = 0.0

    @property
    def _opens_at(self) -> float:
        return self._shared.value if self._shared is not None else self._local_opens_at

    @_opens_at.setter
    def _opens_at(self, value: float) -> None:
        if self._shared is not None:
            self._shared.value = value
        else:
            self._local_opens_at = value

    def close_for(self, seconds: float) -> None:
        with self._lock:
            self._opens_at = max(self._opens_at, self._clock() + seconds)

    def wait_turn(self, deadline: float) -> None:
        with self._lock:
            opens_at = self._opens_at
        delay = opens_at - self._clock()
        if delay <= 0:
            return
        if opens_at > deadline - MIN_CALL_S:
            raise _Final(LLMRateLimited(retry_after=delay, detail="asked to wait past the time limit"))
        log.info("rate-limited: waiting %.1f s before the next model call", delay)
        self._sleep(delay)


class _StopAt(tenacity.stop.stop_base):
    """Stop retrying once the clock reaches ``at`` (the total deadline, less the time a call needs)."""

    def __init__(self, at: float, clock: Callable[[], float]) -> None:
        self._at = at
        self._clock = clock

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return self._clock() >= self._at


class _Final(Exception):
    """Wraps an LLMError that must not be retried (the deadline or the gate says stop)."""

    def __init__(self, error: LLMError) -> None:
        super().__init__(str(error))
        self.error = error


class LiteLLMInterviewer:
    """Asks grounded follow-up questions through LiteLLM; thread-safe; no network until asked."""

    def __init__(
        self,
        settings: LLMSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_attempts: int = MAX_ATTEMPTS,
        shared_gate: SharedClock | None = None,
    ) -> None:
        """``shared_gate``: a ``multiprocessing.Value('d')`` shared with other processes' interviewers,
        so a rate limit seen by one makes all of them wait (see :class:`_RateLimitGate`)."""
        self.settings = settings
        self.name = settings.model
        self._sleep = sleep
        self._clock = clock
        self._max_attempts = max(1, max_attempts)
        self._gate = _RateLimitGate(clock, sleep, shared_gate)
        #: Set once a server rejected the reply's schema (HTTP 400/422): plain prompting from then on.
        self._schema_refused = False

    # The Interviewer protocol -----------------------------------------------------------------

    def ask(self, *, story: str, question: str, assessment: Assessment, rubric: Rubric) -> InterviewerReply:
        """Follow-ups grounded in the assessment; one repair round for a malformed reply; LLMError otherwise."""
        start = self._clock()
        try:
            return self._ask(story=story, question=question, assessment=assessment, rubric=rubric, deadline=start + self.settings.deadline_s)
        except LLMError as exc:
            raise exc.took(self._clock() - start)

    def _ask(self, *, story: str, question: str, assessment: Assessment, rubric: Rubric, deadline: float) -> InterviewerReply:
        messages = interviewer_messages(story=story, question=question, assessment=assessment, rubric=rubric)
        options = self._reply_options(rubric)
        try:
            text = self._complete(messages, deadline, **options)
        except LLMBadRequest as exc:
            if "response_format" not in options or not _rejected_schema(exc):
                raise
            log.info("the server refused the reply's JSON Schema (%s); asking without it from now on", exc.detail)
            self._schema_refused = True
            options.pop("response_format")
            text = self._complete(messages, deadline, **options)
        try:
            return parse_reply(text, rubric)
        except BadReply as problem:
            log.info("the model's reply was not valid (%s); asking once to repair it", problem)
            messages = [*messages, {"role": "assistant", "content": text[:4000]}, repair_message(str(problem), rubric)]
        text = self._complete(messages, deadline, **options)
        try:
            return parse_reply(text, rubric)
        except BadReply as exc:
            raise LLMBadReply(attempts=2, detail=str(exc)) from exc

    def _reply_options(self, rubric: Rubric) -> dict[str, Any]:
        """The reply's token budget, and its JSON Schema where the server constrains decoding to it."""
        options: dict[str, Any] = {"max_tokens": reply_max_tokens()}
        if self._schema_refused:
            return options
        model = self.settings.model
        if model.startswith("openai/") and self.settings.api_base:
            options["response_format"] = response_format(rubric, openai_compatible_server=True)
        elif model.startswith(("ollama/", "ollama_chat/")) or _knows_schemas(model):
            options["response_format"] = response_format(rubric, openai_compatible_server=False)
        return options

    def stream_feedback(self, *, story: str, question: str, assessment: Assessment, rubric: Rubric) -> Iterator[str]:
        """Coaching prose, chunk by chunk as the model writes it (``stream=True``)."""
        deadline = self._clock() + self.settings.deadline_s
        messages = feedback_messages(story=story, question=question, assessment=assessment, rubric=rubric)
        stream = self._call(messages, deadline, stream=True, max_tokens=FEEDBACK_MAX_TOKENS)
        try:
            for chunk in stream:
                choices = getattr(chunk, "choices", None) or []
                delta = getattr(choices[0], "delta", None) if choices else None
                content = getattr(delta, "content", None)
                if content:
                    yield content
        except Exception as exc:  # translated, cause kept
            raise translate_error(exc) from exc

    def complete(self, messages: list[Message]) -> str:
        """One plain completion within the configured deadline (the drills' rewrite suggestion)."""
        return self._complete(messages, self._clock() + self.settings.deadline_s)

    def check_reachable(self) -> tuple[bool, str]:
        """One tiny call, for the settings screen: (ok, status in plain words). Never shows a key."""
        start = self._clock()
        probe: list[Message] = [{"role": "user", "content": "Reply with the single word OK."}]
        try:
            self._call(probe, start + min(self.settings.timeout_s, 15.0), attempts=1, max_tokens=5)
        except LLMError as exc:
            return False, f"{self.name}: {exc}"
        return True, f"{self.name} answered in {self._clock() - start:.1f} s"

    # Calls, retries, redaction ---------------------------------------------------------------

    def _complete(self, messages: list[Message], deadline: float, **extra: Any) -> str:
        """The reply's text; streamed (and reported as it comes) when a caller listens for it."""
        listener = current_listener()
        if listener is not None or self.settings.stream:
            collect = self._collector(listener or (lambda text: None))
            text: str = self._call(messages, deadline, stream=True, consume=collect, **extra)
            return text
        response = self._call(messages, deadline, **extra)
        try:
            content = response.choices[0].message.content
        except (AttributeError, IndexError, TypeError):
            content = None
        return content or ""

    def _collector(self, listener: Listener) -> Callable[[Any, float], str]:
        """Reads a stream to its end, reporting the text so far; gives up (and hangs up) at ``until``.

        Hanging up matters on a local server: it stops generating for a client that has left.
        """

        def collect(stream: Any, until: float) -> str:
            text = ""
            with stream:
                for chunk in stream:
                    choices = getattr(chunk, "choices", None) or []
                    delta = getattr(choices[0], "delta", None) if choices else None
                    content = getattr(delta, "content", None)
                    if content:
                        text += content
                        listener(text)
                    if self._clock() > until:
                        raise LLMTimeout(detail="still writing at the time limit")
            return text

        return collect

    def _call(
        self,
        messages: list[Message],
        deadline: float,
        *,
        attempts: int | None = None,
        consume: Callable[[Any, float], Any] | None = None,
        **extra: Any,
    ) -> Any:
        """One litellm.completion with tenacity around it; raises an LLMError counting the attempts.

        ``consume(stream, until)``, when given, reads a streamed response inside the attempt, so its
        failures are translated and retried like the call's own.
        """

        litellm = load_litellm()
        outgoing = [{**m, "content": self._redact(m["content"])} for m in messages]
        max_tokens = extra.pop("max_tokens", reply_max_tokens())
        calls: list[LLMError] = []

        def attempt() -> Any:
            remaining = deadline - self._clock()
            if remaining < MIN_CALL_S:
                raise _Final(LLMTimeout(detail=f"no answer within the {self.settings.deadline_s:g} s limit"))
            self._gate.wait_turn(deadline)
            remaining = deadline - self._clock()
            call_limit = max(MIN_CALL_S, min(self.settings.timeout_s, remaining))
            try:
                response = litellm.completion(
                    model=self.settings.model,
                    messages=outgoing,
                    api_base=self.settings.api_base,
                    temperature=self.settings.temperature,
                    max_tokens=max_tokens,
                    timeout=call_limit,
                    max_retries=0,
                    num_retries=0,
                    drop_params=True,
                    **NO_COST_TRACKING,
                    **self._key_kwargs(),
                    **extra,
                )
                return consume(response, self._clock() + call_limit) if consume is not None else response
            except Exception as exc:  # every failure is translated; the cause stays attached
                error = translate_error(exc)
                error.__cause__ = exc
                calls.append(error)
                if isinstance(error, LLMRateLimited):
                    wait = min(error.retry_after if error.retry_after is not None else DEFAULT_RETRY_AFTER_S, MAX_RETRY_AFTER_S)
                    self._gate.close_for(wait)
                log.info("model call %d failed: %s", len(calls), error)
                raise error from exc

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(self._worth_retrying),
            stop=tenacity.stop_after_attempt(attempts or self._max_attempts) | self._past_deadline(deadline),
            wait=self._backoff(deadline),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _Final as final:
            raise self._summary(calls, stopped=final.error) from (calls[-1].__cause__ if calls else None)
        except LLMError as last:
            raise self._summary(calls) from last.__cause__

    def _worth_retrying(self, error: BaseException) -> bool:
        if isinstance(error, LLMTimeout) and self.settings.is_local:
            return False  # the local server is most likely still generating the first answer
        return isinstance(error, _RETRYABLE)

    def _past_deadline(self, deadline: float) -> tenacity.stop.stop_base:
        return _StopAt(deadline - MIN_CALL_S, self._clock)

    def _backoff(self, deadline: float) -> Callable[[tenacity.RetryCallState], float]:
        def wait(state: tenacity.RetryCallState) -> float:
            outcome = state.outcome.exception() if state.outcome else None
            if isinstance(outcome, LLMRateLimited):
                return 0.0  # the shared gate does the waiting, for every thread
            delay: float = min(BACKOFF_BASE_S * 2.0 ** (state.attempt_number - 1), BACKOFF_MAX_S)
            delay *= random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security
            return max(0.0, min(delay, deadline - self._clock() - MIN_CALL_S))

        return wait

    @staticmethod
    def _summary(calls: list[LLMError], stopped: LLMError | None = None) -> LLMError:
        """One error for the user: what happened and how many times ("the model timed out 3 times").

        ``stopped`` is why we gave up before the attempts ran out (the deadline, a too-long Retry-After).
        """
        if not calls:
            return stopped or LLMUnavailable()
        final = calls[-1]
        detail = final.detail
        if stopped is not None and stopped.detail:
            detail = f"{detail}; {stopped.detail}" if detail else stopped.detail
        retry_after = getattr(final, "retry_after", None)
        kind = type(final)
        if all(type(c) is kind for c in calls):
            if kind is LLMRateLimited:
                return LLMRateLimited(retry_after=retry_after, attempts=len(calls), detail=detail)
            return kind(attempts=len(calls), detail=detail)
        suffix = f" ({detail})" if detail else ""
        return kind(f"{kind.reason}{suffix} on the last of {len(calls)} attempts", attempts=len(calls), detail=detail)

    def _key_kwargs(self) -> dict[str, str]:
        """A placeholder key for a keyless local OpenAI-compatible server; otherwise LiteLLM reads the env."""
        if (
            self.settings.model.startswith("openai/")
            and self.settings.api_base
            and not os.environ.get("OPENAI_API_KEY")
        ):
            return {"api_key": LOCAL_PLACEHOLDER_KEY}
        return {}

    def _redact(self, text: str) -> str:
        """User-listed terms always; e-mails, URLs and phone numbers whenever the model is not local."""
        return redact(text, self.settings.redact_terms, patterns=not self.settings.is_local)


def _rejected_schema(error: LLMBadRequest) -> bool:
    """A 400/422 to a request that carried a schema: most likely the server does not take one."""
    return error.detail in ("HTTP 400", "HTTP 422")


def _knows_schemas(model: str) -> bool:
    """LiteLLM's own table says this hosted model constrains replies to a JSON Schema."""
    try:
        return bool(load_litellm().supports_response_schema(model=model))
    except Exception:  # an unmapped model: ask in the prompt instead
        return False


# --- hosted speech-to-text ------------------------------------------------------------------------

#: How long a hosted transcription may take (a 15-minute recording uploads and decodes slowly).
TRANSCRIPTION_TIMEOUT_S = 120.0


def transcribe_hosted(
    path: Path,
    *,
    model: str,
    api_base: str | None = None,
    prompt: str | None = None,
    language: str = "en",
    timeout_s: float = TRANSCRIPTION_TIMEOUT_S,
) -> str:
    """The text of one recording from a hosted speech model (``whisper-1``, ``groq/whisper-large-v3``, …).

    One call, no retries (the openai client's own are off: ``max_retries=0``); the key comes from the
    provider's environment variable, as LiteLLM reads it. Failures are LLMError subclasses whose
    one-line message names the service and never quotes the provider.
    """
    litellm = load_litellm()
    try:
        with path.open("rb") as handle:
            response = litellm.transcription(
                model=model,
                file=handle,
                language=language,
                prompt=prompt,
                api_base=api_base,
                max_retries=0,
                timeout=timeout_s,
            )
    except Exception as exc:  # translated at the choke point, cause kept
        raise transcription_error(exc, model) from exc
    text = getattr(response, "text", None)
    if not isinstance(text, str):
        raise LLMBadReply(f"hosted transcription ({model}) returned no text")
    return text


def transcription_error(exc: BaseException, model: str) -> LLMError:
    """:func:`translate_error`'s verdict, worded for a transcription (what failed, what to do instead)."""
    error = translate_error(exc)
    status = _status_of(exc)
    where = f"hosted transcription ({model})"
    offline = "use --backend local"
    if isinstance(error, LLMTimeout):
        return LLMTimeout(f"{where} timed out; try again, or {offline}")
    if isinstance(error, LLMAuthError):
        return LLMAuthError(
            f"{where} was refused: the API key is missing or invalid (HTTP {status or 401}); "
            f"set the provider's key variable (e.g. OPENAI_API_KEY) or {offline}"
        )
    if isinstance(error, LLMRateLimited):
        return LLMRateLimited(f"{where} was rate-limited (HTTP 429); wait and try again, or {offline}", error.retry_after)
    if isinstance(error, LLMBadRequest):
        return LLMBadRequest(f"{where} rejected the request ({f'HTTP {status}' if status else 'bad request'}); "
                             "check the model name and the audio format")
    if status is not None and status >= 500:
        return LLMUnavailable(f"{where} failed on the server (HTTP {status}); try again later, or {offline}")
    if isinstance(error, LLMUnavailable) and error.detail == "connection failed":
        return LLMUnavailable(f"{where} could not be reached; check the network, or {offline}")
    return type(error)(f"{where} failed ({type(exc).__name__}); {offline} to transcribe offline")
