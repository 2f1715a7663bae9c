"""Tests of the developer tools (bot/devtools)."""
