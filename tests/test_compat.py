"""ui/compat.py: the guard in front of the server and the session-liveness check.

The first group of tests names the Streamlit internal each part relies on; after a Streamlit
upgrade, the one that fails says what changed (the guard then silently stops guarding, so
these must fail loudly). The second group drives ``ClientGuard`` as an ASGI app with a fake
inner app and a fake clock (no sleeping, no timing). The last group runs the real entry
point, ``streamlit run serve.py``, and attacks it (loopback, bounded).
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import importlib.metadata
import inspect
import threading
import types
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest
import websockets
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.appserver import serve
from tests.streamlit_session import StreamlitSession, rerun_bytes, upload_refused
from ui import compat, live_chart
from ui.compat import (
    CLOSE_POLICY,
    CLOSE_TOO_BIG,
    MESSAGE_BURST,
    MESSAGE_RATE,
    ROUTE_STREAM,
    ROUTE_UPLOAD,
    ClientGuard,
)

ROOT = Path(__file__).resolve().parents[1]

# ------------------------------------------------ what the guard needs from Streamlit


def test_streamlit_app_takes_asgi_middleware() -> None:
    """serve.py wraps app.py in ``st.App(..., middleware=[...])`` (public since 1.5x)."""
    import streamlit as st

    assert hasattr(st, "App"), "st.App is gone: serve.py cannot add the guard"
    assert "middleware" in inspect.signature(st.App).parameters, (
        "st.App no longer takes middleware: ClientGuard cannot be installed"
    )


def test_streamlit_run_serves_serve_py_as_an_asgi_app() -> None:
    """``streamlit run serve.py`` must detect the App; otherwise it would run serve.py as a
    page script and the lab would be served without the guard (and without its pages)."""
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(ROOT / "serve.py")
    assert found.is_asgi_app, "streamlit run no longer recognises serve.py's st.App"
    assert found.app_name == "app"


def test_streamlit_routes_are_where_the_guard_looks() -> None:
    """The WebSocket and upload routes the guard matches are Streamlit's own."""
    from streamlit.web.server.server import UPLOAD_FILE_ENDPOINT
    from streamlit.web.server.starlette.starlette_websocket import create_websocket_routes

    paths = [r.path for r in create_websocket_routes(None, "")]  # type: ignore[arg-type]
    assert paths == ["/" + ROUTE_STREAM], f"WebSocket route moved: {paths}"
    assert UPLOAD_FILE_ENDPOINT == "/" + ROUTE_UPLOAD, f"upload route moved: {UPLOAD_FILE_ENDPOINT}"


def test_session_liveness_uses_existing_runtime_api() -> None:
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner_utils.script_run_context import (
        ScriptRunContext,
        get_script_run_ctx,
    )

    assert callable(Runtime.exists) and callable(Runtime.instance)
    assert callable(Runtime.is_active_session), "Runtime.is_active_session is gone"
    assert "suppress_warning" in inspect.signature(get_script_run_ctx).parameters
    assert "session_id" in {f.name for f in __import__("dataclasses").fields(ScriptRunContext)}


def test_session_connected_outside_a_server_is_true() -> None:
    assert compat.session_connected()  # no runtime, no script: nothing to lose


def test_session_connected_follows_the_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a runtime, the answer is ``is_active_session`` of the script's own session."""
    import streamlit.runtime as rt
    import streamlit.runtime.scriptrunner_utils.script_run_context as src

    class Ctx:
        session_id = "s-1"

    active: set[str] = {"s-1"}

    class FakeRuntime:
        @staticmethod
        def exists() -> bool:
            return True

        @staticmethod
        def instance() -> Any:
            return FakeRuntime

        @staticmethod
        def is_active_session(sid: str) -> bool:
            return sid in active

    monkeypatch.setattr(src, "get_script_run_ctx", lambda suppress_warning=False: Ctx())
    monkeypatch.setattr(rt, "Runtime", FakeRuntime)
    assert compat.session_connected()
    active.clear()
    assert not compat.session_connected()


