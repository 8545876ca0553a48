"""Scenario depth and depth probes (coach.scoring.depth): the question bank's examples, the score kept apart,
the offline interviewer that still probes a strong story, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.cli import main
from coach.scoring.depth import (
    PROBE_PREFIX,
    LeadershipSignal,
    Probing,
    depth_item_met,
    is_bank_question,
    probe_applies,
    probe_followups,
)
from coach.errors import RubricError
from coach.interviewer.interview import answer_followup, start_interview
from coach.interviewer.questions import QuestionBank, load_questions, parse_questions
from coach.rubric.loader import Rubric, load_rubric
from coach.service import evaluate
from coach.web.depth_render import depth_panel, leadership_panel
from tests.support.core_stories import SHORT_COMPLETE, STRONG, TRANSCRIPT, VAGUE, WE_ONLY
from tests.support.depth_stories import GUIDE_FRAUD

SCENARIOS = ("model-degradation", "sudden-drop", "latency-spike", "silent-failure")


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return load_questions()


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric("star-l")


def complete_story(rubric: Rubric) -> str:
    """The rubric's own met examples, one per criterion: a story that meets all 15."""
    return " ".join(c.examples.met[0] for c in rubric.criteria())


# --- the data: every depth item and probe carries examples, and they hold ----------------------------


def test_the_four_scenarios_carry_the_guides_investigation_steps(bank: QuestionBank) -> None:
    for qid in SCENARIOS:
        question = bank.get(qid)
        assert question.kind == "scenario" and len(question.depth) == 3, qid
        for item in question.depth:
            assert item.label and item.followup.endswith("?") and item.examples.met and item.examples.missing
    assert not bank.get("ml-incident").depth
    assert {p.id for p in bank.probes} == {
        "root-cause-vs-symptom", "rollback-vs-fix-forward", "verify-fix-held",
        "caught-before-production", "postmortem-changes", "do-differently",
    }


@pytest.mark.parametrize("qid", SCENARIOS)
def test_depth_examples_met_and_missing(bank: QuestionBank, qid: str) -> None:
    for item in bank.get(qid).depth:
        for sentence in item.examples.met:
            assert depth_item_met(sentence, item), f"{qid}/{item.id} should be shown by: {sentence}"
        for sentence in item.examples.missing:
            assert not depth_item_met(sentence, item), f"{qid}/{item.id} should not be shown by: {sentence}"


def test_probe_examples_asked_and_skipped(bank: QuestionBank) -> None:
    for probe in bank.probes:
        for story in probe.examples.asks:
            assert probe_applies(story, probe)[0], f"{probe.id} should be asked of: {story}"
        for story in probe.examples.skips:
            assert not probe_applies(story, probe)[0], f"{probe.id} should not be asked of: {story}"


@pytest.mark.parametrize(
    ("cue", "expected"),
    [
        (r"'\\b(?:rolled back\\b'", "is not allowed in a cue word"),  # a regex is not a word cue
        ("'roll(ed back'", "cannot read"),
        (r"{pattern: '(a+)+$', why: w}", "nested repetition"),
        (r"{pattern: '(a)\\1', why: w}", "back-references"),
        (r"{pattern: '\\b(?:unclosed\\b', why: w}", "invalid regular expression"),
    ],
)
def test_a_slow_or_broken_cue_is_refused_with_the_field(cue: str, expected: str) -> None:
    """The bank's cues pass the rubric's check (coach.rubric.cues): words, or a pattern the linear-time matcher
    can run; a hostile pattern is refused when the bank loads, never run."""
    text = (
        "questions:\n  - {id: q, title: Q, text: Tell me}\n"
        "probes:\n  - id: p\n    question: Why?\n    skip: [" + cue + "]\n"
        "    examples: {asks: [a], skips: [b]}\n"
    )
    with pytest.raises(RubricError) as info:
        parse_questions(text, "bank.yaml")
    assert "probes[p].skip" in str(info.value) and expected in str(info.value)


def test_a_depth_item_without_examples_is_refused() -> None:
    text = (
        "questions:\n  - id: q\n    title: Q\n    text: Tell me\n    depth:\n"
        "      - {id: d, label: D, cues: [gpu], followup: 'GPU?'}\n"
    )
    with pytest.raises(RubricError, match=r"questions\[q\]\.depth\[d\]\.examples"):
        parse_questions(text, "bank.yaml")


