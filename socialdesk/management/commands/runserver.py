"""runserver as Django's static-files app has it, on a server that answers
without Nagle's wait (socialdesk/devserver.py). The ``socialdesk`` app comes
before ``django.contrib.staticfiles`` in INSTALLED_APPS so this one is used."""

from django.contrib.staticfiles.management.commands.runserver import Command as StaticRunserver

from socialdesk.devserver import NoDelayWSGIServer


class Command(StaticRunserver):
    server_cls = NoDelayWSGIServer
