"""The test suite, by area (one folder a part of coach/); helpers in tests/support/."""
