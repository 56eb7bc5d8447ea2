"""Keyboard builders (pure functions of data) and the callback data they carry."""
