"""Text material for the traffic generator: a fictional UK borough, "Riverside".

Every place, person and reference here is invented. Placeholders in braces
are filled by sandbox.traffic: {acct} the @handle, {street}, {area}, {day},
{service}, {library}, {park}, {ref}, {n} (house number), {days}, {time}, {name}.
"""

from __future__ import annotations

STREETS = (
    "Elm Road",
    "Mill Lane",
    "Station Road",
    "Church Street",
    "Riverside Walk",
    "Kingfisher Close",
    "Victoria Avenue",
    "Granary Way",
    "Abbey Road",
    "Tanners Row",
    "Orchard Crescent",
    "Ferry Lane",
    "Bridge Street",
    "Hawthorn Drive",
    "Canal Side",
    "Wharf Road",
    "Meadow View",
    "Lock Street",
    "Cedar Grove",
    "Market Place",
)
AREAS = (
    "Northfield",
    "Eastbank",
    "Old Town",
    "Hollins Park",
    "Westmead",
    "St Anne's",
    "Brook Vale",
    "Quayside",
    "Upper Riverside",
    "Ashton Green",
)
SERVICES = (
    "bin collection",
    "recycling collection",
    "garden waste collection",
    "bulky waste pickup",
    "food waste caddy",
    "street cleaning",
)
LIBRARIES = ("Central Library", "Northfield Library", "Eastbank Library", "Quayside Library")
PARKS = ("Hollins Park", "Victoria Gardens", "the Meadows", "Ferry Fields")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
TIMES = ("7am", "8.30am", "lunchtime", "4pm", "about 6pm", "last night")

MENTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "council": {
        "question": (
            "{acct} hi, was the {service} on {street} moved this week? Ours hasn't been done",
            "{acct} what time does {library} close on {day}s now?",
            "Does anyone know if the tip at {area} is open this weekend? {acct}",
            "{acct} how do I get a replacement recycling box? Ours blew away in the wind",
            "{acct} is there a number for reporting fly-tipping? Someone's dumped a sofa on {street}",
            "{acct} when do the new council tax bands come in? Can't find it on the website",
            "{acct} is the planning application for the old depot on {street} still open for comments?",
            "{acct} do I need a permit to park on {street} on match days?",
            "{acct} are {park} toilets open over the winter?",
            "{acct} how do I book a bulky waste collection? The online form keeps timing out",
            "Quick one {acct}: can I pay council tax in 12 instalments instead of 10?",
            "{acct} any news on when the {library} refurb finishes?",
            "{acct} is the garden waste subscription renewal open yet?",
            "{acct} who do I talk to about a neighbour's bonfire every evening on {street}?",
        ),
        "complaint": (
            "{acct} third week running our {service} has been missed on {street}. Really not good enough",
            "{acct} the bins on {street} have been left overflowing since {day}. Foxes everywhere",
            "Been on hold to {acct} for 40 minutes about my council tax. Nobody picks up",
            "{acct} the streetlight outside no. {n} {street} has been out for a month. Reported twice",
            "{acct} your website has been down all morning and I need to pay for my parking permit",
            "{acct} the playground at {park} still has a broken swing, it's been taped off since summer",
            "{acct} the crew left half the recycling in the road on {street}. Please sort it",
            "Absolutely fuming. {acct} fined me for parking in my own road on {street}",
            "{acct} nobody has replied to my email about my housing repair for {days} days",
            "{acct} the smell from the drains on {street} is unbearable, is anyone coming?",
        ),
        "name_check": (
            "Great work by {acct} on the flood clean-up in {area}, streets look brand new",
            "Lovely afternoon at {park}, credit to {acct} for keeping it tidy",
            "Shout out to the team at {library}, brilliant storytime today {acct}",
            "{acct} the new bike racks on {street} are a real improvement",
            "Nice to see {acct} at the {area} community meeting tonight answering questions",
            "The winter lights in {area} look fantastic this year {acct}",
        ),
        "thanks": (
            "Thanks {acct}, bin collected within a day of reporting it",
            "{acct} thank you for sorting the fly-tipping on {street} so quickly",
            "Cheers {acct}, the council tax team were really helpful on the phone",
            "{acct} thanks for getting back to me, all sorted now",
            "Just wanted to say thanks {acct} for the help with my blue badge renewal",
        ),
        "detractor": (
            "{acct} another week, another shambles. Who is actually running this council?",
            "{acct} you lot couldn't organise a bin round if your jobs depended on it. Oh wait, they do",
            "{acct} wasting our money again. Resign, the lot of you",
            "Typical {acct}. PR team on overtime while {street} falls apart",
            "{acct} still no answer to my FOI. What are you hiding?",
            "{acct} don't bother replying with your copy-and-paste nonsense again",
            "Funny how {acct} always has money for consultants but not for {street}",
        ),
        "crisis": (
            "{acct} water is coming up through the drains on {street}, is help on the way?",
            "{acct} {street} is completely flooded, cars can't get through. Where are the sandbags?",
            "Is there an evacuation point for {area}? {acct} please advise, water rising fast",
            "{acct} the river has burst its banks near {park}. Kids' school bus can't get through",
            "{acct} no power on {street} and water in the front room. Who do we call?",
            "{acct} is {area} rest centre open? Elderly neighbour needs somewhere to go",
            "Anyone know if the {area} road closure is still on? {acct}",
            "{acct} please tell us which roads are shut, sat in traffic on {street} for an hour",
        ),
    },
    "roads": {
        "question": (
            "{acct} when is {street} being resurfaced? It was meant to be this month",
            "{acct} are the temporary lights on {street} staying over the weekend?",
            "{acct} will {street} be gritted tonight? It's like an ice rink",
            "{acct} how long is the {street} closure for? No diversion signs anywhere",
            "{acct} is the bus lane on {street} enforced on Sundays?",
            "{acct} who do I contact about a dropped kerb outside my house on {street}?",
        ),
        "complaint": (
            "{acct} the pothole on {street} near no. {n} has just wrecked my tyre",
            "{acct} cones on {street} for three weeks and nobody working. What's going on?",
            "{acct} the drain cover on {street} is rattling every time a bus goes over",
            "{acct} the crossing lights at {street} aren't working, someone will get hurt",
            "{acct} the road markings on {street} have worn away completely, nobody knows which lane is which",
            "{acct} reported a sunken manhole on {street} {days} days ago and it's still there",
            "{acct} the temporary lights on {street} are stuck on red, queue back to {area}",
        ),
        "name_check": (
            "Credit to {acct}, {street} finally resurfaced and it's like a new road",
            "{acct} the gritters were out early on {street}, much appreciated",
        ),
        "thanks": (
            "Thanks {acct}, pothole on {street} filled two days after I reported it",
            "{acct} thanks for the quick reply about the {street} closure",
        ),
        "detractor": (
            "{acct} fix the roads instead of tweeting about them",
            "{acct} {days} days to fill one pothole. Embarrassing",
            "{acct} more cones than workers again. Hopeless",
        ),
        "crisis": (
            "{acct} {street} underwater near the bridge, please close it before someone drives in",
            "{acct} is {street} open? Satnav says closed, signs say open",
            "{acct} tree down across {street}, blocking both lanes",
        ),
    },
}

FOLLOW_UPS = (
    "Still waiting on this, any update?",
    "Thanks, that's sorted now",
    "Done, sent you a DM",
    "That's what I was told last week too",
    "Appreciate the quick reply",
    "Reported it online as you said, ref {ref}",
    "It's happened again this morning",
    "Great, thanks for looking into it",
)

