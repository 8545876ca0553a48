"""Tests of rubric files, cue language, briefs."""
