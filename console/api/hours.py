"""The settings API for staffed hours, closures, out-of-hours texts,
response targets and bio statements: the same selectors and services as the
pages, so the same refusals (another team's channel: 404; a channel you see
but do not manage: 403) and the same checks (400 with ``detail``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import access
from accounts.http import AuthedApiRequest
from console.api import hours_serializers as s
from escalation import hours_selectors as selectors
from escalation.regions import region_groups
from escalation.services import hours as services
from escalation.services.target_settings import response_target_remove, response_target_set

BAD = OpenApiResponse(description="Refused; nothing changed (``detail`` says why)")
NOT_FOUND = OpenApiResponse(description="Not found, or not a channel you can see")
FORBIDDEN = OpenApiResponse(description="You see the channel but do not manage it")


class SettingsApi(APIView):
    request: AuthedApiRequest

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Settings are for managers and admins: an officer is refused outright.
        if not access.managed_team_ids(request.user):
            raise PermissionDenied("Settings are for managers and admins.")

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = ValidationError({"detail": " ".join(exc.messages)})
        return super().handle_exception(exc)

    def channel(self, pk: int):
        return selectors.channel_get_for_settings(user=self.request.user, pk=pk)

    @staticmethod
    def valid(serializer_class, data) -> dict:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def _detail(channel) -> dict:
    hours = selectors.hours_get(channel=channel)
    now = timezone.now()
    return s.HoursDetailOut(
        {
            "channel": channel,
            "hours": hours,
            "staffed_now": selectors.staffed_now(hours=hours, now=now),
            "week": selectors.week_preview(hours=hours, now=now),
            "bio": selectors.bio_statements(channels=[channel])[0],
        }
    ).data


class StaffedHoursListApi(SettingsApi):
    @extend_schema(operation_id="settings_hours_list", responses={200: s.BioOut(many=True)})
    def get(self, request: AuthedApiRequest) -> Response:
        """The channels you manage, each with its bio statement (hours and wait in words)."""
        channels = selectors.channels_for_settings(user=request.user)
        return Response(s.BioOut(selectors.bio_statements(channels=channels), many=True).data)


class StaffedHoursDetailApi(SettingsApi):
    @extend_schema(
        operation_id="settings_hours_detail",
        responses={200: s.HoursDetailOut, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: AuthedApiRequest, pk: int) -> Response:
        """A channel's hours, whether it is staffed now, the coming week and its bio statement."""
        return Response(_detail(self.channel(pk)))


