"""Tests of speech and delivery."""
