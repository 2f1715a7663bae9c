"""Tests of bot/core/matching."""
