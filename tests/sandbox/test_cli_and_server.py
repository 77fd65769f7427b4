"""The `python -m sandbox` entry point and the server's lifecycle."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parents[2]


def test_python_m_sandbox_prints_where_it_listens_and_serves():
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--scenario", "council", "--quiet"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line
        url = line.split("listening on ")[1].split()[0]
        state = requests.get(f"{url}/_sandbox/state", timeout=5).json()
        assert state["x"]["accounts"] == 2
    finally:
        process.terminate()
        process.wait(5)


def test_trickle_injects_items_in_the_background():
    server = SandboxServer(port=0, scenario="council", trickle=0.05, seed=3).start()
    try:
        before = len(server.state.x.tweets) + len(server.state.x.dm_events)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            if len(server.state.x.tweets) + len(server.state.x.dm_events) >= before + 3:
                break
            time.sleep(0.05)
        assert len(server.state.x.tweets) + len(server.state.x.dm_events) >= before + 3
    finally:
        server.stop()


def test_the_server_binds_a_free_port_and_stops_cleanly():
    with SandboxServer(port=0) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert requests.get(server.url + "/", timeout=5).json()["networks"] == {
            "x": "/x",
            "fb": "/fb",
            "masto": "/masto",
            "oidc": "/oidc",
            "cdn": "/cdn",
            "bsky": "/bsky",
        }
        assert requests.get(server.url + "/nowhere", timeout=5).status_code == 404


def test_answers_leave_without_waiting_for_the_clients_ack():
    """Headers and body are two writes: with Nagle's algorithm on, the body
    waited for the client's delayed ACK (about 40 ms on every call the app and
    the tests make). The server's side of a kept-alive connection has it off."""
    with SandboxServer(port=0) as server, requests.Session() as http:
        assert http.get(server.url + "/", timeout=5).ok
        with server._httpd._connections_lock:
            (conn,) = server._httpd._connections
        assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_ids_from_the_clock_never_repeat_an_earlier_runs_graph_ids():
    """The demo's history comes from one sandbox run and its live traffic from
    another: with --ids-from-clock the second numbers Facebook and Instagram
    objects past anything the first handed out (a reused id would make the
    app skip a new message as already stored)."""
    from sandbox.state import SandboxState

    history = SandboxState(seed=2026)
    first = {
        history.fb.add_post(page_id="p1", message="a").id,
        history.ig.add_media(owner_id="a1", caption="a").id,
    }
    for _ in range(5000):  # a long history
        history.ig.add_media(owner_id="a1", caption="more")
    last_ig = int(history.ig.add_media(owner_id="a1", caption="last").id)

    live = SandboxState(seed=2026, id_offset=int(time.time() * 1000))
    again = {
        live.fb.add_post(page_id="p1", message="a").id,
        live.ig.add_media(owner_id="a1", caption="a").id,
    }
    assert not first & again
    assert int(live.ig.add_media(owner_id="a1", caption="b").id) > last_ig
    assert all(len(i) == 17 for i in (m.id for m in live.ig.media.values()))  # still 17 digits
    live.reset()
    assert int(live.ig.add_media(owner_id="a1", caption="c").id) > last_ig  # a reset keeps it
