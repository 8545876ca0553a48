"""Tests of `coach batch`."""
