"""Tests of the practice history store."""
