"""Tests of the web app: handlers called directly, its HTTP API, and real headless Chromium."""
