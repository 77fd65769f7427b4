"""The escalation keyword lists SocialDesk ships: threats, self-harm and
emergencies. A starting point each council edits; matched as whole words or
phrases, any case (``models.phrase_pattern``)."""

from __future__ import annotations

from inbox.models import Priority

THREATS = (
    "bomb",
    "shoot",
    "stab",
    "kill you",
    "going to hurt",
    "burn it down",
    "you'll regret",
    "know where you live",
)
SELF_HARM = (
    "kill myself",
    "end my life",
    "suicide",
    "suicidal",
    "hurt myself",
    "self harm",
    "self-harm",
    "can't go on",
    "no reason to live",
)
EMERGENCIES = (
    "emergency",
    "gas leak",
    "fire",
    "flooding into",
    "collapsed",
    "trapped",
    "ambulance",
    "unconscious",
    "live wire",
)

# The keyword lists every installation starts with (created by migration
# 0003 and put back by "Restore the defaults"): (key, name, description, terms).
KEYWORD_LISTS = (
    ("threats", "Threats", "Threats of violence against staff, councillors or buildings.", THREATS),
    (
        "self-harm",
        "Self-harm",
        "Signs that someone may be at risk of harming themselves.",
        SELF_HARM,
    ),
    ("emergencies", "Emergencies", "A danger to life or property reported to us.", EMERGENCIES),
)
KEYWORD_LIST_DEFAULTS = {key: terms for key, _, _, terms in KEYWORD_LISTS}

# (name, description, phrases, priority to raise to)
KEYWORD_RULES = (
    (
        "Threats",
        "Threats of violence against staff, councillors or buildings: tell the comms lead, "
        "who decides whether to call the police.",
        THREATS,
        Priority.URGENT,
    ),
    (
        "Self-harm",
        "Someone may be at risk: answer with the crisis signposting text at once and tell "
        "the safeguarding lead.",
        SELF_HARM,
        Priority.URGENT,
    ),
    (
        "Emergencies",
        "A danger to life or property reported to the council: signpost 999 and pass it to "
        "the duty officer.",
        EMERGENCIES,
        Priority.HIGH,
    ),
)
