"""What the window shows: item models and delegates, the tabs, the preview, the indexing bar."""
