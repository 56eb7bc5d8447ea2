"""`python -m bot ARGS` as a child process, forked from a parent that has already imported it.

The crash, cluster and worker tests start the bot as a real process, kill it with SIGKILL or
SIGTERM and start it again, dozens of times. Each `python -m bot` spent about 4 s of CPU on
imports alone before it did anything (aiogram builds its 600 pydantic models when imported),
and on two cores that was most of what those tests cost. Here one forkserver per test worker
(`multiprocessing`'s, which starts as a fresh interpreter, never a fork of the test process)
imports the bot once, and each child is a fork of it that runs `bot.__main__.main(ARGS)`, the
function behind `python -m bot`, with its own environment, working directory and log: a
process of its own, with its own pid, signals, sockets and exit status, as before.
`tests/unit/test_startup.py` and `tests/demo/test_command.py` still start the interpreter from
scratch, as an operator does.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

# What a child would import first anyway; the forkserver imports it once, before any child.
PRELOAD = ["bot.__main__", "bot.app"]
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(PRELOAD)


def _run_bot(args: list[str], env: dict[str, str], cwd: str, log: str) -> None:
    """In the child: become `python -m bot ARGS` in `cwd`, writing to `log`."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    stdin = os.open(os.devnull, os.O_RDONLY)
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(stdin, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    sys.argv = ["python -m bot", *args]
    from bot.__main__ import main

    sys.exit(main(args))


class BotChild:
    """The few parts of `asyncio.subprocess.Process` the tests use."""

    def __init__(self, process: multiprocessing.process.BaseProcess) -> None:
        self._process = process

    @property
    def pid(self) -> int:
        assert self._process.pid is not None
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        """None while it runs; the exit status, or minus the signal that ended it."""
        return self._process.exitcode

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    async def wait(self) -> int:
        if self._process.exitcode is None:
            loop = asyncio.get_running_loop()
            ended = loop.create_future()
            sentinel = self._process.sentinel

            def on_end() -> None:
                if not ended.done():
                    ended.set_result(None)

            # The sentinel becomes readable once the child is gone.
            loop.add_reader(sentinel, on_end)
            try:
                await ended
            finally:
                loop.remove_reader(sentinel)
        self._process.join()
        code = self._process.exitcode
        assert code is not None
        return code


async def start_bot(
    args: Sequence[str], *, env: Mapping[str, str], cwd: Path, log: Path | None = None
) -> BotChild:
    """Start `python -m bot ARGS`; its stdout and stderr go to `log` (or nowhere)."""
    process = _CONTEXT.Process(
        target=_run_bot,
        args=(list(args), dict(env), str(cwd), str(log) if log else os.devnull),
        daemon=False,
    )
    # Starting asks the forkserver for a fork (and, the first time, starts it): a blocking
    # exchange over a socket, kept off the event loop the fake Bot API runs on.
    await asyncio.to_thread(process.start)
    return BotChild(process)
