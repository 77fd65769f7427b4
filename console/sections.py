"""The settings sections, in the order the side navigation lists them.

Each helper page registers here once; the index page and the side navigation
read this list, so a section appears in both or in neither."""

from __future__ import annotations

from typing import NamedTuple

from accounts import access


class Section(NamedTuple):
    key: str
    title: str
    url_name: str
    # Who may open it: "manager" (a manager of some team, or an admin) or "admin".
    needs: str
    summary: str


SECTIONS: tuple[Section, ...] = (
    # Sections are added by the pages that implement them.
    Section(
        "hours",
        "Staffed hours",
        "console:hours",
        "manager",
        "When each channel is staffed: split shifts, public holidays, closures and openings.",
    ),
    Section(
        "targets",
        "Response targets",
        "console:targets",
        "manager",
        "How fast a conversation must be answered, per channel and priority.",
    ),
    Section(
        "out_of_hours",
        "Out-of-hours replies",
        "console:out_of_hours",
        "manager",
        "What people are told while a channel is closed, and where to go in an emergency.",
    ),
    Section(
        "bio",
        "Bio statements",
        "console:bio",
        "manager",
        "Hours, expected wait and emergency signposting for each profile bio, to copy.",
    ),
    Section(
        "canned",
        "Canned responses",
        "console:canned_list",
        "manager",
        "Ready-made replies per team, with a preview of their placeholders.",
    ),
    Section(
        "labels",
        "Labels",
        "console:labels",
        "manager",
        "The labels officers put on conversations, and how often each is used.",
    ),
    Section(
        "house_rules",
        "House rules",
        "console:house_rules",
        "manager",
        "The published rules a hidden comment names as the reason.",
    ),
    Section(
        "abuse_terms",
        "Abuse shield",
        "console:abuse_terms",
        "manager",
        "Words that shield a message until an officer reveals it; who reads them.",
    ),
    Section(
        "keywords",
        "Escalation keywords",
        "console:keyword_lists",
        "manager",
        "The threats, self-harm and emergencies lists that rules match.",
    ),
    Section(
        "escalation_rules",
        "Escalation rules",
        "console:escalation_rules",
        "manager",
        "When to escalate, and who is told at each level.",
    ),
    Section(
        "approvals",
        "Reply approval",
        "console:approvals",
        "manager",
        "Whose replies wait for approval, and who approves them.",
    ),
    Section(
        "api_tokens",
        "API tokens",
        "console:api_tokens",
        "admin",
        "Everyone's API tokens: what each is for, when it was last used; revoke any.",
    ),
    Section(
        "retention",
        "Retention",
        "console:retention",
        "manager",
        "How long each channel's message content is kept.",
    ),
    Section(
        "legal_holds",
        "Legal holds",
        "console:legal_holds",
        "manager",
        "Keep a conversation or a person's messages past retention, with a reason.",
    ),
    Section(
        "detractors",
        "Detractors",
        "console:detractors",
        "manager",
        "The people flagged as detractors; clear a wrong flag with a reason.",
    ),
    Section(
        "teams",
        "Teams and roles",
        "console:teams",
        "admin",
        "Teams, their people and each person's role per team, and the channels each team covers.",
    ),
)


def sections_for(user) -> list[Section]:
    if access.is_admin(user):
        return list(SECTIONS)
    if access.managed_team_ids(user):
        return [s for s in SECTIONS if s.needs == "manager"]
    return []
