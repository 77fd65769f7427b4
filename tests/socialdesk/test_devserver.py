"""The development and live server answer without Nagle's wait: every
accepted connection has TCP_NODELAY, as gunicorn's have."""

from __future__ import annotations

import socket

from django.core.servers.basehttp import WSGIRequestHandler

from socialdesk.devserver import NoDelayThreadedWSGIServer, NoDelayWSGIServer


def test_each_accepted_connection_sends_without_waiting_for_an_ack():
    server = NoDelayThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    try:
        with socket.create_connection(server.server_address[:2], timeout=5):
            conn, _ = server.get_request()
            with conn:
                assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        server.server_close()


def test_the_tests_live_server_is_that_server(live_server):
    assert isinstance(live_server.thread.httpd, NoDelayThreadedWSGIServer)


def test_runserver_serves_static_files_on_that_server():
    from django.contrib.staticfiles.management.commands.runserver import (
        Command as StaticRunserver,
    )
    from django.core.management import get_commands, load_command_class

    command = load_command_class(get_commands()["runserver"], "runserver")
    assert isinstance(command, StaticRunserver)
    assert command.server_cls is NoDelayWSGIServer
