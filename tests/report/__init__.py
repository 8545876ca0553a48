"""Tests of the rendered reports, byte for byte."""