# --- depth is reported apart from the STAR-L score ----------------------------------------------------


@pytest.mark.parametrize("story", [STRONG, SHORT_COMPLETE, TRANSCRIPT, WE_ONLY, GUIDE_FRAUD])
def test_depth_never_changes_the_star_l_result(bank: QuestionBank, rubric: Rubric, story: str) -> None:
    plain = evaluate(story, rubric)
    for qid in SCENARIOS:
        scored = evaluate(story, rubric, probing=bank.probing(qid))
        assert scored.depth is not None and scored.depth.question == qid
        assert (scored.overall, scored.level, scored.criteria, scored.red_flags, scored.components) == (
            plain.overall, plain.level, plain.criteria, plain.red_flags, plain.components
        )


def test_depth_shows_the_steps_with_evidence_and_asks_about_the_missing_ones(bank: QuestionBank, rubric: Rubric) -> None:
    story = (
        "I was on call when our ranking model's click-through fell by half at 14:05 and we declared a SEV-2. "
        "First I went through the git log and ArgoCD and saw a new model version went out at 14:02. "
        "Then I rolled it back and click-through recovered within 10 minutes."
    )
    assessment = evaluate(story, rubric, probing=bank.probing("sudden-drop"))
    depth = assessment.depth
    assert depth is not None and (depth.met, depth.total) == (1, 3)
    shown = depth.items["recent-deploys"]
    assert shown.met and shown.evidence[0].text.startswith("First I went through the git log")
    assert story[shown.evidence[0].start : shown.evidence[0].end] == shown.evidence[0].text
    assert not depth.items["artifact-integrity"].met and not depth.items["pipeline-health"].met
    depth_targets = [t for f in assessment.followups for t in f.targets if t.startswith("depth.")]
    assert depth_targets and depth_targets[0] == "depth.artifact-integrity"  # missing depth becomes a question
    assert "depth.recent-deploys" not in depth_targets


def test_json_gains_depth_only_for_a_scenario_question(bank: QuestionBank, rubric: Rubric) -> None:
    assert "depth" not in evaluate(STRONG, rubric, probing=bank.probing("ml-incident")).model_dump(mode="json")
    assert "depth" not in evaluate(STRONG, rubric).model_dump(mode="json")
    data = evaluate(STRONG, rubric, probing=bank.probing("latency-spike")).model_dump(mode="json")
    assert set(data["depth"]) == {"question", "title", "met", "total", "items"}
    assert set(data["depth"]["items"]) == {"resource-utilisation", "model-size", "queue-batching"}


# --- the offline interviewer still probes a strong story ---------------------------------------------


def test_a_story_meeting_all_15_criteria_gets_two_or_three_probes_offline(bank: QuestionBank, rubric: Rubric) -> None:
    for story in (complete_story(rubric), SHORT_COMPLETE):
        assessment = evaluate(story, rubric, probing=bank.probing(None))
        assert assessment.missing() == [] and not assessment.raised_flags()
        assert 2 <= len(assessment.followups) <= 3
        assert all(f.source == "rubric" and is_bank_question(f) for f in assessment.followups)
        # never about something the story already states
        probes = {PROBE_PREFIX + p.id: p for p in bank.probes}
        for followup in assessment.followups:
            assert probe_applies(story, probes[followup.targets[0]])[0]
    # Without the bank (e.g. batch scoring), nothing changes: a complete story has no question.
    assert evaluate(SHORT_COMPLETE, rubric).followups == []


def test_the_guides_fraud_story_gets_probes_none_about_what_it_meets(bank: QuestionBank, rubric: Rubric) -> None:
    assessment = evaluate(GUIDE_FRAUD, rubric, probing=bank.probing(None))
    met = {cid for cid, result in assessment.criteria.items() if result.met}
    assert len(met) >= 13
    assert len(assessment.followups) >= 2
    for followup in assessment.followups:
        assert not set(followup.targets) & met, followup
    asked = {t for f in assessment.followups for t in f.targets}
    # It says "I ruled out model drift" and what the postmortem added: neither is asked about.
    assert "probe.root-cause-vs-symptom" not in asked and "probe.postmortem-changes" not in asked
    assert "probe.verify-fix-held" in asked
    # Deterministic: the same story gets the same questions, byte for byte.
    again = evaluate(GUIDE_FRAUD, rubric, probing=bank.probing(None))
    assert [f.model_dump() for f in again.followups] == [f.model_dump() for f in assessment.followups]


