"""Fixtures for the command line tests (`cli_support`)."""

from cli_support import indexed, notes, ponder  # noqa: F401  (fixtures)
