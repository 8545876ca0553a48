"""Rubric files and the data a coach edits (briefs, drill parameters), and the cue
language that compiles their cue lists for linear-time matching."""
