"""The library map: documents placed by meaning, grouped into named topics."""
