"""Try the bot without Telegram: the real bot against the embedded fake Bot API server, and a
web chat page on 127.0.0.1 where you are a teenager, a parent or a moderator.

Modules: ``personas`` (who you can be), ``runner`` (start, stop, reset), ``web`` (routes),
``screen`` (what a persona sees, as JSON), ``actions`` (what a persona does), ``texts``
(the page's own strings in Kazakh and Russian), ``static/`` (the page: HTML, CSS, JS).
"""

from qorgan_demo.runner import (
    DEFAULT_DATABASE,
    DEFAULT_PORT,
    DemoBot,
    DemoServer,
    serve_until_stopped,
)

__all__ = ["DEFAULT_DATABASE", "DEFAULT_PORT", "DemoBot", "DemoServer", "serve_until_stopped"]