def test_the_interview_keeps_probing_until_the_bank_is_exhausted(bank: QuestionBank, rubric: Rubric) -> None:
    probing = bank.probing("sudden-drop")
    session = start_interview(SHORT_COMPLETE, rubric, probing=probing)
    depth = session.assessment.depth
    assert depth is not None
    missing_depth = [f"depth.{item_id}" for item_id, item in depth.items.items() if not item.met]
    asked: list[str] = []
    while session.pending is not None:
        assert len(asked) < 20, "the interview must end"
        asked += session.pending.targets
        session = answer_followup(session, "I would rather not say more about that.", rubric)
    assert len(asked) == len(set(asked)), f"a question was repeated: {asked}"
    # The missing depth steps, then every probe this story calls for, each once.
    assert missing_depth == ["depth.recent-deploys", "depth.artifact-integrity"]
    expected_probes = [PROBE_PREFIX + p.id for p in bank.probes if probe_applies(SHORT_COMPLETE, p)[0]]
    assert asked == missing_depth + expected_probes and len(expected_probes) >= 3
    assert session.done and len(session.turns) == len(asked)
    assert set(session.history) == {session.history[0]}  # evasive answers change nothing in the score


def test_an_answer_that_states_the_point_skips_the_probes_it_answers(bank: QuestionBank, rubric: Rubric) -> None:
    session = start_interview(SHORT_COMPLETE, rubric, probing=bank.probing(None))
    first = session.pending
    assert first is not None and first.targets == ["probe.rollback-vs-fix-forward"]
    session = answer_followup(
        session,
        "I rolled back rather than fixing forward because the rollback took two minutes. After that I watched the "
        "decline rate for two days and it stayed at 2%. Looking back, I should have paged the data team sooner.",
        rubric,
    )
    remaining: list[str] = []
    while session.pending is not None:
        remaining += session.pending.targets
        session = answer_followup(session, "Nothing more to add.", rubric)
    assert "probe.verify-fix-held" not in remaining and "probe.do-differently" not in remaining
    assert "probe.rollback-vs-fix-forward" not in remaining


def test_gap_questions_still_come_first_and_stop_after_max_turns(bank: QuestionBank, rubric: Rubric) -> None:
    session = start_interview(VAGUE, rubric, probing=bank.probing(None), max_turns=2)
    kinds: list[bool] = []
    while session.pending is not None and len(kinds) < 20:
        kinds.append(is_bank_question(session.pending))
        session = answer_followup(session, "We did our best.", rubric)
    assert kinds[:2] == [False, False] and all(kinds[2:]) and len(kinds) > 2


# --- leadership, from data ------------------------------------------------------------------------------


def test_leadership_reads_the_criteria_the_data_lists(bank: QuestionBank, rubric: Rubric) -> None:
    assessment = evaluate(WE_ONLY, rubric)
    html_out = leadership_panel(assessment, bank.leadership)
    assert [s.label for s in bank.leadership] == ["Ownership", "Communication", "Stakeholders", "Process"]
    for signal in bank.leadership:
        met = assessment.criteria[signal.criterion].met
        assert f'data-signal="{signal.label.lower()}" data-met="{str(met).lower()}"' in html_out
    # The panel shows whatever the data lists; no criterion is named in the code.
    own = [LeadershipSignal(label="Timeline", criterion="action.timeline", missing="Give times.")]
    assert 'data-signal="timeline"' in leadership_panel(assessment, own)
    assert "Ownership" not in leadership_panel(assessment, own)
    unknown = [LeadershipSignal(label="Other", criterion="drill.only", missing="x")]
    assert "no leadership signals" in leadership_panel(assessment, unknown)


def test_depth_panel_escapes_the_story(bank: QuestionBank, rubric: Rubric) -> None:
    story = "I checked GPU utilisation <script>window.__xss=1</script> and it was at ${100}% on the model service."
    assessment = evaluate(story, rubric, probing=bank.probing("latency-spike"))
    panel = depth_panel(assessment.depth)
    assert "<script" not in panel and "&lt;script&gt;" in panel and "${" not in panel
    assert 'data-depth="resource-utilisation" data-met="true"' in panel
    assert "Pick a scenario question" in depth_panel(None)


