"""Tests of the `coach` command line."""
