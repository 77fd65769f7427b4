"""Teams and memberships in the API, under /api/settings/teams/: the same
selectors and services as the settings pages (admins only)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts import selectors
from accounts.http import AuthedApiRequest
from accounts.models import Role
from accounts.services import teams as services
from channels.services.coverage import team_channels_set
from inbox.api.views import BAD, NOT_FOUND, InboxApi
from inbox.models import Channel


class MemberOut(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.label")
    role = serializers.CharField()


class SettingsTeamOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    members = MemberOut(many=True, source="memberships.all")
    channels = serializers.SerializerMethodField()

    def get_channels(self, team) -> list[int]:
        return sorted(c.pk for c in team.channels.all())


class TeamSummaryOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    member_count = serializers.IntegerField()
    channel_count = serializers.IntegerField()


class TeamNameIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)


class MemberSetIn(serializers.Serializer):
    user = serializers.IntegerField()
    role = serializers.ChoiceField(choices=Role.choices)


class MemberRemoveIn(serializers.Serializer):
    user = serializers.IntegerField()


class ChannelsSetIn(serializers.Serializer):
    channels = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


class _TeamApi(InboxApi):
    def team(self, pk: int):
        return selectors.team_get_for_settings(user=self.request.user, pk=pk)

    def team_out(self, pk: int) -> dict:
        # Read again: the prefetched members and channels are the old ones.
        return SettingsTeamOut(self.team(pk)).data


class TeamListApi(_TeamApi):
    pagination_class = None

    @extend_schema(
        operation_id="settings_teams_list",
        responses={200: TeamSummaryOut(many=True), 403: BAD},
        summary="Every team with its numbers of people and channels (admins)",
    )
    def get(self, request: AuthedApiRequest) -> Response:
        teams = selectors.teams_for_settings(user=request.user)
        return Response(TeamSummaryOut(teams, many=True).data)


class TeamCreateApi(_TeamApi):
    @extend_schema(
        operation_id="settings_teams_create",
        request=TeamNameIn,
        responses={201: SettingsTeamOut, 400: BAD, 403: BAD},
        summary="Create a team (admins)",
    )
    def post(self, request: AuthedApiRequest) -> Response:
        data = self.valid(TeamNameIn, request.data)
        team = services.team_create(actor=request.user, name=data["name"])
        return Response(self.team_out(team.pk), status=status.HTTP_201_CREATED)


class TeamDetailApi(_TeamApi):
    @extend_schema(
        operation_id="settings_teams_detail",
        responses={200: SettingsTeamOut, 403: BAD, 404: NOT_FOUND},
        summary="A team: its people with their roles, and its channels (admins)",
    )
    def get(self, request: AuthedApiRequest, pk: int) -> Response:
        return Response(self.team_out(pk))


class TeamRenameApi(_TeamApi):
    @extend_schema(
        operation_id="settings_teams_rename",
        request=TeamNameIn,
        responses={200: SettingsTeamOut, 400: BAD, 403: BAD, 404: NOT_FOUND},
        summary="Rename a team (admins)",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        team = self.team(pk)
        data = self.valid(TeamNameIn, request.data)
        services.team_rename(actor=request.user, team=team, name=data["name"])
        return Response(self.team_out(pk))


class TeamMemberSetApi(_TeamApi):
    @extend_schema(
        operation_id="settings_teams_member_set",
        request=MemberSetIn,
        responses={200: SettingsTeamOut, 400: BAD, 403: BAD, 404: NOT_FOUND},
        summary="Add a person to a team, or change their role in it (admins)",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        team = self.team(pk)
        data = self.valid(MemberSetIn, request.data)
        person = selectors.person_get_for_settings(user=request.user, pk=data["user"])
        services.membership_set(actor=request.user, team=team, user=person, role=data["role"])
        return Response(self.team_out(pk))


class TeamMemberRemoveApi(_TeamApi):
    @extend_schema(
        operation_id="settings_teams_member_remove",
        request=MemberRemoveIn,
        responses={200: SettingsTeamOut, 400: BAD, 403: BAD, 404: NOT_FOUND},
        summary="Take a person out of a team (admins)",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        team = self.team(pk)
        data = self.valid(MemberRemoveIn, request.data)
        person = selectors.person_get_for_settings(user=request.user, pk=data["user"])
        services.membership_remove(actor=request.user, team=team, user=person)
        return Response(self.team_out(pk))


class TeamChannelsSetApi(_TeamApi):
    @extend_schema(
        operation_id="settings_teams_channels_set",
        request=ChannelsSetIn,
        responses={200: SettingsTeamOut, 400: BAD, 403: BAD, 404: NOT_FOUND},
        summary="Set exactly which channels a team covers (admins)",
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        team = self.team(pk)
        data = self.valid(ChannelsSetIn, request.data)
        wanted = set(data["channels"])
        channels = list(Channel.objects.filter(pk__in=wanted))
        if len(channels) != len(wanted):
            return Response({"detail": "No such channel."}, status=status.HTTP_400_BAD_REQUEST)
        team_channels_set(actor=request.user, team=team, channels=channels)
        return Response(self.team_out(pk))
