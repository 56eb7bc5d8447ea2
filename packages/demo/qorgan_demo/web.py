"""The demo's web routes: the chat page and its static files, a JSON API the page polls and
acts through, and the files (photos, CSV exports) the chats hold.

Only this machine may use it: the server binds to loopback, requests must name a loopback
host (so a web site cannot reach it by DNS rebinding), and every POST carries a custom
header (so a web site cannot send one without a CORS preflight, which is never granted).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from fake_telegram import FakeUser

from qorgan_demo import actions
from qorgan_demo.actions import DemoInputError
from qorgan_demo.personas import PERSONAS, PRIVATE, Persona, persona
from qorgan_demo.runner import DemoBot
from qorgan_demo.screen import persona_state
from qorgan_demo.texts import LANGUAGES, texts_for

STATIC_DIR = Path(__file__).resolve().parent / "static"
DEMO_KEY = web.AppKey("demo", DemoBot)
CSRF_HEADER = "X-Qorgan-Demo"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
        "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a name or an address, without port) is this machine's loopback."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_of(header: str) -> str:
    """The host part of a Host header (``[::1]:8080``, ``localhost:8080``...)."""
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Loopback hosts only, the custom header on every POST, security headers on all."""
    if not is_loopback_host(_host_of(request.headers.get("Host", ""))):
        return web.json_response({"error": "this demo answers on localhost only"}, status=403)
    if request.method not in {"GET", "HEAD"} and request.headers.get(CSRF_HEADER) != "1":
        return web.json_response({"error": f"missing {CSRF_HEADER} header"}, status=403)
    try:
        response = await handler(request)
    except DemoInputError as error:
        response = web.json_response({"error": str(error)}, status=error.status)
    response.headers.update(_SECURITY_HEADERS)
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def create_web_app(demo: DemoBot) -> web.Application:
    """The page and its API for one demo bot."""
    app = web.Application(client_max_size=actions.MAX_PHOTO_BYTES + 65_536, middlewares=[guard])
    app[DEMO_KEY] = demo
    app.router.add_get("/", index)
    app.router.add_get("/favicon.ico", no_icon)
    app.router.add_static("/static/", STATIC_DIR)
    app.router.add_get("/api/config", config)
    app.router.add_get("/api/state", state)
    app.router.add_post("/api/send", send)
    app.router.add_post("/api/press", press)
    app.router.add_post("/api/reply-button", reply_button)
    app.router.add_post("/api/vote", vote)
    app.router.add_post("/api/location", location)
    app.router.add_post("/api/photo", photo)
    app.router.add_post("/api/reset", reset)
    app.router.add_get("/api/file/{file_id}", file)
    return app


# -- pages and state ---------------------------------------------------------------------


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


async def no_icon(request: web.Request) -> web.Response:
    return web.Response(status=204)


async def config(request: web.Request) -> web.Response:
    """What does not change while the page is open: personas and the interface texts."""
    return web.json_response(
        {
            "personas": [
                {
                    "key": p.key,
                    "first_name": p.first_name,
                    "label": p.label,
                    "emoji": p.emoji,
                    "language_code": p.language_code,
                    "owner": p.owner,
                    "chats": list(p.chats),
                }
                for p in PERSONAS
            ],
            "database": str(request.app[DEMO_KEY].database_path),
            "languages": list(LANGUAGES),
            "texts": {language: texts_for(language) for language in LANGUAGES},
        }
    )


async def state(request: web.Request) -> web.Response:
    """What a persona sees; ``version``: the one the page has (answered ``changed: false``
    when nothing changed since)."""
    demo = request.app[DEMO_KEY]
    who = _persona(request.query.get("persona"))
    version = demo.version
    head: dict[str, Any] = {
        "version": version,
        "generation": demo.generation,
        "ready": demo.ready,
        "bot_running": demo.bot_running,
    }
    if not demo.ready:
        return web.json_response({**head, "changed": True, "chats": [], "notices": []})
    if request.query.get("version") == version:
        return web.json_response({**head, "changed": False})
    chats = {kind: demo.user(who, kind) for kind in who.chats}
    return web.json_response({**head, "changed": True, **persona_state(demo.fake, who, chats)})


# -- actions -------------------------------------------------------------------------------


