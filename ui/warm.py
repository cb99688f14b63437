"""Warm a freshly started Streamlit server before anyone is told it is up.

A server's first page pays for what later pages find done: importing pandas, Altair and
SQLAlchemy, opening the engine, the first queries, Altair's schema, Streamlit's own first run.
`warm_up` opens one headless session over Streamlit's websocket protocol (the messages a browser
sends, nothing more) and runs the default page once, in the server process itself, so all of that
and the cached data of the default view are ready for the first visitor. Loopback only; never
raises: a failed warm-up only means a slower first page.
"""

from __future__ import annotations

import time

FINISHED_EARLY_FOR_RERUN = 2  # ForwardMsg.script_finished: the run was replaced by another one


def warm_up(port: int, *, host: str = "127.0.0.1", query: str = "", timeout: float = 60) -> float | None:
    """Run the app's default page once in a session of its own; seconds it took, None on failure."""
    try:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from websockets.sync.client import connect
    except ImportError:  # pragma: no cover - both come with streamlit
        return None
    started = time.monotonic()
    deadline = started + timeout
    try:
        with connect(
            f"ws://{host}:{port}/_stcore/stream",
            subprotocols=["streamlit"],
            proxy=None,  # loopback: never through a proxy from the environment
            max_size=None,
            open_timeout=min(10, timeout),
        ) as ws:
            rerun = BackMsg()
            rerun.rerun_script.query_string = query
            ws.send(rerun.SerializeToString())
            while True:
                msg = ForwardMsg()
                msg.ParseFromString(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
                if msg.WhichOneof("type") == "script_finished" and msg.script_finished != FINISHED_EARLY_FOR_RERUN:
                    return time.monotonic() - started
    except Exception:  # any failure just leaves the server cold
        return None
