"""A Streamlit client without a browser: one session over ``/_stcore/stream``, speaking Streamlit's protobufs.

What the front end does, reduced to what the server sees: fetch the page (which, behind ``make
serve``, sets the sticky ``NA_REPLICA`` cookie), open the WebSocket with the ``streamlit``
subprotocol and that cookie, send ``BackMsg.rerun_script`` (a ``ClientState`` with the query string,
the widget states and, for a widget inside an ``st.fragment``, that fragment's id), then read
``ForwardMsg``s until ``script_finished``. Widget ids are read from the ``new_element`` deltas of
each run (``$$ID-<hash>-<key>``: found by their ``key``), with the fragment each belongs to.
Values are what the front end sends: a checkbox a ``bool_value``, a selectbox the formatted option
as ``string_value``, a segmented control the formatted options as ``string_array_value``, a slider
a ``double_array_value``, a button a ``trigger_value``.
"""

from __future__ import annotations

import asyncio
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

#: Script-finished statuses that end a run (the other one, "finished early for rerun", does not).
DONE = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "ok",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile error",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "ok",
}


class ProtocolError(RuntimeError):
    """The server answered, but not with a clean run (an exception box, a compile error, a closed socket)."""


@dataclass
class Widget:
    """A widget as the last run drew it."""

    key: str
    id: str
    kind: str
    fragment_id: str
    element: Any


@dataclass
class RunResult:
    """What one script run sent: widgets by key, texts shown, download URLs, exceptions, bytes."""

    widgets: dict[str, Widget] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    bytes_in: int = 0
    messages: int = 0


def _http_get(url: str, cookie: str | None, timeout: float) -> tuple[bytes, str | None]:
    headers = {"Cookie": cookie} if cookie else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as r:
        body = r.read()
        set_cookie = r.headers.get("Set-Cookie")
    return body, set_cookie.split(";", 1)[0] if set_cookie else cookie


