"""Warm a freshly started Streamlit server before anyone is told it is up.

A server's first page pays for what later pages find done: importing pandas, Altair and
SQLAlchemy, opening the engine, the first queries, Altair's schema, Streamlit's own first run.
`flywheel serve` removes that in two steps, both in the Streamlit server process itself:

- it starts Streamlit as `python -m ui.warm run ...`: `preload` imports every module the pages
  use, then Streamlit starts as with `streamlit run`;
- once the server is healthy, `warm_up` opens one headless session over Streamlit's websocket
  protocol (the messages a browser sends, nothing more) and runs the default page once: the entry
  script, the engine and its first queries (with sign-in, the sign-in screen; without, the
  Overview and its cached data).

Loopback only; neither ever raises: a failed warm-up only means a slower first page.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

PRELOAD = ("pandas", "pyarrow", "altair", "sqlalchemy", "psycopg")  # the heavy libraries the pages use
PACKAGES = ("metrics", "ui")  # every module of these (they import the db modules the pages need)
SKIP = ("ui.warm",)
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


def preload() -> list[str]:
    """Import what the pages import, and build one Altair chart (it loads Vega-Lite's schema);
    the modules that failed to import (they fail again, visibly, on the page that needs them)."""
    import logging

    import streamlit.runtime.caching.cache_data_api  # noqa: F401 - its logger exists once imported
    import streamlit.runtime.caching.cache_resource_api  # noqa: F401

    # Importing the pages' modules outside a session makes Streamlit's caches say "No runtime
    # found" once per cached function: true, and expected here.
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    logging.getLogger("streamlit.runtime.caching.cache_resource_api").setLevel(logging.ERROR)
    failed = []
    names = list(PRELOAD)
    for package in PACKAGES:
        try:
            path = importlib.import_module(package).__path__
        except Exception:  # a broken package: its pages will say so
            failed.append(package)
            continue
        names += [m.name for m in pkgutil.iter_modules(path, package + ".") if not m.name.startswith(SKIP)]
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # any failure: that module is just not preloaded
            failed.append(name)
    try:
        import altair as alt
        import pandas as pd

        alt.Chart(pd.DataFrame({"x": [0, 1]})).mark_line().encode(x="x:Q", y="x:Q").to_dict()
    except Exception:
        failed.append("altair chart")
    return failed


def main() -> None:
    """`python -m ui.warm run SCRIPT [OPTIONS]`: `streamlit run`, with the pages' modules imported first."""
    preload()
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    # The app routes with st.navigation: never let the pages/ folder turn on Streamlit's legacy
    # multipage mode, whose first runs would show the page files' own list and names.
    PagesManager.uses_pages_directory = False

    cli.main(args=sys.argv[1:], prog_name="streamlit")


if __name__ == "__main__":
    main()