# ------------------------------------- Plotly and Streamlit internals behind ui/compat.py


def _changed(internal: str, package: str) -> str:
    """What a failure says: which internal broke, in which installed version."""
    return (
        f"{internal} changed in {package} {importlib.metadata.version(package)}: "
        "adapt ui/compat.py (or drop the speed-up that uses it)"
    )


def test_plotly_typed_array_spec_still_encodes_numpy_arrays() -> None:
    """``_plotly_utils.utils.to_typed_array_spec``: a numeric array → dtype, base64 bytes and,
    for 2-D, the shape (ui.figures.spec writes the same format without calling it)."""
    what = "_plotly_utils.utils.to_typed_array_spec"
    try:
        flat = compat.typed_array_spec(np.array([1.5, -2.0]))
        grid = compat.typed_array_spec(np.arange(6, dtype=np.int32).reshape(2, 3))
    except (ImportError, AttributeError, TypeError) as e:
        pytest.fail(f"{_changed(what, 'plotly')}: {e!r}")
    want = base64.b64encode(np.array([1.5, -2.0]).tobytes()).decode()
    assert flat == {"dtype": "f8", "bdata": want}, _changed(what, "plotly") + f": {flat!r}"
    assert isinstance(grid, dict) and grid.get("shape") == "2, 3", (
        _changed(what, "plotly") + f": {grid!r}"
    )


def test_plotly_convert_to_base64_still_encodes_arrays_in_place() -> None:
    """``_plotly_utils.utils.convert_to_base64``: every array in nested dicts and lists, in place
    (how ``SpecFigure.to_dict`` encodes its plain animation frames)."""
    what = "_plotly_utils.utils.convert_to_base64"
    tree = {"frames": [{"data": [{"x": np.array([1.0, 2.0])}]}]}
    try:
        compat.arrays_to_base64(tree)
    except (ImportError, AttributeError, TypeError) as e:
        pytest.fail(f"{_changed(what, 'plotly')}: {e!r}")
    x = tree["frames"][0]["data"][0]["x"]
    want = base64.b64encode(np.array([1.0, 2.0]).tobytes()).decode()
    assert x == {"dtype": "f8", "bdata": want}, _changed(what, "plotly") + f": {x!r}"


def test_plotly_figure_keeps_its_own_dicts_where_figure_json_reads_them() -> None:
    """``fig._data``, ``fig._layout``, ``frame._props``: the figure's live dicts, equal to what
    ``to_dict`` returns (``figure_json`` encodes them without ``to_dict``'s copies)."""
    what = "go.Figure._data / _layout / _frame_objs[i]._props"
    fig = go.Figure(
        data=[go.Scatter(x=[1, 2], y=[3, 4])],
        layout=dict(height=300),
        frames=[dict(name="a", data=[dict(type="scatter", x=[1])])],
    )
    try:
        data, layout, frames = compat.figure_parts(fig)
    except AttributeError as e:
        pytest.fail(f"{_changed(what, 'plotly')}: {e!r}")
    full = fig.to_dict()
    assert (data, layout, frames) == (full["data"], full["layout"], full["frames"]), _changed(
        what, "plotly"
    )
    fig.update_layout(height=400)
    assert layout["height"] == 400, _changed(what, "plotly") + ": no longer the figure's own dict"


def test_plotly_figure_constructor_still_skips_validation_on_request() -> None:
    """``go.Figure(spec, _validate=False)``: builds from a plain spec without validating it
    (an unknown property is kept as it is instead of raising)."""
    what = "go.Figure(..., _validate=False)"
    fig = go.Figure.__new__(go.Figure)
    spec = {"data": [{"type": "scatter", "x": [1], "bogus": 3}], "layout": {"height": 300}}
    try:
        compat.init_figure_unvalidated(fig, spec)
    except (TypeError, ValueError) as e:
        pytest.fail(f"{_changed(what, 'plotly')}: {e!r}")
    out = fig.to_dict()
    assert out["data"] == [{"type": "scatter", "x": [1], "bogus": 3}], _changed(what, "plotly")
    assert out["layout"]["height"] == 300, _changed(what, "plotly")


