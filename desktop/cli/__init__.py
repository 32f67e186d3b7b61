"""The `ponder` command: the parser and `main` (`main.py`), the sub-commands, their output."""
