"""Ponder's faces: the PySide6 window (`desktop.app`) and the command line (`desktop.cli`)."""
