"""Fakes, sample stories and helpers shared by the tests (no tests here)."""