DMS: dict[str, tuple[str, ...]] = {
    "question": (
        "Hi, I've just moved to {street} and I'm not sure which day my bins go out. Can you help?",
        "Hello, can I change the date my council tax direct debit comes out? My payday moved.",
        "Hi there. I applied for a resident parking permit {days} days ago (ref {ref}). Any idea how long it takes?",
        "Hi, my mum is in {area} and needs an assisted bin collection. How do we apply for that?",
        "Hello, do you know if the {library} has a room we can book for a community group?",
        "Hi, is there help available with council tax if I've just lost my job?",
    ),
    "complaint": (
        "Hi, I'm messaging because my {service} has been missed three times now. Address is {n} {street}.",
        "I reported a leak in my council flat on {street} a fortnight ago (ref {ref}) and nobody has come.",
        "Your enforcement officer gave me a ticket while I was unloading shopping outside my own house.",
        "The noise from the building site on {street} starts at 6am every day. Is that allowed?",
    ),
    "thanks": (
        "Just wanted to say thank you for sorting out my bin so quickly. Really appreciated.",
        "Thanks for your help earlier, the form worked this time.",
    ),
    "detractor": (
        "I'll keep posting until someone takes responsibility. You've been warned.",
        "Don't send me another form letter. I want a name and a phone number.",
    ),
    "crisis": (
        "Water is coming into our house on {street}. We have a baby. Who can help us tonight?",
        "My elderly dad on {street} is stuck upstairs, the ground floor is flooded. Please help.",
    ),
}

OWN_REPLIES = (
    "Hi {name}, sorry about that. Could you send us a DM with the address and we'll look into it? ^{initials}",
    "Thanks for letting us know, {name}. We've passed this to the team and they'll be out this week. ^{initials}",
    "Hi {name}, you can report this online at riverside.gov.example/report and get a reference number. ^{initials}",
    "Hi {name}, thanks for the kind words, we'll pass them on to the crew. ^{initials}",
    "Sorry for the wait, {name}. Lines are busy this morning; a DM may be quicker for account questions. ^{initials}",
)

ANNOUNCEMENTS = {
    "council": (
        "Bank holiday update: all bin collections will run one day later than usual this week.",
        "Thank you to everyone who volunteered with the flood clean-up in {area} this weekend.",
        "{library} reopens on {day} after its refurbishment, with longer opening hours.",
        "Consultation on the {area} parking scheme is open until the end of the month. Have your say.",
    ),
    "roads": (
        "Resurfacing on {street} starts {day}. Expect temporary lights 9.30am to 3.30pm.",
        "Gritters are out tonight on all priority routes. Please drive carefully.",
        "{street} will be closed overnight for drainage repairs. Diversion via {street2}.",
    ),
}

FIRST_NAMES = (
    "Amelia",
    "Oliver",
    "Priya",
    "Jack",
    "Sophie",
    "Mohammed",
    "Grace",
    "Tom",
    "Chloe",
    "Daniel",
    "Aisha",
    "Harry",
    "Megan",
    "Kwame",
    "Lucy",
    "Ryan",
    "Zainab",
    "Liam",
    "Hannah",
    "Connor",
    "Fatima",
    "George",
    "Ellie",
    "Arjun",
    "Beth",
    "Callum",
    "Niamh",
    "Wojciech",
    "Rosie",
    "Sam",
    "Imran",
    "Katie",
    "Jamal",
    "Holly",
    "Owen",
    "Yasmin",
    "Lewis",
    "Agnieszka",
    "Ben",
    "Sian",
)
SURNAMES = (
    "Smith",
    "Khan",
    "Jones",
    "Patel",
    "Williams",
    "Taylor",
    "Brown",
    "Ahmed",
    "Evans",
    "Wilson",
    "Thomas",
    "Hughes",
    "Begum",
    "Walker",
    "Roberts",
    "Okafor",
    "Wright",
    "Nowak",
    "Hall",
    "Green",
    "Clarke",
    "Hussain",
    "Turner",
    "Murphy",
    "Price",
    "Mensah",
    "Ward",
    "Kaur",
    "Morgan",
    "Lloyd",
)
BIOS = (
    "Dog walker, tea drinker, {area} born and bred",
    "Parent of two. Opinions my own",
    "Runner. Allotment. Trying my best",
    "{area} resident. Mostly here for the local news",
    "Retired teacher, keen gardener",
    "Nurse. Night shifts. Coffee",
    "",
)
