from __future__ import annotations

from django.urls import path

from console.views import (
    api_tokens,
    approvals,
    bio,
    canned,
    detractors,
    escalation,
    hours,
    index,
    labels,
    moderation,
    out_of_hours,
    records,
    targets,
    teams,
)

app_name = "console"

urlpatterns = [
    path("", index.index, name="index"),
    path("hours/", hours.hours_list, name="hours"),
    path("hours/<int:pk>/", hours.hours_edit, name="hours_edit"),
    path("hours/<int:pk>/exceptions/", hours.exception_add, name="hours_exception_add"),
    path(
        "hours/<int:pk>/exceptions/<int:exception_pk>/remove/",
        hours.exception_remove,
        name="hours_exception_remove",
    ),
    path("hours/<int:pk>/clear/", hours.hours_clear, name="hours_clear"),
    path("targets/", targets.targets, name="targets"),
    path("targets/<int:pk>/remove/", targets.target_remove, name="target_remove"),
    path("out-of-hours/", out_of_hours.out_of_hours_list, name="out_of_hours"),
    path("out-of-hours/<int:pk>/", out_of_hours.out_of_hours_edit, name="out_of_hours_edit"),
    path("bio/", bio.bio, name="bio"),
    # Canned responses, labels, house rules, abuse shield, escalation keywords
    # and rules (issue 18, content).
    path("canned-responses/", canned.canned_list, name="canned_list"),
    path("canned-responses/new/", canned.canned_create, name="canned_create"),
    path("canned-responses/<int:pk>/", canned.canned_edit, name="canned_edit"),
    path("canned-responses/<int:pk>/delete/", canned.canned_delete, name="canned_delete"),
    path("labels/", labels.labels, name="labels"),
    path("labels/<int:pk>/", labels.label_edit, name="label_edit"),
    path("labels/<int:pk>/delete/", labels.label_delete, name="label_delete"),
    path("house-rules/", moderation.house_rules, name="house_rules"),
    path("house-rules/<int:pk>/", moderation.house_rule_edit, name="house_rule_edit"),
    path("house-rules/<int:pk>/remove/", moderation.house_rule_remove, name="house_rule_remove"),
    path("abuse-shield/", moderation.abuse_terms, name="abuse_terms"),
    path(
        "abuse-shield/terms/<int:pk>/remove/",
        moderation.abuse_term_remove,
        name="abuse_term_remove",
    ),
    path("escalation-keywords/", escalation.keyword_lists, name="keyword_lists"),
    path(
        "escalation-keywords/create-missing/",
        escalation.keyword_lists_create_missing,
        name="keyword_lists_create_missing",
    ),
    path(
        "escalation-keywords/<slug:key>/add/",
        escalation.keyword_term_add,
        name="keyword_term_add",
    ),
    path(
        "escalation-keywords/<slug:key>/remove/",
        escalation.keyword_term_remove,
        name="keyword_term_remove",
    ),
    path(
        "escalation-keywords/<slug:key>/restore/",
        escalation.keyword_list_restore,
        name="keyword_list_restore",
    ),
    path("escalation-rules/", escalation.escalation_rules, name="escalation_rules"),
    path("approvals/", approvals.approvals, name="approvals"),
    path(
        "approvals/rules/<int:pk>/delete/",
        approvals.approval_rule_delete,
        name="approval_rule_delete",
    ),
    path("approvals/approvers/<int:pk>/", approvals.approver_set, name="approver_set"),
    path("api-tokens/", api_tokens.api_tokens, name="api_tokens"),
    path("api-tokens/<int:pk>/revoke/", api_tokens.api_token_revoke, name="api_token_revoke"),
    path("retention/", records.retention, name="retention"),
    path("retention/<int:pk>/", records.retention_edit, name="retention_edit"),
    path("legal-holds/", records.legal_holds, name="legal_holds"),
    path("legal-holds/<int:pk>/release/", records.legal_hold_release, name="legal_hold_release"),
    path("detractors/", detractors.detractors, name="detractors"),
    path("detractors/<int:pk>/clear/", detractors.detractor_clear, name="detractor_clear"),
    path("teams/", teams.team_list, name="teams"),
    path("teams/<int:pk>/", teams.team_detail, name="team"),
    path("teams/<int:pk>/rename/", teams.team_rename, name="team_rename"),
    path("teams/<int:pk>/members/add/", teams.member_add, name="member_add"),
    path("teams/<int:pk>/members/<int:user_pk>/role/", teams.member_role, name="member_role"),
    path("teams/<int:pk>/members/<int:user_pk>/remove/", teams.member_remove, name="member_remove"),
    path("teams/<int:pk>/channels/", teams.team_channels, name="team_channels"),
]