def test_streamlit_pages_manager_still_flags_the_pages_directory_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``PagesManager.uses_pages_directory``: the class flag ``st.navigation`` clears; ui.boot
    clears it itself so that a first deep link runs through app.py."""
    what = "streamlit.runtime.pages_manager.PagesManager.uses_pages_directory"
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError as e:
        pytest.fail(f"{_changed(what, 'streamlit')}: {e!r}")
    assert hasattr(PagesManager, "uses_pages_directory"), _changed(what, "streamlit")
    import streamlit.commands.navigation as navigation

    assert "uses_pages_directory" in inspect.getsource(navigation), (
        _changed(what, "streamlit") + ": st.navigation no longer clears it"
    )
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)
    assert compat.leave_pages_directory_mode()
    assert not PagesManager.uses_pages_directory
    assert not compat.leave_pages_directory_mode()  # once out, nothing to do


@pytest.mark.parametrize("name", compat.WIDGET_MODULES)
def test_streamlit_widgets_still_read_filtered_state_for_their_own_key(name: str) -> None:
    """``widgets_look_up_own_key``: each of these widget modules imports ``get_session_state``
    and builds ``get_session_state().filtered_state`` to look up its own key; the patch
    replaces that module global. After an upgrade that changes it, the speed-up is gone."""
    what = f"{name}.get_session_state().filtered_state"
    module = importlib.import_module(name)
    assert callable(getattr(module, "get_session_state", None)), _changed(what, "streamlit")
    assert "get_session_state().filtered_state" in inspect.getsource(module), _changed(
        what, "streamlit"
    )


def _own_key_script() -> None:
    """An app whose widgets read keys set to None, a value, or nothing, and that compares the
    own-key view with the whole ``filtered_state`` for every key."""
    import streamlit as st
    from streamlit.runtime.state import get_session_state

    from ui.compat import OwnKeyView, widgets_look_up_own_key

    widgets_look_up_own_key()
    if "n_none" not in st.session_state:
        st.session_state["n_none"] = None
        st.session_state["s_none"] = None
        st.session_state["plain"] = 3
    st.number_input("n none", key="n_none")
    st.number_input("n", key="n_set", value=2.5)
    st.selectbox("s none", ["a", "b"], key="s_none")
    st.radio("r", ["x", "y"], key="r_set", index=1)
    st.slider("sl", 0, 10, key="sl")
    st.number_input("no key", value=1)
    safe = get_session_state()
    whole = safe.filtered_state
    view = OwnKeyView(safe)
    mism = [k for k in whole if k not in view or view[k] != whole[k]]
    mism += [k for k in ("absent", "$$ID-0-None") if (k in view) != (k in whole)]
    st.session_state["report"] = {"mismatch": mism, "keys": sorted(whole), "n": len(view)}


def test_widgets_see_their_own_key_as_in_the_whole_filtered_state() -> None:
    """The own-key view answers every key as ``filtered_state`` does, and widgets whose state
    is None still show None (what the look-up is for)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_own_key_script)
    for _ in range(2):  # the first run and a rerun (widget ids known)
        at.run()
        assert not at.exception, at.exception
        report = at.session_state["report"]
        assert report["mismatch"] == [], report
        assert {"n_none", "n_set", "s_none", "r_set", "sl", "plain"} <= set(report["keys"])
        assert at.number_input(key="n_none").value is None
        assert at.selectbox(key="s_none").value is None
        assert at.number_input(key="n_set").value == 2.5
        assert at.radio(key="r_set").value == "y"
    mod = importlib.import_module(compat.WIDGET_MODULES[0])
    assert mod.get_session_state in compat._OWN_KEY  # the patch is what the widgets call


