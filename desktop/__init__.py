"""Ponder's faces: the PySide6 window (`desktop.window`) and the command line (`desktop.cli`).

`views` holds the widgets and item models the window is made of, `background` the work that runs
beside the window: workers, the job queue, searches and the folder watcher.
"""
