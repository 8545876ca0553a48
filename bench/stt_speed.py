"""Offline speech-to-text speed: model load time and real-time factor (transcribe time / audio length).

    python bench/stt_speed.py [--runs 5] [--model tiny.en]

Synthesises a ~25 s incident story with espeak-ng, loads the model (fresh, not from coach's cache)
and transcribes the clip several times through the same path `coach transcribe` uses, reporting the
median. Side by side in the same run: the bare faster-whisper call without word timestamps or the
vocabulary prompt, so the cost of what coach adds is a ratio measured on the same noisy machine.
Target: real-time factor ≤ 0.3 for tiny.en int8 on 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STORY = (
    "I was the on-call engineer when our checkout service failed at two in the morning and customers could "
    "not pay. I opened a bridge with the payments team and the database owners, found a bad config in the "
    "canary, and rolled back the release. Errors fell from forty percent to under one percent within twenty "
    "minutes. Afterwards we added an alert on the error rate, and "
    "updated the runbook so the next on-call engineer can roll back in five minutes."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model", default="tiny.en")
    args = parser.parse_args()

    from faster_whisper import WhisperModel
    from faster_whisper.audio import decode_audio

    from coach.speech.transcribe import SAMPLE_RATE, local_model_path, transcribe_file

    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "story.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), STORY], check=True)
        audio_s = len(decode_audio(str(wav))) / SAMPLE_RATE

        loads = []
        for _ in range(3):
            start = time.perf_counter()
            model = WhisperModel(local_model_path(args.model), device="cpu", compute_type="int8")
            loads.append(time.perf_counter() - start)

        coach_times, bare_times = [], []
        transcribe_file(wav, model=args.model)  # warm-up: loads coach's cached model, first-call costs
        for _ in range(args.runs):
            start = time.perf_counter()
            transcript = transcribe_file(wav, model=args.model)
            coach_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            segments, _ = model.transcribe(decode_audio(str(wav)), language="en", beam_size=5)
            list(segments)
            bare_times.append(time.perf_counter() - start)

    coach_s, bare_s = statistics.median(coach_times), statistics.median(bare_times)
    print(f"model {args.model} (int8, cpu); clip {audio_s:.1f} s of espeak-ng speech; {args.runs} runs, median")
    print(f"model load:                      {statistics.median(loads):.2f} s median of 3 (first: {loads[0]:.2f} s)")
    print(f"coach transcribe_file:           {coach_s:.2f} s  real-time factor {coach_s / audio_s:.3f}  (target <= 0.3)")
    print(f"bare faster-whisper (no words):  {bare_s:.2f} s  real-time factor {bare_s / audio_s:.3f}")
    print(f"coach / bare:                    {coach_s / bare_s:.2f}x (checks, decode, word timestamps, prompt, metrics)")
    print(f"runs (coach): {', '.join(f'{t:.2f}' for t in coach_times)}")
    print(f"transcript: {transcript.text[:100]}…  ({transcript.words_per_minute} wpm)")


if __name__ == "__main__":
    main()
