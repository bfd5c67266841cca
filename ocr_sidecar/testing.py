"""A real sidecar in a background thread, for tests of clients (the Odoo addon, the eval harness).

The server is the production ``DocumentServer`` on 127.0.0.1 with a free port, in its own event loop
thread, so synchronous code (Odoo's test cases) can call it over real gRPC::

    with SidecarThread(engine="replay") as target:      # "127.0.0.1:PORT"
        ...

With the replay engine (default) it answers the gold JSON of the shared corpus by content;
``add()`` registers more documents and ``fail_next()`` injects gRPC failures.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Optional

from .engines.base import Engine
from .engines.replay import ReplayEngine
from .settings import Settings


class ReplayReadingWords(ReplayEngine):
    """The replay engine as the model's engine is: its pages get a word layer (a PDF's text, a scan's or photo's
    OCR), so the pipeline's locate step gives every value its evidence as it would for the model's answer."""

    reads_words = True


class SidecarThread:
    def __init__(self, engine: str = "replay", *, token: Optional[str] = None, documents_dir: Optional[Path] = None,
                 engine_instance: Optional[Engine] = None, queue_size: int = 16, concurrency: int = 1,
                 delay_s: float = 0.0, port: int = 0, **settings):
        # port: 0 = a free one; a given one for "the sidecar restarted at the same address"
        self.settings = Settings(engine=engine, grpc_host="127.0.0.1", grpc_port=port, auth_token=token,
                                 replay_dir=documents_dir, queue_size=queue_size, concurrency=concurrency,
                                 grace_s=1.0, **settings)
        self.settings.validate()
        self._engine = engine_instance
        self._delay_s = delay_s
        self.server = None
        self.target: Optional[str] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._started = threading.Event()
        self._error: Optional[BaseException] = None

    @property
    def engine(self) -> Engine:
        return self.server.engine

    def start(self, timeout: float = 60.0) -> str:
        self._thread = threading.Thread(target=self._run, name="sidecar-thread", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout):
            raise TimeoutError("the test sidecar did not start")
        if self._error is not None:
            raise self._error
        return self.target

    def _run(self) -> None:
        from .server import DocumentServer

        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)

        async def main() -> None:
            engine = self._engine
            if engine is None and self.settings.engine == "replay":
                engine = ReplayEngine(self.settings.replay_dir, delay_s=self._delay_s)
            self.server = DocumentServer(self.settings, engine)
            port = await self.server.start()
            await self.server.wait_loaded()
            self.target = f"127.0.0.1:{port}"

        try:
            loop.run_until_complete(main())
        except BaseException as exc:  # surfaced by start()
            self._error = exc
            self._started.set()
            return
        self._started.set()
        loop.run_forever()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    def call(self, coro, timeout: float = 30.0):
        """Run a coroutine on the server's loop (e.g. ``server.drain()``) and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def add(self, content: bytes, document: dict) -> None:
        self.engine.add(content, document)

    def fail_next(self, code: str, times: int = 1) -> None:
        self.engine.fail_next(code, times)

    def stop(self, grace: float = 0.0) -> None:
        if self._loop is None or self.server is None:
            return
        if self._loop.is_running():
            try:
                self.call(self.server.drain(grace), timeout=grace + 30)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(10)
        self._loop = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