class StreamlitSession:
    """One Streamlit session of one simulated visitor (``await connect()``, then ``rerun(...)``)."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        parts = urlsplit(base_url)
        if parts.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError(f"load is only generated against this machine, not {parts.hostname}")
        self.base = base_url.rstrip("/")
        self.ws_url = f"ws://{parts.netloc}/_stcore/stream"
        self.timeout = timeout
        self.cookie: str | None = None
        self.ws: websockets.ClientConnection | None = None
        self.states: dict[str, WidgetState] = {}
        self.widgets: dict[str, Widget] = {}
        self.query_string = ""

    async def get(self, path: str) -> bytes:
        """An HTTP GET on the same origin with this visitor's cookie (kept when the proxy sets one)."""
        body, self.cookie = await asyncio.to_thread(_http_get, self.base + path, self.cookie, self.timeout)
        return body

    async def connect(self, query_string: str = "") -> RunResult:
        """Load the page, open the WebSocket and run the script once, as a browser does on arrival."""
        await self.get("/")
        headers = {"Origin": self.base, **({"Cookie": self.cookie} if self.cookie else {})}
        self.ws = await websockets.connect(
            self.ws_url,
            subprotocols=[websockets.Subprotocol("streamlit")],
            additional_headers=headers,
            max_size=None,
            open_timeout=self.timeout,
            compression=None,
        )
        self.query_string = query_string
        return await self.rerun()

    async def close(self) -> None:
        """Close the WebSocket (the server then ends the session)."""
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    def state(self, key: str, **value: Any) -> WidgetState:
        """A widget state for the widget with ``key`` (as drawn by the last run), e.g. ``bool_value=True``."""
        w = self.widgets.get(key)
        if w is None:
            raise ProtocolError(f"no widget with key {key!r} on the page")
        s = WidgetState(id=w.id)
        for name, v in value.items():
            target = getattr(s, name, None)
            if hasattr(target, "data"):  # DoubleArray / StringArray
                target.data.extend(v)
            else:
                setattr(s, name, v)
        return s

    async def rerun(self, *changes: WidgetState, fragment_key: str | None = None) -> RunResult:
        """Send the widget states (the stored ones plus ``changes``) and read until the run finishes.

        ``fragment_key``: the key of a widget inside an ``st.fragment``; the run is then that fragment's
        only, as the front end asks for when such a widget changes."""
        if self.ws is None:
            raise ProtocolError("not connected")
        for s in changes:
            if not s.HasField("trigger_value") or not s.trigger_value:
                self.states[s.id] = s
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query_string
        sent = {s.id: s for s in (*self.states.values(), *changes)}
        cs.widget_states.widgets.extend(sent.values())
        if fragment_key:
            cs.fragment_id = self.widgets[fragment_key].fragment_id
        await self.ws.send(msg.SerializeToString())
        result = RunResult()
        async with asyncio.timeout(self.timeout):
            while True:
                try:
                    data = await self.ws.recv()
                except websockets.ConnectionClosed as exc:
                    raise ProtocolError(f"connection closed: {exc}") from exc
                result.bytes_in += len(data)
                result.messages += 1
                fm = ForwardMsg()
                fm.ParseFromString(data)
                kind = fm.WhichOneof("type")
                if kind == "delta":
                    self._read_delta(fm, result)
                elif kind == "page_info_changed":  # the app wrote st.query_params; the URL follows
                    self.query_string = fm.page_info_changed.query_string
                elif kind == "script_finished" and fm.script_finished in DONE:
                    if DONE[fm.script_finished] != "ok":
                        raise ProtocolError(DONE[fm.script_finished])
                    break
        self.widgets.update(result.widgets)
        if not fragment_key:  # like the front end: forget widgets the full run no longer drew
            live = {w.id for w in result.widgets.values()}
            self.states = {k: v for k, v in self.states.items() if k in live}
            self.widgets = dict(result.widgets)
        if result.exceptions:
            raise ProtocolError("exception on the page: " + result.exceptions[0][:300])
        return result

    async def burst(self, changes: list[WidgetState], *, quiet_s: float = 0.5) -> int:
        """Send one rerun request per change without waiting (a user hammering a widget).

        Streamlit's runner keeps one script run per session: a request that arrives during a run
        stops it and starts over with the newest states. Reads until a run finished cleanly and the
        socket has been quiet for ``quiet_s``; returns how many runs finished cleanly."""
        if self.ws is None:
            raise ProtocolError("not connected")
        for s in changes:
            self.states[s.id] = s
            msg = BackMsg()
            msg.rerun_script.query_string = self.query_string
            msg.rerun_script.widget_states.widgets.extend(self.states.values())
            await self.ws.send(msg.SerializeToString())
        clean = 0
        async with asyncio.timeout(self.timeout):
            while True:
                try:
                    data = await asyncio.wait_for(self.ws.recv(), quiet_s if clean else None)
                except TimeoutError:
                    return clean
                except websockets.ConnectionClosed as exc:
                    raise ProtocolError(f"connection closed: {exc}") from exc
                fm = ForwardMsg()
                fm.ParseFromString(data)
                if fm.WhichOneof("type") == "script_finished" and DONE.get(fm.script_finished) == "ok":
                    clean += 1

    @staticmethod
    def _read_delta(fm: ForwardMsg, result: RunResult) -> None:
        delta = fm.delta
        if delta.WhichOneof("type") != "new_element":
            return
        el = delta.new_element
        kind = el.WhichOneof("type")
        if kind is None:
            return
        sub = getattr(el, kind)
        if kind == "exception":
            result.exceptions.append(f"{sub.type}: {sub.message}")
        elif kind in ("markdown", "html", "alert"):
            result.texts.append(sub.body)
        if kind == "download_button" and sub.url:
            result.downloads.append(sub.url)
        wid = getattr(sub, "id", "")
        if isinstance(wid, str) and wid.startswith("$$ID-"):
            key = wid.split("-", 2)[2]
            result.widgets[key] = Widget(key, wid, kind, delta.fragment_id, sub)
