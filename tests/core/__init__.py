"""Tests of the core (mirrors bot/core)."""
