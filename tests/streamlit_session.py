"""A simulated browser tab that speaks Streamlit's WebSocket protocol, for tests and benchmarks.

``StreamlitSession`` loads a page as a browser does (``GET`` the page, ``/_stcore/health``,
``/_stcore/host-config``: the XSRF cookie), opens ``/_stcore/stream`` with the subprotocols
``["streamlit", <xsrf token>]``, sends ``BackMsg.rerun_script`` with its widget states and
collects the run's elements up to ``script_finished``. Used by tests/test_fuzz_urls.py and
tests/test_compat.py, and by the load and attack scripts (bench/loadtest.py,
bench/hostile.py), which import it from here: tests never import bench/.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

RERUN_TIMEOUT = 30.0  # a rerun slower than this is a failure (the user reloads the page)
CONNECT_TIMEOUT = 30.0


class ProtocolError(Exception):
    """The server did not answer as a Streamlit server should."""


@dataclass
class RunResult:
    """What one script run sent back."""

    latency: float  # seconds from sending rerun_script to receiving script_finished
    status: int  # ForwardMsg.ScriptFinishedStatus
    elements: list[Element]  # every new element, in order
    query_string: str  # the page's query string after the run (page_info_changed)

    def of_type(self, kind: str) -> list[Any]:
        """The element protos of one type ("markdown", "alert", "slider", ...)."""
        return [getattr(e, kind) for e in self.elements if e.WhichOneof("type") == kind]

    @property
    def exceptions(self) -> list[str]:
        return [f"{x.type}: {x.message}" for x in self.of_type("exception")]

    @property
    def markdown(self) -> list[str]:
        return [m.body for m in self.of_type("markdown")]

    @property
    def alerts(self) -> list[str]:
        return [a.body for a in self.of_type("alert")]

    @property
    def headings(self) -> list[str]:
        return [h.body for h in self.of_type("heading")]

    def widgets(self) -> dict[str, tuple[str, Any]]:
        """Widgets of the run by user key: (element type, proto)."""
        out: dict[str, tuple[str, Any]] = {}
        for e in self.elements:
            kind = e.WhichOneof("type")
            proto = getattr(e, kind) if kind else None
            wid = getattr(proto, "id", "")
            if isinstance(wid, str) and wid.startswith("$$ID-"):
                # Element ids are "$$ID-<hash>-<user key>" (streamlit.elements.lib.utils).
                out[wid.split("-", 2)[2]] = (kind, proto)
        return out


def widget_state(widget_id: str, field_name: str, value: Any) -> WidgetState:
    """A WidgetState proto as the frontend sends it for one widget.

    ``field_name`` is the widget's value field: ``double_array_value`` (slider),
    ``string_array_value`` (select_slider: the *formatted* option, multiselect),
    ``double_value`` / ``int_value`` (number_input), ``string_value`` (selectbox, radio),
    ``bool_value`` (checkbox).
    """
    ws = WidgetState(id=widget_id)
    if field_name in ("double_array_value", "int_array_value", "string_array_value"):
        getattr(ws, field_name).data.extend(value)
    else:
        setattr(ws, field_name, value)
    return ws


class StreamlitSession:
    """One simulated browser tab speaking Streamlit's WebSocket protocol.

    ``base`` is the app's (or the proxy's) http URL; ``page`` the URL path segment of the page
    ("" is the default page, "compare", ...). Widget states set with ``rerun(changes)`` are
    kept and re-sent with every later rerun, as the frontend does.
    """

    def __init__(
        self, base: str, page: str = "", query_string: str = "", source: str | None = None
    ) -> None:
        self.base = base.rstrip("/")
        # the local address to connect from (a loopback address of its own per user)
        self.source = source
        self.page = page
        self.query_string = query_string
        self.page_script_hash = ""
        self.session_id = ""
        self.cookies: dict[str, str] = {}
        self.widget_ids: dict[str, str] = {}
        self.states: dict[str, WidgetState] = {}
        self.last: RunResult | None = None
        self._ws: Any = None

    # ---- HTTP part of a page load (blocking; run in a thread)

    def _get(self, path: str) -> tuple[int, bytes]:
        u = urllib.parse.urlsplit(self.base)
        conn = http.client.HTTPConnection(
            u.hostname,
            u.port,
            timeout=CONNECT_TIMEOUT,
            source_address=(self.source, 0) if self.source else None,
        )
        try:
            headers = {"Cookie": self._cookie_header()} if self.cookies else {}
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            for raw in resp.headers.get_all("Set-Cookie") or []:
                name, _, rest = raw.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return resp.status, body
        finally:
            conn.close()

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _page_load(self) -> None:
        path = "/" + self.page + (f"?{self.query_string}" if self.query_string else "")
        for p in (path, "/_stcore/health", "/_stcore/host-config"):
            status, _ = self._get(p)
            if status != 200:
                raise ProtocolError(f"GET {p}: HTTP {status}")

    # ---- WebSocket

    async def connect(self) -> RunResult:
        """Load the page, open the WebSocket and run the page once (the first render)."""
        await asyncio.to_thread(self._page_load)
        ws_url = "ws" + self.base.removeprefix("http") + "/_stcore/stream"
        # The frontend passes the XSRF cookie's value as the second subprotocol; the server
        # only needs it to trust an auth cookie (this app has none), but we do as it does.
        protocols = ["streamlit"]
        if xsrf := self.cookies.get("_streamlit_xsrf"):
            protocols.append(xsrf)
        headers = {"Origin": self.base}
        if self.cookies:
            headers["Cookie"] = self._cookie_header()
        self._ws = await websockets.connect(
            ws_url,
            subprotocols=protocols,  # type: ignore[arg-type]
            additional_headers=headers,
            max_size=None,
            # Browsers never send WebSocket pings; under load a late pong would make the
            # client library drop a healthy connection.
            ping_interval=None,
            open_timeout=CONNECT_TIMEOUT,
            compression=None,
            **({"local_addr": (self.source, 0)} if self.source else {}),
        )
        if self._ws.subprotocol != "streamlit":
            raise ProtocolError(f"subprotocol {self._ws.subprotocol!r}")
        return await self.rerun()

    async def rerun(
        self,
        changes: Mapping[str, tuple[str, Any]] | None = None,
        *,
        raw_states: Sequence[WidgetState] = (),
        timeout: float = RERUN_TIMEOUT,
    ) -> RunResult:
        """Send ``rerun_script`` and collect the run's messages up to ``script_finished``.

        ``changes`` maps a widget's user key to (value field, value); ``raw_states`` are sent
        as given (ids included), for hostile tests.
        """
        for key, (field_name, value) in (changes or {}).items():
            wid = self.widget_ids.get(key)
            if wid is None:
                raise ProtocolError(f"no widget with key {key!r} on the page")
            self.states[key] = widget_state(wid, field_name, value)
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query_string
        cs.page_script_hash = self.page_script_hash
        cs.page_name = "" if self.page_script_hash else self.page
        cs.widget_states.widgets.extend([*self.states.values(), *raw_states])
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-US"
        cs.context_info.url = f"{self.base}/{self.page}"
        t0 = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        result = await asyncio.wait_for(self._collect(t0), timeout)
        self.last = result
        for key, (_, proto) in result.widgets().items():
            self.widget_ids[key] = proto.id
        return result

    async def _collect(self, t0: float) -> RunResult:
        elements: list[Element] = []
        while True:
            data = await self._ws.recv()
            if isinstance(data, str):
                raise ProtocolError("text frame from the server")
            fm = ForwardMsg()
            fm.ParseFromString(data)
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                # Every run starts with one (st.rerun() included): start collecting afresh.
                elements = []
                self.session_id = fm.new_session.initialize.session_id
            elif kind == "navigation":
                self.page_script_hash = fm.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query_string = fm.page_info_changed.query_string
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                elements.append(fm.delta.new_element)
            elif kind == "ref_hash":
                raise ProtocolError("server sent a cached-message reference we never cached")
            elif kind == "script_finished":
                status = fm.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # st.rerun() in the script: the next run follows at once
                return RunResult(time.perf_counter() - t0, status, elements, self.query_string)

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
            self._ws = None


def rerun_bytes(s: StreamlitSession) -> bytes:
    """The rerun request a browser sends now (every widget's state), serialised."""
    msg = BackMsg()
    cs = msg.rerun_script
    cs.query_string = s.query_string
    cs.page_script_hash = s.page_script_hash
    cs.widget_states.widgets.extend(s.states.values())
    cs.context_info.timezone = "UTC"
    cs.context_info.locale = "en-US"
    return msg.SerializeToString()


async def upload_refused(base: str, size: int = 1_000_000) -> dict[str, Any]:
    """PUT a file of ``size`` bytes to the upload route as a real session would (its id, its
    XSRF cookie and token), as the issue's attack did; 200/204 means it was stored.

    A server that refuses without reading the body may close the connection while the body
    is still being sent: that is a refusal too (status None, ``closed_early``)."""
    s = StreamlitSession(base, "explorer")
    await s.connect()
    body = b"--x\r\nContent-Disposition: form-data; name=file; filename=a\r\n\r\n"
    body += b"0" * size + b"\r\n--x--\r\n"
    headers = {
        "Content-Type": "multipart/form-data; boundary=x",
        "Cookie": s._cookie_header(),
        "X-Xsrftoken": s.cookies.get("_streamlit_xsrf", ""),
        "Origin": base,
    }
    req = urllib.request.Request(
        f"{base}/_stcore/upload_file/{s.session_id}/file-1",
        data=body,
        method="PUT",
        headers=headers,
    )
    status: int | None = None
    closed_early = False
    try:
        with await asyncio.to_thread(urllib.request.urlopen, req, timeout=10) as r:
            status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    except (urllib.error.URLError, ConnectionError) as e:
        reason = getattr(e, "reason", e)
        if not isinstance(reason, ConnectionError):
            raise
        closed_early = True
    await s.close()
    return {
        "status": status,
        "closed_early": closed_early,
        "refused": closed_early or status not in (200, 201, 204),
    }


# ------------------------------------------------------------- the explorer's checks


@lru_cache(maxsize=256)
def expected_rho(h: float) -> str:
    """The SimGD line the explorer shows for learning rate h (default game), from the core."""
    from dynamics.methods import Hyper
    from dynamics.spectrum import spectrum
    from dynamics.variants import make_game

    s = spectrum(make_game("standard"), "simgd", Hyper(lr_gen=h, lr_disc=h)).update
    return f"**SimGD** · ρ = `{s.spectral_radius:.6f}`"
