"""Presenters: the text and keyboard of each screen, shared by the handlers that show it."""
