"""Tests of the LLM interviewer (respx mocks, a loopback fault server) and the question bank."""
