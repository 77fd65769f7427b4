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
