"""Tests of whole-project checks (typing, layout, hardening) and the top-level modules."""