class StaffedHoursSetApi(SettingsApi):
    @extend_schema(
        operation_id="settings_hours_set",
        request=s.HoursIn,
        responses={200: s.HoursDetailOut, 400: BAD, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def put(self, request: AuthedApiRequest, pk: int) -> Response:
        """Replace the weekly intervals, time zone and holiday region (all or nothing)."""
        channel = self.channel(pk)
        data = self.valid(s.HoursIn, request.data)
        also = [self.channel(other) for other in data["also_channels"] if other != channel.pk]
        services.staffed_hours_set(
            actor=request.user,
            channels=[channel, *also],
            intervals=[services.IntervalIn(**row) for row in data["intervals"]],
            time_zone=data["time_zone"],
            holiday_region=data["holiday_region"],
        )
        return Response(_detail(channel))


class StaffedHoursClearApi(SettingsApi):
    @extend_schema(
        operation_id="settings_hours_clear",
        request=None,
        responses={200: s.HoursDetailOut, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        """Remove the hours: the channel is treated as staffed 24/7."""
        channel = self.channel(pk)
        services.staffed_hours_clear(actor=request.user, channel=channel)
        return Response(_detail(channel))


class HoursExceptionAddApi(SettingsApi):
    @extend_schema(
        operation_id="settings_hours_exception_add",
        request=s.ExceptionIn,
        responses={201: s.ExceptionOut, 400: BAD, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def post(self, request: AuthedApiRequest, pk: int) -> Response:
        """Add a closure or special opening with a reason."""
        channel = self.channel(pk)
        data = self.valid(s.ExceptionIn, request.data)
        row = services.hours_exception_add(
            actor=request.user, channel=channel, exception=services.ExceptionIn(**data)
        )
        return Response(s.ExceptionOut(row).data, status=status.HTTP_201_CREATED)


class HoursExceptionRemoveApi(SettingsApi):
    @extend_schema(
        operation_id="settings_hours_exception_remove",
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def delete(self, request: AuthedApiRequest, pk: int, exception_pk: int) -> Response:
        channel = self.channel(pk)
        row = selectors.exception_get_for_settings(
            user=request.user, channel=channel, pk=exception_pk
        )
        services.hours_exception_remove(actor=request.user, exception=row)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _out_of_hours(channel) -> dict:
    hours = selectors.hours_get(channel=channel)
    if hours is None:
        raise DjangoValidationError(
            "This channel is staffed 24/7, so it sends no out-of-hours reply: "
            "set its staffed hours first."
        )
    preview = selectors.out_of_hours_preview(hours=hours)
    return s.OutOfHoursOut({"channel": channel, "hours": hours, "preview": preview}).data


class OutOfHoursDetailApi(SettingsApi):
    @extend_schema(
        operation_id="settings_out_of_hours_detail",
        responses={200: s.OutOfHoursOut, 400: BAD, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: AuthedApiRequest, pk: int) -> Response:
        """The out-of-hours texts and the reply a citizen would get now."""
        return Response(_out_of_hours(self.channel(pk)))


class OutOfHoursSetApi(SettingsApi):
    @extend_schema(
        operation_id="settings_out_of_hours_set",
        request=s.OutOfHoursIn,
        responses={200: s.OutOfHoursOut, 400: BAD, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def put(self, request: AuthedApiRequest, pk: int) -> Response:
        channel = self.channel(pk)
        data = self.valid(s.OutOfHoursIn, request.data)
        services.out_of_hours_texts_set(actor=request.user, channel=channel, **data)
        return Response(_out_of_hours(channel))


class TargetListApi(SettingsApi):
    @extend_schema(operation_id="settings_targets_list", responses={200: s.TargetOut(many=True)})
    def get(self, request: AuthedApiRequest) -> Response:
        """Targets on the channels you manage, and the defaults for every channel."""
        targets = selectors.targets_for_settings(user=request.user)
        return Response(s.TargetOut(targets, many=True).data)


class TargetSetApi(SettingsApi):
    @extend_schema(
        operation_id="settings_targets_set",
        request=s.TargetIn,
        responses={200: s.TargetOut, 400: BAD, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def put(self, request: AuthedApiRequest) -> Response:
        """Create or change the target for a channel (or every channel) and priority."""
        data = self.valid(s.TargetIn, request.data)
        channel_id = data.pop("channel")
        channel = self.channel(channel_id) if channel_id is not None else None
        target = response_target_set(actor=request.user, channel=channel, **data)
        return Response(s.TargetOut(target).data)


class TargetRemoveApi(SettingsApi):
    @extend_schema(
        operation_id="settings_targets_remove",
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def delete(self, request: AuthedApiRequest, pk: int) -> Response:
        target = selectors.target_get_for_settings(user=request.user, pk=pk)
        response_target_remove(actor=request.user, target=target)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BioListApi(SettingsApi):
    @extend_schema(operation_id="settings_bio_list", responses={200: s.BioOut(many=True)})
    def get(self, request: AuthedApiRequest) -> Response:
        """Each managed channel's bio statement, measured against its network's bio limit."""
        channels = selectors.channels_for_settings(user=request.user)
        return Response(s.BioOut(selectors.bio_statements(channels=channels), many=True).data)


class RegionListApi(SettingsApi):
    @extend_schema(operation_id="settings_regions_list", responses={200: s.RegionOut(many=True)})
    def get(self, request: AuthedApiRequest) -> Response:
        """The public-holiday regions a channel's hours can follow."""
        rows = [
            {"code": code, "name": label}
            for _, choices in region_groups()
            for code, label in choices
        ]
        return Response(s.RegionOut(rows, many=True).data)
