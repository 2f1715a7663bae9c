"""Tests of bot/core/knowledge."""