# --- CLI --------------------------------------------------------------------------------------------------


@pytest.fixture
def story_file(tmp_path: Path) -> Path:
    path = tmp_path / "story.txt"
    path.write_text(GUIDE_FRAUD, encoding="utf-8")
    return path


def test_cli_json_text_and_markdown_show_depth_for_a_scenario_id(story_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(story_file), "--question", "sudden-drop", "--format", "json"]) == 0
    with_depth = json.loads(capsys.readouterr().out)
    assert with_depth["depth"]["question"] == "sudden-drop" and with_depth["depth"]["total"] == 3
    assert main(["score", str(story_file), "--format", "json"]) == 0
    without = json.loads(capsys.readouterr().out)
    assert "depth" not in without and without["overall"] == with_depth["overall"]
    assert len(without["followups"]) >= 2
    assert main(["score", str(story_file), "--question", "silent-failure"]) == 0
    text = capsys.readouterr().out
    assert "Technical depth — Silent failure:" in text and "training-serving skew" in text.lower()
    assert main(["score", str(story_file), "--question", "latency-spike", "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert "## Technical depth" in markdown and "- [ ] **Looked at model size changes**" in markdown


def test_cli_unknown_question_id_is_one_clear_line(story_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(story_file), "--question", "sudden-dorp"]) == 2
    err = capsys.readouterr().err
    assert "no question 'sudden-dorp'" in err and "sudden-drop" in err and "Traceback" not in err
    # A question written out is still just the question's text.
    assert main(["score", str(story_file), "--question", "Tell me about an outage.", "--format", "json"]) == 0
    assert "depth" not in json.loads(capsys.readouterr().out)


def test_probing_without_a_bank_is_inert(rubric: Rubric) -> None:
    assessment = evaluate(SHORT_COMPLETE, rubric, probing=Probing())
    assert assessment.followups == [] and assessment.depth is None


def test_a_probe_quotes_the_sentence_its_data_names(bank: QuestionBank) -> None:
    story = "I was paged when the ranking service failed. I fixed the cache. Then I redeployed and errors were back to 0.1%."
    questions = {f.targets[0]: f.question for f in probe_followups(story, bank.probes)}
    assert questions["probe.verify-fix-held"].startswith('You said "Then I redeployed and errors were back to 0.1%".')
    assert not questions["probe.caught-before-production"].startswith("You said")  # quote: none
    assert not questions["probe.do-differently"].startswith("You said")  # asked of any story: nothing to quote


def test_the_web_interview_probes_a_complete_story_until_the_bank_is_exhausted(bank: QuestionBank) -> None:
    from coach.web import practice
    from coach.web.practice import PracticeServices

    svc = PracticeServices(questions=bank)
    view = practice.submit_answer(svc, "latency-spike", "", SHORT_COMPLETE, "", "", False, "star-l", None)
    assert isinstance(view.state, practice.PracticeState) and isinstance(view.chat, list)
    assert "already covers" not in view.chat[-1]["content"]
    assert isinstance(view.depth, str) and 'data-depth="resource-utilisation"' in view.depth
    assert isinstance(view.leadership, str) and view.leadership.count('data-signal="') == 4
    asked: list[str] = []
    state = view.state
    for _ in range(20):
        session = state.current.session if state.current else None
        if session is None or session.pending is None:
            break
        asked += session.pending.targets
        view = practice.answer_in_chat(svc, "Nothing more to add there.", state)
        assert isinstance(view.state, practice.PracticeState)
        state = view.state
    assert len(asked) >= 5 and len(asked) == len(set(asked))
    assert isinstance(view.chat, list) and "That's all I wanted to ask" in view.chat[-1]["content"]
    # A custom question has no scenario depth, but the probes still come.
    custom = practice.submit_answer(svc, "latency-spike", "Tell me about an outage.", SHORT_COMPLETE, "", "", False, "star-l", None)
    assert isinstance(custom.depth, str) and "Pick a scenario question" in custom.depth
    assert isinstance(custom.state, practice.PracticeState) and custom.state.current is not None
    assert custom.state.current.session.pending is not None
