from __future__ import annotations

import factory
from django.utils import timezone

from accounts.models import Membership, Role, Team, User
from inbox.models import (
    Channel,
    Contact,
    Conversation,
    ConversationKind,
    Direction,
    Label,
    Message,
    Network,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@council.example")
    password = factory.django.Password("correct horse battery staple")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Role.OFFICER


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        skip_postgeneration_save = True

    network = Network.X
    name = factory.Sequence(lambda n: f"Council channel {n}")
    handle = factory.Sequence(lambda n: f"@council{n}")
    external_account_id = factory.Sequence(lambda n: str(9000 + n))

    @factory.post_generation
    def covered_by(self, create, teams, **kwargs):
        if create and teams:
            self.teams.add(*teams)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    network = Network.X
    external_id = factory.Sequence(lambda n: str(100000 + n))
    handle = factory.Sequence(lambda n: f"resident{n}")
    display_name = factory.Faker("name", locale="en_GB")


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    channel = factory.SubFactory(ChannelFactory)
    contact = factory.SubFactory(ContactFactory)
    kind = ConversationKind.PUBLIC
    thread_key = factory.Sequence(lambda n: f"thread-{n}")
    last_message_at = factory.LazyFunction(timezone.now)
    last_message_preview = "My bin was not collected on Elm Road"


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    channel = factory.SelfAttribute("conversation.channel")
    direction = Direction.IN
    external_id = factory.Sequence(lambda n: str(1790000000000000000 + n))
    author_contact = factory.SelfAttribute("conversation.contact")
    text = "My bin was not collected on Elm Road"
    sent_at = factory.LazyFunction(timezone.now)


class LabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Label
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"label-{n}")
