"""The settings API, under /api/settings/: the same services as the pages."""

from __future__ import annotations

from django.urls import path

from console.api import api_tokens, approvals, detractors, hours, records, teams
from console.api import content as c
from console.api import escalation_rules as er

app_name = "settings_api"

urlpatterns: list = [
    path("hours/", hours.StaffedHoursListApi.as_view(), name="hours_list"),
    path("hours/regions/", hours.RegionListApi.as_view(), name="hours_regions"),
    path("hours/<int:pk>/", hours.StaffedHoursDetailApi.as_view(), name="hours_detail"),
    path("hours/<int:pk>/weekly/", hours.StaffedHoursSetApi.as_view(), name="hours_set"),
    path("hours/<int:pk>/clear/", hours.StaffedHoursClearApi.as_view(), name="hours_clear"),
    path(
        "hours/<int:pk>/exceptions/",
        hours.HoursExceptionAddApi.as_view(),
        name="hours_exception_add",
    ),
    path(
        "hours/<int:pk>/exceptions/<int:exception_pk>/",
        hours.HoursExceptionRemoveApi.as_view(),
        name="hours_exception_remove",
    ),
    path("out-of-hours/<int:pk>/", hours.OutOfHoursDetailApi.as_view(), name="out_of_hours_detail"),
    path("out-of-hours/<int:pk>/texts/", hours.OutOfHoursSetApi.as_view(), name="out_of_hours_set"),
    path("targets/", hours.TargetListApi.as_view(), name="targets_list"),
    path("targets/set/", hours.TargetSetApi.as_view(), name="targets_set"),
    path("targets/<int:pk>/", hours.TargetRemoveApi.as_view(), name="targets_remove"),
    path("bio/", hours.BioListApi.as_view(), name="bio_list"),
    path("canned-responses/", c.CannedListApi.as_view(), name="canned_list"),
    path("canned-responses/create/", c.CannedCreateApi.as_view(), name="canned_create"),
    path("canned-responses/preview/", c.CannedPreviewApi.as_view(), name="canned_preview"),
    path("canned-responses/<int:pk>/", c.CannedDetailApi.as_view(), name="canned_detail"),
    path("canned-responses/<int:pk>/update/", c.CannedUpdateApi.as_view(), name="canned_update"),
    path("canned-responses/<int:pk>/delete/", c.CannedDeleteApi.as_view(), name="canned_delete"),
    path("labels/", c.LabelListApi.as_view(), name="label_list"),
    path("labels/create/", c.LabelCreateApi.as_view(), name="label_create"),
    path("labels/<int:pk>/update/", c.LabelUpdateApi.as_view(), name="label_update"),
    path("labels/<int:pk>/delete/", c.LabelDeleteApi.as_view(), name="label_delete"),
    path("house-rules/", c.HouseRuleListApi.as_view(), name="house_rule_list"),
    path("house-rules/create/", c.HouseRuleCreateApi.as_view(), name="house_rule_create"),
    path("house-rules/<int:pk>/update/", c.HouseRuleUpdateApi.as_view(), name="house_rule_update"),
    path("house-rules/<int:pk>/delete/", c.HouseRuleDeleteApi.as_view(), name="house_rule_delete"),
    path("abuse-terms/", c.AbuseTermListApi.as_view(), name="abuse_term_list"),
    path("abuse-terms/create/", c.AbuseTermCreateApi.as_view(), name="abuse_term_create"),
    path("abuse-terms/<int:pk>/delete/", c.AbuseTermDeleteApi.as_view(), name="abuse_term_delete"),
    path("escalation-keywords/", c.KeywordListListApi.as_view(), name="keyword_list_list"),
    path(
        "escalation-keywords/<slug:key>/add/",
        c.KeywordTermAddApi.as_view(),
        name="keyword_term_add",
    ),
    path(
        "escalation-keywords/<slug:key>/remove/",
        c.KeywordTermRemoveApi.as_view(),
        name="keyword_term_remove",
    ),
    path(
        "escalation-keywords/<slug:key>/restore/",
        c.KeywordListRestoreApi.as_view(),
        name="keyword_list_restore",
    ),
    path("escalation-rules/", c.EscalationRuleListApi.as_view(), name="escalation_rule_list"),
    path("escalation-rules/create/", er.EscalationRuleCreateApi.as_view(), name="rule_create"),
    path("escalation-rules/<int:pk>/", er.EscalationRuleDetailApi.as_view(), name="rule_detail"),
    path(
        "escalation-rules/<int:pk>/update/",
        er.EscalationRuleUpdateApi.as_view(),
        name="rule_update",
    ),
    path(
        "escalation-rules/<int:pk>/active/",
        er.EscalationRuleActiveApi.as_view(),
        name="rule_active",
    ),
    path("approval-rules/", approvals.ApprovalRuleListApi.as_view(), name="approval_rules"),
    path(
        "approval-rules/preview/",
        approvals.ApprovalRulePreviewApi.as_view(),
        name="approval_rule_preview",
    ),
    path(
        "approval-rules/<int:pk>/",
        approvals.ApprovalRuleDeleteApi.as_view(),
        name="approval_rule",
    ),
    path("approvers/", approvals.ApproverListApi.as_view(), name="approvers"),
    path("approvers/<int:pk>/", approvals.ApproverSetApi.as_view(), name="approver"),
    path("detractors/", detractors.DetractorListApi.as_view(), name="detractors"),
    path(
        "detractors/<int:pk>/clear/",
        detractors.DetractorClearApi.as_view(),
        name="detractor_clear",
    ),
    path("api-tokens/", api_tokens.ApiTokenListApi.as_view(), name="api_tokens"),
    path("retention/", records.RetentionListApi.as_view(), name="retention"),
    path("retention/<int:pk>/", records.RetentionSetApi.as_view(), name="retention_set"),
    path("legal-holds/", records.LegalHoldListApi.as_view(), name="legal_holds"),
    path(
        "legal-holds/<int:pk>/release/",
        records.LegalHoldReleaseApi.as_view(),
        name="legal_hold_release",
    ),
    path(
        "api-tokens/<int:pk>/revoke/",
        api_tokens.ApiTokenRevokeApi.as_view(),
        name="api_token_revoke",
    ),
    path("teams/", teams.TeamListApi.as_view(), name="team_list"),
    path("teams/create/", teams.TeamCreateApi.as_view(), name="team_create"),
    path("teams/<int:pk>/", teams.TeamDetailApi.as_view(), name="team_detail"),
    path("teams/<int:pk>/rename/", teams.TeamRenameApi.as_view(), name="team_rename"),
    path("teams/<int:pk>/members/set/", teams.TeamMemberSetApi.as_view(), name="member_set"),
    path(
        "teams/<int:pk>/members/remove/",
        teams.TeamMemberRemoveApi.as_view(),
        name="member_remove",
    ),
    path("teams/<int:pk>/channels/set/", teams.TeamChannelsSetApi.as_view(), name="channels_set"),
]
