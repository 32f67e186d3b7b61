"""The application: start-up, the main window and its menus, settings, crashes, messages."""