async def send(request: web.Request) -> web.Response:
    demo, body = await _json(request)
    reply_to = body.get("reply_to")
    if reply_to is not None and (not isinstance(reply_to, int) or isinstance(reply_to, bool)):
        raise DemoInputError("reply_to must be a message id")
    settled = await actions.send_text(_user(demo, body), _text(body, "text"), reply_to)
    return _done(demo, settled)


async def press(request: web.Request) -> web.Response:
    demo, body = await _json(request)
    user = _user(demo, body)
    message_id, row, column = (_int(body, key) for key in ("message_id", "row", "column"))
    return _done(demo, await actions.press_inline(user, message_id, row, column))


async def reply_button(request: web.Request) -> web.Response:
    demo, body = await _json(request)
    user = _user(demo, body)
    return _done(demo, await actions.press_reply(user, _int(body, "row"), _int(body, "column")))


async def vote(request: web.Request) -> web.Response:
    demo, body = await _json(request)
    user = _user(demo, body)
    options = body.get("options")
    if not isinstance(options, list) or not all(
        isinstance(o, int) and not isinstance(o, bool) for o in options
    ):
        raise DemoInputError("options must be a list of option numbers")
    settled = await actions.vote(demo.fake, user, _int(body, "message_id"), options)
    return _done(demo, settled)


async def location(request: web.Request) -> web.Response:
    demo, body = await _json(request)
    user = _user(demo, body)
    latitude, longitude = _number(body, "latitude"), _number(body, "longitude")
    return _done(demo, await actions.send_location(user, latitude, longitude))


async def photo(request: web.Request) -> web.Response:
    """A multipart form: ``persona``, ``chat``, ``caption`` and the ``photo`` file."""
    demo = _ready(request)
    form = await request.post()
    upload = form.get("photo")
    if not isinstance(upload, web.FileField):
        raise DemoInputError("no photo in the form")
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    user = _user(demo, fields)
    caption = fields.get("caption", "")
    return _done(demo, await actions.send_photo(user, upload.file.read(), caption))


async def reset(request: web.Request) -> web.Response:
    """Stop the bot, delete the demo database, start afresh."""
    demo = request.app[DEMO_KEY]
    await demo.reset()
    return web.json_response({"ok": True, "version": demo.version})


async def file(request: web.Request) -> web.StreamResponse:
    """A file of a chat: images inline, anything else as a download."""
    demo = _ready(request)
    stored = demo.fake.store.files.get(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound()
    mime = actions.image_type(stored.data)
    if mime is not None and "download" not in request.query:
        return web.Response(body=stored.data, content_type=mime)
    name = _SAFE_NAME.sub("_", stored.file_name or stored.file_path.rsplit("/", 1)[-1])
    return web.Response(
        body=stored.data,
        content_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# -- helpers -------------------------------------------------------------------------------


def _ready(request: web.Request) -> DemoBot:
    demo = request.app[DEMO_KEY]
    if not demo.ready:
        raise DemoInputError("the demo is restarting", 503)
    return demo


async def _json(request: web.Request) -> tuple[DemoBot, dict[str, Any]]:
    demo = _ready(request)
    try:
        body = await request.json()
    except ValueError:
        raise DemoInputError("the body is not JSON") from None
    if not isinstance(body, dict):
        raise DemoInputError("the body must be a JSON object")
    return demo, body


def _persona(key: object) -> Persona:
    found = persona(key) if isinstance(key, str) else None
    if found is None:
        raise DemoInputError("unknown persona", 404)
    return found


def _user(demo: DemoBot, body: dict[str, Any]) -> FakeUser:
    who = _persona(body.get("persona"))
    chat = body.get("chat", PRIVATE)
    if chat not in who.chats:
        raise DemoInputError(f"no {chat!r} chat for this persona", 404)
    return demo.user(who, str(chat))


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise DemoInputError(f"{key} must be a whole number")
    return value


def _number(body: dict[str, Any], key: str) -> float:
    value = body.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise DemoInputError(f"{key} must be a number")
    return float(value)


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise DemoInputError(f"{key} must be a string")
    return value


def _done(demo: DemoBot, settled: bool) -> web.Response:
    demo.touch()
    return web.json_response({"ok": True, "settled": settled, "version": demo.version})
