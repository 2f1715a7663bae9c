"""Tests of the Discord front's own modules (bot/discord); the wire tests are in tests/e2e."""