def test_streamlit_still_wakes_the_loop_per_script_event() -> None:
    """``batch_script_events``: a session hands each script-thread event to the loop with
    ``AppSession._call_soon_on_event_loop`` (a ``call_soon_threadsafe`` on ``_event_loop``),
    and ``Runtime._enqueued_some_message`` sets ``need_send_data`` of ``_get_async_objs()``.
    After an upgrade that changes either, the batching is gone (or would call the wrong
    thing)."""
    from streamlit.runtime import app_session, runtime

    what = "streamlit.runtime.app_session.AppSession._call_soon_on_event_loop"
    session_src = inspect.getsource(app_session.AppSession)
    assert "def _call_soon_on_event_loop(self, callback" in session_src, _changed(what, "streamlit")
    assert "self._event_loop.call_soon_threadsafe(callback)" in session_src, _changed(
        what, "streamlit"
    )
    assert "self._call_soon_on_event_loop(" in inspect.getsource(
        app_session.AppSession._on_scriptrunner_event
    ), _changed(what, "streamlit") + ": script events no longer go through it"
    what = "streamlit.runtime.runtime.Runtime._enqueued_some_message"
    src = inspect.getsource(runtime.Runtime)
    assert "def _enqueued_some_message(self)" in src, _changed(what, "streamlit")
    assert "call_soon_threadsafe(async_objs.need_send_data.set)" in src, _changed(what, "streamlit")
    fields = getattr(runtime.AsyncObjects, "__annotations__", {})
    assert {"eventloop", "need_send_data"} <= set(fields), _changed(what, "streamlit")
    assert compat.batch_script_events()
    assert app_session.AppSession._call_soon_on_event_loop is compat._batched_call_soon


@contextmanager
def _loop_thread() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def _settle(loop: asyncio.AbstractEventLoop) -> None:
    """Return once the loop has run everything queued before this call (twice: a batch
    queued while one ran runs on the next iteration)."""
    for _ in range(3):
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop).result(5)


def test_script_events_run_in_order_with_few_wakeups_and_survive_a_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[int] = []

    def boom() -> None:
        raise ValueError("a handler failed")

    with _loop_thread() as loop:
        batch = compat.EventBatch(loop)
        gate = threading.Event()
        # the loop is held busy while the script thread sends: every event queues up
        loop.call_soon_threadsafe(gate.wait, 5)
        for i in range(200):
            batch.call_soon(lambda i=i: seen.append(i))
            if i == 100:
                batch.call_soon(boom)
        gate.set()
        _settle(loop)
    assert seen == list(range(200))  # in order, the failure logged and passed over
    assert batch.wakeups == 1  # one wake-up for the whole burst (Streamlit: 201)
    assert "a handler failed" in caplog.text


def test_an_event_queued_during_a_batch_runs_after_it_on_a_later_iteration() -> None:
    order: list[str] = []
    with _loop_thread() as loop:
        batch = compat.EventBatch(loop)
        gate = threading.Event()
        loop.call_soon_threadsafe(gate.wait, 5)

        def first() -> None:
            order.append("first")
            loop.call_soon(lambda: order.append("another loop callback"))
            batch.call_soon(lambda: order.append("queued by first"))

        batch.call_soon(first)
        batch.call_soon(lambda: order.append("second"))
        gate.set()
        _settle(loop)
    # the batch in hand runs whole; what it queued waits its turn behind the loop's others
    assert order == ["first", "second", "another loop callback", "queued by first"]
    assert batch.wakeups == 2


def test_send_data_is_set_directly_on_the_loop_and_through_it_from_other_threads() -> None:
    with _loop_thread() as loop:
        objs = types.SimpleNamespace(eventloop=loop, need_send_data=None)

        async def make_event() -> asyncio.Event:
            return asyncio.Event()

        objs.need_send_data = asyncio.run_coroutine_threadsafe(make_event(), loop).result(5)
        rt = types.SimpleNamespace(_get_async_objs=lambda: objs)

        async def on_loop() -> bool:
            compat._enqueued_some_message(rt)
            return objs.need_send_data.is_set()  # no await in between: set synchronously

        assert asyncio.run_coroutine_threadsafe(on_loop(), loop).result(5)
        loop.call_soon_threadsafe(objs.need_send_data.clear)
        _settle(loop)
        compat._enqueued_some_message(rt)  # from this (another) thread: through the loop
        _settle(loop)
        assert objs.need_send_data.is_set()


