"""The `python -m sandbox` entry point and the server's lifecycle."""

from __future__ import annotations

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
