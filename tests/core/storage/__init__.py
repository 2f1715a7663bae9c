"""Tests of bot/core/storage."""