def test_streamlit_serves_the_live_charts_plotly_build(tmp_path: Path) -> None:
    """``serve_component_files``: Streamlit's v2 component manager serves a registered
    ``asset_dir`` at ``_stcore/bidi-components/<package>.<name>/``. Without it every chart
    falls back to st.plotly_chart (remounts, no clicks): an upgrade that changes the manager
    or the route must fail here, not silently degrade."""
    what = "streamlit.components.v2 BidiComponentManager.register_from_manifest"
    from streamlit.components.v2.component_manager import BidiComponentManager
    from streamlit.web.server.starlette import starlette_routes

    assert hasattr(BidiComponentManager, "register_from_manifest"), _changed(what, "streamlit")
    route = getattr(starlette_routes, "_ROUTE_COMPONENTS_V2", "")
    assert route.endswith(f"{compat.ROUTE_COMPONENT_FILES}/{{path:path}}"), (
        _changed("streamlit's route of component files", "streamlit") + f": {route!r}"
    )
    (tmp_path / "files").mkdir()
    prefix = compat.serve_component_files("pkg", "files", tmp_path, "files")
    assert prefix == f"{compat.ROUTE_COMPONENT_FILES}/pkg.files", _changed(what, "streamlit")
    # a folder that is not there: nothing served, no exception
    assert compat.serve_component_files("pkg", "missing", tmp_path, "missing") is None
    served = f"{compat.ROUTE_COMPONENT_FILES}/gan_lab.{live_chart.PLOTLY_DIR}"
    bundle = live_chart.PLOTLY_BUNDLE
    assert bundle == f"{served}/{live_chart.PLOTLY_FILE}"


def test_the_live_charts_plotly_build_is_served_by_a_running_server() -> None:
    """The file itself over HTTP, from ``streamlit run app.py`` once a page has run (the
    browser tests check that the charts draw with it)."""
    body = (live_chart.HERE / live_chart.PLOTLY_DIR / live_chart.PLOTLY_FILE).read_bytes()
    with serve() as url:
        url_of = f"{url}/{live_chart.PLOTLY_BUNDLE}"
        with pytest.raises(urllib.error.HTTPError):  # nothing before a script has run
            urllib.request.urlopen(url_of, timeout=30)

        async def first_run() -> None:
            session = StreamlitSession(url, "compare")
            try:
                assert not (await session.connect()).exceptions
            finally:
                await session.close()

        run(first_run())  # on its own thread: Playwright's loop may hold the main one
        with urllib.request.urlopen(url_of, timeout=30) as r:
            # a JavaScript MIME type, or the browser refuses it as a module
            kind = r.headers["Content-Type"].split(";")[0]
            assert kind in ("text/javascript", "application/javascript"), kind
            assert r.read() == body


