"""Where the lab relies on how Streamlit 1.67's server and runtime serve a session.

Two things the lab needs are not part of Streamlit's page API:

1. **A guard in front of the server** (``ClientGuard``, an ASGI middleware). Streamlit 1.67
   serves through Starlette and uvicorn, and its public ``st.App(script, middleware=[...])``
   takes ASGI middleware that wraps every route, the WebSocket included; ``serve.py`` (the
   production entry point, ``streamlit run serve.py``) builds that App around ``app.py``.
   The guard

   * caps what one WebSocket connection may send: each message at most
     ``MAX_CLIENT_MESSAGE_BYTES`` (a browser's largest message is 1.7 kB), and at most
     ``MESSAGE_BURST`` messages at once, refilled at ``MESSAGE_RATE`` per second (a token
     bucket). Streamlit handles every incoming message on the one event loop that serves all
     sessions, so a flood from one socket once stalled every user of the process. Now, as
     soon as the bucket runs dry (after at most ``MESSAGE_BURST`` messages), the guard stops
     reading that socket for ``PENALTY_SECONDS`` and then closes it (code 1008, policy
     violation; 1009, at once, for a message too big). While nobody reads, uvicorn stops
     reading the TCP connection, so the flood fills the attacker's own buffers instead of
     the server's event loop, and a client that reconnects after each close gets one new
     session per ``PENALTY_SECONDS`` per socket instead of one per few milliseconds;
   * refuses Streamlit's file-upload route (403): the lab has no uploader, and uploads stay
     in memory for as long as the session lives;
   * sends anti-framing headers on every HTTP response (``X-Frame-Options: DENY``,
     ``Content-Security-Policy: frame-ancestors 'none'``): nobody can embed the lab and
     drive it by postMessage.

   It relies on Streamlit's route paths (``ROUTE_STREAM``, ``ROUTE_UPLOAD``), on ``st.App``
   accepting ``middleware`` and on ``streamlit run`` detecting ``app = st.App(...)`` in
   ``serve.py``; ``tests/test_compat.py`` checks each against the installed Streamlit and
   says which one broke after an upgrade.

2. **Whether the session that runs the script is still connected** (``session_connected``,
   ``stop_if_disconnected``). A script keeps running after its browser has gone: Streamlit
   asks it to stop, but the request is only seen at the next ``st.*`` call, and a long
   computation makes none. The pages' longer loops call ``stop_if_disconnected`` between
   pieces of work. It uses ``Runtime.instance().is_active_session`` and the script run
   context.

3. **Speed-ups that reach into Plotly and Streamlit internals** (each was measured; see
   docs/performance.md). Only this module touches them; the rest of the lab calls the small
   functions below:

   * Plotly's ``_plotly_utils.utils`` (``typed_array_spec``, ``arrays_to_base64``): the
     typed-array encoding Plotly sends numpy arrays in, reused by ``ui.figures.spec``'s
     one-pass JSON encoder;
   * a built figure's own dicts (``figure_parts``: ``fig._data``, ``fig._layout``,
     ``frame._props``), encoded without ``to_dict``'s two deep copies, and the figure
     constructor's ``_validate=False`` (``init_figure_unvalidated``);
   * Streamlit's ``PagesManager.uses_pages_directory`` (``leave_pages_directory_mode``, for
     ``ui.boot``);
   * Streamlit's component manager, to serve the live chart's own Plotly build from
     ``ui/plotly_js/`` (``serve_component_files``, for ``ui.live_chart``).
   * the widget modules' ``get_session_state().filtered_state`` (``widgets_look_up_own_key``,
     called by ``app.py``): a widget that only asks about its own key no longer presents the
     whole session to do so.
   * ``AppSession._call_soon_on_event_loop`` and ``Runtime._enqueued_some_message``
     (``batch_script_events``, called by ``app.py``): a script run's messages reach the event
     loop in batches, one wake-up each, instead of one wake-up per message.

   ``tests/test_compat.py`` has one test per internal that names it and the installed
   version when an upgrade changes it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_LOG = logging.getLogger("gan_lab.guard")

#: Streamlit 1.67's routes (streamlit/web/server/starlette/: starlette_websocket.py,
#: starlette_routes.py), relative to server.baseUrlPath.
ROUTE_STREAM = "_stcore/stream"
ROUTE_UPLOAD = "_stcore/upload_file"

#: A browser's largest message is a rerun request with every widget's state: ~1-2 kB on the
#: explorer (bench/hostile.py measures it). 64 kB leaves a wide margin.
MAX_CLIENT_MESSAGE_BYTES = 64 * 1024
#: Messages a connection may send at once, and the sustained rate (per second). A person
#: clicking, typing and dragging as fast as they can sends a few per second.
MESSAGE_BURST = 40
MESSAGE_RATE = 10.0

#: How long a flooding connection is left unread before it is closed (seconds). A graceful
#: shutdown waits out the rest of it (measured: SIGTERM during a penalty, exit 9 s later),
#: well within k8s terminationGracePeriodSeconds (30 s).
PENALTY_SECONDS = 10.0

#: WebSocket close codes (RFC 6455).
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009

FRAME_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
)

_SLASHES = re.compile(r"/{2,}")


class TokenBucket:
    """``burst`` tokens, refilled at ``rate`` per second; ``take`` spends one if it can.

    ``clock`` is injectable so that tests need no sleeping.
    """

    def __init__(
        self, burst: float, rate: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst = burst
        self.rate = rate
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


def _route(scope: Scope, base: str) -> str:
    """The request path relative to the base URL path, with repeated slashes merged."""
    path = _SLASHES.sub("/", "/" + str(scope.get("path", "")))
    prefix = "/" + base.strip("/") if base.strip("/") else ""
    if prefix and path.startswith(prefix + "/"):
        path = path[len(prefix) :]
    return path.lstrip("/")


class ClientGuard:
    """ASGI middleware: per-connection message limits, no uploads, no framing (see module)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_message_bytes: int = MAX_CLIENT_MESSAGE_BYTES,
        burst: float = MESSAGE_BURST,
        rate: float = MESSAGE_RATE,
        penalty: float = PENALTY_SECONDS,
        base_url: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.app = app
        self.max_message_bytes = max_message_bytes
        self.burst = burst
        self.rate = rate
        self.penalty = penalty
        self._base_url = base_url
        self._clock = clock
        self._sleep = sleep
        self.closed_connections = 0  # for tests and the attack script's report

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            from streamlit import config

            self._base_url = str(config.get_option("server.baseUrlPath") or "")
        return self._base_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind == "http":
            route = _route(scope, self.base_url)
            if route == ROUTE_UPLOAD or route.startswith(ROUTE_UPLOAD + "/"):
                await self._refuse(send)
                return
            await self.app(scope, receive, _with_headers(send))
        elif kind == "websocket" and _route(scope, self.base_url) == ROUTE_STREAM:
            await self._guarded_socket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _refuse(self, send: Send) -> None:
        body = b"File uploads are disabled on this server.\n"
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            *FRAME_HEADERS,
        ]
        await send({"type": "http.response.start", "status": 403, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _guarded_socket(self, scope: Scope, receive: Receive, send: Send) -> None:
        bucket = TokenBucket(self.burst, self.rate, self._clock)
        closed = False
        client = scope.get("client") or ("?", 0)

        async def close(code: int, why: str) -> Message:
            nonlocal closed
            closed = True
            self.closed_connections += 1
            _LOG.warning("closing the WebSocket of %s: %s", client[0], why)
            await send({"type": "websocket.close", "code": code, "reason": why[:100]})
            # What the app sees: the client went away (Streamlit then ends the session's
            # connection as it would for a closed tab).
            return {"type": "websocket.disconnect", "code": code}

        async def guarded_receive() -> Message:
            if closed:
                return {"type": "websocket.disconnect", "code": CLOSE_POLICY}
            msg = await receive()
            if msg.get("type") != "websocket.receive":
                return msg
            data = msg.get("bytes")
            size = len(data) if data is not None else len((msg.get("text") or "").encode())
            if size > self.max_message_bytes:
                return await close(
                    CLOSE_TOO_BIG, f"message of {size} bytes > {self.max_message_bytes}"
                )
            if not bucket.take():
                # Leave the socket unread for a while: uvicorn then stops reading it, and
                # the flood waits in the client's buffers, not in our event loop.
                await self._sleep(self.penalty)
                return await close(
                    CLOSE_POLICY, f"more than {self.burst:g} messages at {self.rate:g}/s"
                )
            return msg

        async def guarded_send(msg: Message) -> None:
            if closed:
                return  # the socket is closed: what the app still sends goes nowhere
            await send(msg)

        await self.app(scope, guarded_receive, guarded_send)


def _with_headers(send: Send) -> Send:
    async def send_with_headers(msg: Message) -> None:
        if msg.get("type") == "http.response.start":
            present = {k.lower() for k, _ in msg.get("headers", [])}
            extra = [(k, v) for k, v in FRAME_HEADERS if k not in present]
            msg = {**msg, "headers": [*msg.get("headers", []), *extra]}
        await send(msg)

    return send_with_headers


def guarded_app(script: str) -> Any:
    """``st.App`` around ``script`` with ``ClientGuard`` in front (used by ``serve.py``)."""
    import streamlit as st
    from starlette.middleware import Middleware

    return st.App(script, middleware=[Middleware(ClientGuard)])


# ----------------------------------------------------------------- session liveness


def session_connected() -> bool:
    """False once the browser of the session running this script has disconnected.

    True outside a server (``AppTest``, the CLI), where there is no session to lose.
    """
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or not Runtime.exists():
        return True
    return bool(Runtime.instance().is_active_session(ctx.session_id))


def stop_if_disconnected() -> None:
    """End this script run (``st.stop``) if its browser has gone: nobody waits for it."""
    if not session_connected():
        import streamlit as st

        _LOG.info("stopping a script run whose session has disconnected")
        st.stop()


# ------------------------------------------------------------------ Plotly internals


def typed_array_spec(a: Any) -> Any:
    """``a`` as Plotly encodes an array for plotly.js (``{"dtype", "bdata"[, "shape"]}`` for a
    numeric numpy array), by ``_plotly_utils.utils.to_typed_array_spec``."""
    from _plotly_utils.utils import to_typed_array_spec

    return to_typed_array_spec(a)


def arrays_to_base64(tree: Any) -> None:
    """Replace, in place, every numpy array in the dicts and lists of ``tree`` by its typed-array
    spec, as Plotly does before writing JSON (``_plotly_utils.utils.convert_to_base64``)."""
    from _plotly_utils.utils import convert_to_base64

    convert_to_base64(tree)


def figure_parts(fig: Any) -> tuple[list[dict], dict, list[dict]]:
    """A built ``go.Figure``'s own trace dicts, layout dict and frame dicts (not copies).

    ``to_dict`` deep-copies them, which was half of an explorer rerun; the JSON encoder only
    reads them. Plotly keeps them in ``fig._data``, ``fig._layout`` and each frame's ``_props``.
    """
    return fig._data, fig._layout, [f._props for f in fig._frame_objs]


def init_figure_unvalidated(fig: Any, spec: dict) -> None:
    """Run ``go.Figure.__init__`` on ``fig`` from a plain spec without Plotly's validation
    (the private ``_validate=False``: the builders' output is validated by the tests)."""
    import plotly.graph_objects as go

    go.Figure.__init__(fig, spec, _validate=False)


# --------------------------------------------------------------- Streamlit internals


def leave_pages_directory_mode() -> bool:
    """Switch the server process out of the old "pages/ directory" multipage mode; True if
    it was still in it (the caller then reruns through ``st.navigation``, see ``ui.boot``).

    Streamlit 1.67 keeps that mode in the class attribute
    ``streamlit.runtime.pages_manager.PagesManager.uses_pages_directory`` until the first
    ``st.navigation`` call clears it.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        return True
    return False


#: Where Streamlit 1.67 serves a v2 component's asset files (starlette_routes.py
#: ``_ROUTE_COMPONENTS_V2``), relative to server.baseUrlPath.
ROUTE_COMPONENT_FILES = "_stcore/bidi-components"


def serve_component_files(package: str, name: str, root: Path, folder: str) -> str | None:
    """Have Streamlit serve the files of ``root / folder`` at
    ``ROUTE_COMPONENT_FILES/<package>.<name>/<file>``; returns that prefix, or None when the
    installed Streamlit no longer has the internals used (then nothing is served).

    Streamlit serves a v2 component's ``asset_dir`` only for components it discovered in an
    installed package's ``pyproject.toml``; the lab is not an installed package, so this
    registers the same manifest by hand with the runtime's component manager
    (``BidiComponentManager.register_from_manifest``). Call it on every script run: it is a
    dict look-up once registered (a fresh runtime, e.g. after a server restart in the same
    process, registers again). The name must be no component's that the lab mounts: a
    manifest entry replaces a mounted component's definition.
    """
    try:
        from streamlit.components.v2.get_bidi_component_manager import (
            get_bidi_component_manager,
        )
        from streamlit.components.v2.manifest_scanner import ComponentConfig, ComponentManifest
        from streamlit.errors import Error as StreamlitError
    except ImportError as e:
        _LOG.warning("cannot serve %s/%s: %r", root, folder, e)
        return None
    try:
        manager = get_bidi_component_manager()
        full = f"{package}.{name}"
        if manager.get_component_path(full) is None:
            manifest = ComponentManifest(
                name=package, version="0", components=[ComponentConfig(name, folder)]
            )
            manager.register_from_manifest(manifest, root)
        if manager.get_component_path(full) != str((root / folder).resolve()):
            return None
    except (StreamlitError, AttributeError, TypeError, ValueError, OSError) as e:
        _LOG.warning("cannot serve %s/%s: %r", root, folder, e)
        return None
    return f"{ROUTE_COMPONENT_FILES}/{full}"


# ------------------------------------------------------- widgets' look-up of their own key

#: The widget modules of Streamlit 1.67 that build the whole ``filtered_state`` to look up
#: their own key (``key in state and state[key] is None``) on every call.
WIDGET_MODULES = (
    "streamlit.elements.widgets.number_input",
    "streamlit.elements.widgets.slider",
    "streamlit.elements.widgets.selectbox",
    "streamlit.elements.widgets.radio",
)


class OwnKeyView(Mapping[str, Any]):
    """What a widget reads of ``SessionState.filtered_state``, one key at a time.

    ``filtered_state`` presents every key of the session (all widgets' values, each
    component's state through a presenter that defines a class per call) to answer a question
    about one: on the explorer that was 10 builds of 34 keys per rerun, ~3.8 ms of ~36 ms
    (bench/rerun_profile.py). A user key's entry in ``filtered_state`` is the session state's
    own ``state[key]`` (both map a widget's key to its id and present its value); internal and
    generated keys, which ``filtered_state`` leaves out or renames, and iteration fall back
    to the whole dict.
    """

    def __init__(self, safe: Any) -> None:
        self._safe = safe  # SafeSessionState: its SessionState behind its lock

    def _whole(self) -> dict[str, Any]:
        return dict(self._safe.filtered_state)

    @staticmethod
    def _special(key: str) -> bool:
        from streamlit.runtime.state.common import is_element_id
        from streamlit.runtime.state.session_state import _is_internal_key

        return is_element_id(key) or _is_internal_key(key)

    def __getitem__(self, key: str) -> Any:
        if self._special(key):
            return self._whole()[key]
        with self._safe._lock:
            return self._safe._state[key]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str) or self._special(key):
            return key in self._whole()
        try:
            self[key]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Any:
        return iter(self._whole())

    def __len__(self) -> int:
        return len(self._whole())


class _WidgetSessionState:
    """``get_session_state()`` for the widget modules: ``filtered_state`` is an ``OwnKeyView``;
    everything else is the session state itself."""

    def __init__(self, safe: Any) -> None:
        self._safe = safe

    @property
    def filtered_state(self) -> OwnKeyView:
        return OwnKeyView(self._safe)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._safe, name)


_OWN_KEY: set[Callable[[], Any]] = set()  # the replacements installed


def widgets_look_up_own_key() -> list[str]:
    """Have the widgets of ``WIDGET_MODULES`` look up only their own key in the session state
    (``OwnKeyView``); returns the modules patched (all of them, or none if one no longer
    imports ``get_session_state``: then nothing changes). Idempotent."""
    import importlib

    modules = [importlib.import_module(name) for name in WIDGET_MODULES]
    if not all(callable(getattr(m, "get_session_state", None)) for m in modules):
        _LOG.warning("widgets' session-state look-up not patched: Streamlit changed")
        return []
    for m in modules:
        original = m.get_session_state
        if original in _OWN_KEY:
            continue

        def own_key(original: Callable[[], Any] = original) -> Any:
            return _WidgetSessionState(original())

        _OWN_KEY.add(own_key)
        setattr(m, "get_session_state", own_key)  # noqa: B010 - a module's global, by name
    return list(WIDGET_MODULES)


# ------------------------------------------------------ the script thread's wake-ups

_BATCH_LOG = logging.getLogger("gan_lab.batched_events")


class EventBatch:
    """A session's script-thread events, run on the event loop in order, one wake-up per batch.

    Streamlit 1.67 hands every event of a script run (each of the ~60 messages of an explorer
    rerun) to the event loop with its own ``call_soon_threadsafe``: a write to the loop's
    wake-up pipe and a loop iteration per message, while the script thread and the loop take
    turns at the GIL. Queued here, the events of a burst go over in one call; they run in the
    order they were sent, each on its own (one that raises is logged, as asyncio logs a
    failed callback, and the rest still run), and a batch that arrives while one runs waits
    for the next loop iteration, so other sessions are served in between. Measured
    (bench/server_cpu.py, 20 sessions moving controls back to back, three alternated rounds):
    25.4 → 22.5 ms of server CPU per rerun (median); with 10 sessions within the noise.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._lock = threading.Lock()
        self._pending: list[Callable[[], None]] = []
        self._scheduled = False
        self.wakeups = 0  # loop wake-ups asked for (for tests)

    def call_soon(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` on the loop after every callback queued before it."""
        with self._lock:
            self._pending.append(callback)
            if self._scheduled:
                return
            self._scheduled = True
            self.wakeups += 1
        try:
            self.loop.call_soon_threadsafe(self._drain)
        except RuntimeError:  # the loop has closed (shutdown): drop, as Streamlit does
            with self._lock:
                self._pending.clear()
                self._scheduled = False
            if not self.loop.is_closed():
                raise

    def _drain(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
            self._scheduled = False
        for callback in batch:
            try:
                callback()
            except Exception:
                _BATCH_LOG.exception("a script event's handler failed")


def _batched_call_soon(session: Any, callback: Callable[[], None]) -> None:
    """``AppSession._call_soon_on_event_loop``, through the session's ``EventBatch``."""
    batch = session.__dict__.get("_lab_events")
    if batch is None or batch.loop is not session._event_loop:
        batch = session.__dict__["_lab_events"] = EventBatch(session._event_loop)
    batch.call_soon(callback)


def _enqueued_some_message(runtime: Any) -> None:
    """``Runtime._enqueued_some_message``: on the loop's own thread the "send data" event is
    set directly (Streamlit wrote to the wake-up pipe for it from any thread)."""
    objs = runtime._get_async_objs()
    try:
        on_loop = asyncio.get_running_loop() is objs.eventloop
    except RuntimeError:
        on_loop = False
    if on_loop:
        objs.need_send_data.set()
    else:
        objs.eventloop.call_soon_threadsafe(objs.need_send_data.set)


def batch_script_events() -> bool:
    """Install ``EventBatch`` for every session and ``_enqueued_some_message`` (idempotent);
    False, and nothing changed, if Streamlit no longer has the methods they replace."""
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.runtime import Runtime

    if AppSession.__dict__.get("_call_soon_on_event_loop") is _batched_call_soon:
        return True
    if not (
        callable(AppSession.__dict__.get("_call_soon_on_event_loop"))
        and callable(Runtime.__dict__.get("_enqueued_some_message"))
    ):
        _LOG.warning("script events not batched: Streamlit changed")
        return False
    setattr(AppSession, "_call_soon_on_event_loop", _batched_call_soon)  # noqa: B010
    setattr(Runtime, "_enqueued_some_message", _enqueued_some_message)  # noqa: B010
    return True
