"""Every network has its own mark on rows (none falls back to "?")."""

from pathlib import Path

from django.template.loader import render_to_string

from inbox.models import Channel, Network


def test_every_network_has_a_mark_and_a_colour():
    css = (Path(__file__).parents[2] / "static/css/app.css").read_text(encoding="utf-8")
    for network in Network.values:
        html = render_to_string("inbox/_network.html", {"channel": Channel(network=network)})
        assert ">?<" not in html, network
        assert network == "x" or f".net-{network} " in css, network