# ----------------------------------------------------------- the guard as an ASGI app


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def run(coro: Any) -> Any:
    """``asyncio.run`` on a thread of its own: in a full run the browser tests' Playwright
    (sync API, session-wide) keeps an event loop running on the main thread, where
    ``asyncio.run`` refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def http_call(guard: ClientGuard, path: str, method: str = "GET") -> tuple[int, dict]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(msg: dict) -> None:
        sent.append(msg)

    await guard({"type": "http", "path": path, "method": method}, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}


class InnerApp:
    """Stands in for Streamlit: answers HTTP with 200, reads a WebSocket until it ends."""

    def __init__(self) -> None:
        self.calls = 0
        self.received: list[bytes] = []
        self.ended_with: dict | None = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        self.calls += 1
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
            return
        while True:
            msg = await receive()
            if msg["type"] != "websocket.receive":
                self.ended_with = msg
                return
            self.received.append(msg["bytes"])
            await send({"type": "websocket.send", "bytes": b"reply"})


@pytest.mark.parametrize(
    "path",
    [
        "/_stcore/upload_file/sess/file",
        "/_stcore/upload_file",
        "//_stcore//upload_file/sess/file",
        "/lab/_stcore/upload_file/sess/file",
    ],
)
@pytest.mark.parametrize("method", ["PUT", "POST", "GET", "DELETE"])
def test_upload_route_is_refused(path: str, method: str) -> None:
    inner = InnerApp()
    base = "lab" if path.startswith("/lab") else ""
    status, headers = run(http_call(ClientGuard(inner, base_url=base), path, method))
    assert status == 403
    assert inner.calls == 0, "the request reached Streamlit"
    assert headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", ["/", "/compare", "/_stcore/health", "/static/js/x.js"])
def test_every_response_forbids_framing(path: str) -> None:
    inner = InnerApp()
    status, headers = run(http_call(ClientGuard(inner, base_url=""), path))
    assert status == 200 and inner.calls == 1
    assert headers["x-frame-options"] == "DENY"
    assert headers["content-security-policy"] == "frame-ancestors 'none'"


async def ws_session(guard: ClientGuard, frames: list[bytes], clock: FakeClock, dt: float):
    """Feed ``frames`` (one per ``dt`` seconds of the fake clock); return what was sent."""
    queue = frames  # consumed in place: a test can see how much was read
    sent: list[dict] = []

    async def receive() -> dict:
        if not queue:
            return {"type": "websocket.disconnect", "code": 1000}
        clock.t += dt
        return {"type": "websocket.receive", "bytes": queue.pop(0)}

    async def send(msg: dict) -> None:
        sent.append(msg)

    await guard({"type": "websocket", "path": "/" + ROUTE_STREAM, "client": ("1.2.3.4", 1)},
                receive, send)  # fmt: skip
    return sent


def test_a_flood_from_one_socket_is_cut_off_after_the_burst() -> None:
    inner, clock = InnerApp(), FakeClock()
    naps: list[float] = []
    reads_at_nap: list[int] = []
    frames = [b"rerun"] * (MESSAGE_BURST + 50)

    async def nap(seconds: float) -> None:  # records the penalty instead of waiting
        naps.append(seconds)
        reads_at_nap.append(MESSAGE_BURST + 50 - len(queue))

    queue = frames
    guard = ClientGuard(inner, base_url="", clock=clock, sleep=nap)
    sent = run(ws_session(guard, queue, clock, dt=0.0))
    assert len(inner.received) == MESSAGE_BURST, "the app saw more than the burst"
    assert naps == [compat.PENALTY_SECONDS], "no penalty before the close"
    assert reads_at_nap == [MESSAGE_BURST + 1], "it went on reading the flood"
    assert len(queue) == 49, "it read the flood after the penalty"
    assert inner.ended_with == {"type": "websocket.disconnect", "code": CLOSE_POLICY}
    closes = [m for m in sent if m["type"] == "websocket.close"]
    assert [m["code"] for m in closes] == [CLOSE_POLICY]
    assert sent[-1]["type"] == "websocket.close", "the app sent on a closed socket"


def test_a_person_clicking_fast_is_never_cut_off() -> None:
    """A message every 1/RATE seconds, forever: within the sustained rate."""
    inner, clock = InnerApp(), FakeClock()
    guard = ClientGuard(inner, base_url="", clock=clock)
    n = 20 * MESSAGE_BURST
    sent = run(ws_session(guard, [b"rerun"] * n, clock, dt=1.0 / MESSAGE_RATE))
    assert len(inner.received) == n
    assert not [m for m in sent if m["type"] == "websocket.close"]
    assert guard.closed_connections == 0


def test_an_oversized_message_closes_the_socket() -> None:
    inner, clock = InnerApp(), FakeClock()
    guard = ClientGuard(inner, base_url="", clock=clock, max_message_bytes=1000)
    sent = run(ws_session(guard, [b"x" * 1000, b"x" * 1001, b"x"], clock, dt=1.0))
    assert inner.received == [b"x" * 1000]
    assert [m["code"] for m in sent if m["type"] == "websocket.close"] == [CLOSE_TOO_BIG]


def test_other_websockets_and_lifespan_pass_through() -> None:
    inner = InnerApp()
    guard = ClientGuard(inner, base_url="")

    async def go() -> None:
        async def receive() -> dict:
            return {"type": "lifespan.startup"}

        async def send(msg: dict) -> None:
            pass

        await guard({"type": "lifespan"}, receive, send)

    inner_calls: list[str] = []

    async def lifespan_app(scope: dict, receive: Any, send: Any) -> None:
        inner_calls.append(scope["type"])

    guard.app = lifespan_app
    run(go())
    assert inner_calls == ["lifespan"]


# --------------------------------------------------------- the real entry point, attacked


@pytest.fixture(scope="module")
def guarded() -> Iterator[str]:
    with serve(ROOT / "serve.py") as base:
        yield base


@pytest.mark.slow
def test_served_pages_forbid_framing(guarded: str) -> None:
    with urllib.request.urlopen(guarded + "/", timeout=30) as r:
        assert r.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


@pytest.mark.slow
def test_served_upload_route_refuses_a_real_sessions_put(guarded: str) -> None:
    # A small file: with 1 MB the guard may close the connection while the body is still
    # being sent (also a refusal, see bench/hostile.py), and there is no status to check.
    result = run(upload_refused(guarded, size=1000))
    assert result["status"] == 403 and result["refused"], result


@pytest.mark.slow
def test_served_flood_closes_only_the_flooding_socket(guarded: str) -> None:
    """A socket that floods rerun requests is closed with 1008; another session works on."""

    async def scenario() -> None:
        victim = StreamlitSession(guarded, "explorer")
        attacker = StreamlitSession(guarded, "explorer")
        await victim.connect()
        await attacker.connect()
        payload = rerun_bytes(attacker)
        code = None
        try:
            for _ in range(20 * MESSAGE_BURST):  # bounded: 800 messages at most
                await attacker._ws.send(payload)
            async for _ in attacker._ws:  # the server's replies, then its close
                pass
        except websockets.ConnectionClosed as e:
            code = e.rcvd.code if e.rcvd else None
        code = code or (attacker._ws.close_code if attacker._ws else None)
        assert code == CLOSE_POLICY
        r = await victim.rerun({"steps": ("double_array_value", [120.0])})
        assert not r.exceptions and r.status == ForwardMsg.FINISHED_SUCCESSFULLY
        await victim.close()
        await attacker.close()

    run(scenario())
    try:
        with urllib.request.urlopen(guarded + "/_stcore/health", timeout=30) as r:
            assert r.read() == b"ok"
    except urllib.error.URLError as e:  # pragma: no cover - the failure message
        pytest.fail(f"health after the flood: {e}")


@pytest.mark.slow
def test_served_host_config_trusts_no_framing_origin(guarded: str) -> None:
    """client.allowedOrigins: no origin (Streamlit's default lists its hosted platform's)
    may drive the app by postMessage."""
    import json

    with urllib.request.urlopen(guarded + "/_stcore/host-config", timeout=30) as r:
        assert json.loads(r.read())["allowedOrigins"] == []


def test_production_config_limits() -> None:
    import tomllib

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["client"]["allowedOrigins"] == []
    assert cfg["server"]["maxUploadSize"] == 0
    # Both directions (bench/hostile.py --sizes: the largest server message is 0.9 MB).
    assert 1 <= cfg["server"]["maxMessageSize"] <= 16
    assert cfg["server"]["maxWidgetStateSize"] == 1
    assert "serve.py" in (ROOT / "Dockerfile").read_text().split("ENTRYPOINT", 1)[1]
