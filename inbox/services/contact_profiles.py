"""Names for people a webhook named by id alone.

Messenger and Instagram Direct webhooks carry the sender's page-scoped id and
nothing else, so a new conversation would show a number until the next poll
read the thread. After a webhook batch is stored, the contacts still without
a name are looked up through the network's User Profile API (one read each,
in a task: never in the webhook's own path, which must stay fast).
"""

from __future__ import annotations

import logging

from inbox.models import Channel, Contact
from inbox.networks import client_for
from inbox.networks.base import NetworkError
from socialdesk.tasking import task_enqueue_on_commit

log = logging.getLogger(__name__)

PROFILES_TASK = "inbox.tasks.fill_contact_profiles"
# Networks whose webhooks name a person by id only.
BARE_SENDER_NETWORKS = ("facebook", "instagram")
# Bounds one task's reads (the Page's call budget is shared with polling).
MAX_LOOKUPS = 50


def contacts_nameless(*, network: str, external_ids: set[str]) -> list[str]:
    """Which of these people we know only by id."""
    if network not in BARE_SENDER_NETWORKS or not external_ids:
        return []
    return list(
        Contact.objects.filter(
            network=network, external_id__in=external_ids, handle="", display_name=""
        )
        .order_by("pk")  # the longest waiting first
        .values_list("external_id", flat=True)[:MAX_LOOKUPS]
    )


def contact_profiles_request(*, channel: Channel, external_ids: set[str]) -> None:
    """After this transaction, look up the people of ``external_ids`` known by id only."""
    nameless = contacts_nameless(network=channel.network, external_ids=external_ids)
    if nameless:
        task_enqueue_on_commit(PROFILES_TASK, channel.pk, sorted(nameless), best_effort=True)


def contact_profiles_fill(*, channel_id: int, external_ids: list[str]) -> int:
    """Fill in the names the network gives; how many contacts it named. A
    contact named meanwhile (a poll got there first) is left as it is."""
    channel = Channel.objects.filter(pk=channel_id, is_active=True).first()
    if channel is None:
        return 0
    wanted = contacts_nameless(network=channel.network, external_ids=set(external_ids))
    if not wanted:
        return 0
    try:
        people = client_for(channel).people(wanted)
    except NetworkError as exc:  # the next poll names them anyway
        log.info("profiles for channel %s not read: %s", channel_id, exc)
        return 0
    named = 0
    for person in people:
        named += Contact.objects.filter(
            network=channel.network, external_id=person.external_id, handle="", display_name=""
        ).update(
            handle=person.handle,
            display_name=person.display_name,
            followers_count=person.followers_count,
            verified=person.verified,
        )
    return named
