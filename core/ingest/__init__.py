"""Bringing files into a library: words first, then meaning."""
