"""What each notification says, in each language CrewUp speaks (English and Swedish).

One module holds every text, one `Catalog` per language side by side, so a translator or a
reviewer reads a kind's English and Swedish together, and a test checks that both languages
have every kind and every variant. `shared.notifications.render` fills the texts in.

Each text is a `str.format` template over the facts `render` draws from a kind's payload
(`sender`, `crew`, `starts_at`, ...; the `_facts` function there names them per kind).
A payload value goes in as a value, never as a template, so a name with braces stays a name.
An e-mail paragraph naming a fact that is absent (an alert without a message, a ban without a
reason) is left out. Variants are keyed `"<kind>/<variant>"` (a resolved or a cancelled alert,
a reminder a day or two hours ahead); the plain kind is the fallback for a value this
catalog does not know yet.

Safety texts come first in each catalog and say who needs what, at once: they are read on a
locked screen. None names a place: a push message leaves our systems.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shared.notifications.kinds import NotificationKind as Kind


@dataclass(frozen=True)
class KindTexts:
    """The texts of one kind (or variant) in one language.

    `title` and `body` are the push and in-app notification (short: a phone shows about two
    lines of body); `subject` and `paragraphs` the e-mail; `action` labels the e-mail's link.
    """

    title: str
    body: str
    subject: str
    paragraphs: tuple[str, ...]
    action: str


@dataclass(frozen=True)
class Catalog:
    """Every text of one language, and how it writes lists and times."""

    language: str
    kinds: Mapping[str, KindTexts]
    words: Mapping[str, str]
    alert_types: Mapping[str, str]
    alert_summaries: Mapping[str, str]
    acknowledgements: Mapping[str, str]
    event_fields: Mapping[str, str]
    weekdays: tuple[str, ...]  # Monday first, as datetime.weekday() counts
    months: tuple[str, ...]
    time_format: str  # over weekday, day, month, year, time, zone
    time_format_with_year: str


ENGLISH = Catalog(
    language="en",
    kinds={
        Kind.ALERT_RAISED: KindTexts(
            title="{sender} needs help",
            body="{summary} · {crews}",
            subject="{sender} needs help: {summary}",
            paragraphs=(
                "{sender} raised a safety alert ({alert_type}) to {crews}.",
                "“{message}”",
                "{location_note}",
                "If {sender} may be in danger, call 112 (or your local emergency number) now.",
            ),
            action="Open the alert",
        ),
        Kind.ALERT_ACKNOWLEDGED: KindTexts(
            title="{user}: {acknowledgement}",
            body="{user} answered the safety alert.",
            subject="{user} answered the safety alert: {acknowledgement}",
            paragraphs=(
                "{user} answered the safety alert: {acknowledgement}.",
                "Open the alert in CrewUp to see who else has answered.",
            ),
            action="Open the alert",
        ),
        Kind.ALERT_RESOLVED: KindTexts(
            title="The alert from {sender} is closed",
            body="Open CrewUp for the details.",
            subject="The safety alert from {sender} is closed",
            paragraphs=("The safety alert from {sender} is closed.",),
            action="Open the alert",
        ),
        f"{Kind.ALERT_RESOLVED}/resolved": KindTexts(
            title="{sender} is safe",
            body="{sender} closed the safety alert: they are safe now.",
            subject="{sender} is safe: the alert is closed",
            paragraphs=(
                "{sender} closed the safety alert and says they are safe.",
                "Thank you for looking out for each other.",
            ),
            action="Open the alert",
        ),
        f"{Kind.ALERT_RESOLVED}/cancelled": KindTexts(
            title="False alarm from {sender}",
            body="{sender} cancelled the safety alert: it was a false alarm.",
            subject="False alarm: {sender} cancelled the alert",
            paragraphs=(
                "{sender} cancelled the safety alert: it was sent by mistake and nobody "
                "needs help.",
            ),
            action="Open the alert",
        ),
        Kind.CHECK_IN_MISSED: KindTexts(
            title="{user} missed a check-in",
            body="{user} was due to check in by {due_at} ({crew}). Try to reach them now.",
            subject="{user} missed a check-in: try to reach them now",
            paragraphs=(
                "{user} set a check-in timer for {due_at} and has not checked in.",
                "The alert went to {crew}. Call or message {user} now. If nobody can reach "
                "them and they may be in danger, call 112 (or your local emergency number).",
            ),
            action="Open the alert",
        ),
        Kind.JOIN_REQUESTED: KindTexts(
            title="{user} wants to join {crew}",
            body="Approve or decline the request in CrewUp.",
            subject="{user} wants to join {crew}",
            paragraphs=(
                "{user} asked to join your crew {crew}.",
                "Approve or decline the request on the crew's page.",
            ),
            action="Open the crew",
        ),
        Kind.JOIN_APPROVED: KindTexts(
            title="You're in {crew}",
            body="Your request to join {crew} was approved. Say hi in the chat!",
            subject="You're in {crew}",
            paragraphs=(
                "Your request to join {crew} was approved.",
                "Say hi to the crew in the chat.",
            ),
            action="Open the chat",
        ),
        Kind.JOIN_REJECTED: KindTexts(
            title="Not this time: {crew}",
            body="Your request to join {crew} was declined. Find another crew in CrewUp.",
            subject="Your request to join {crew}",
            paragraphs=(
                "Your request to join {crew} was declined.",
                "Other crews are going out too: find one in CrewUp.",
            ),
            action="Find a crew",
        ),
        Kind.INVITE_USED: KindTexts(
            title="{user} joined {crew}",
            body="{user} joined with your invite link.",
            subject="{user} joined {crew}",
            paragraphs=("{user} joined {crew} with your invite link.",),
            action="Open the crew",
        ),
        Kind.WAITLIST_PROMOTED: KindTexts(
            title="You got a place: {event}",
            body="A place opened up at {event} ({starts_at}). You're going!",
            subject="You got a place at {event}",
            paragraphs=(
                "A place opened up at {event} and it is yours: you're going.",
                "It starts {starts_at}.",
                "Can't make it any more? Change your answer, so someone else gets the place.",
            ),
            action="Open the event",
        ),
        Kind.EVENT_CHANGED: KindTexts(
            title="{event} has changed",
            body="Changed: {changed}. Starts {starts_at}.",
            subject="{event} has changed: {changed}",
            paragraphs=(
                "The organizer changed {event}: {changed}.",
                "It starts {starts_at}.",
            ),
            action="See what changed",
        ),
        Kind.EVENT_CANCELLED: KindTexts(
            title="{event} is cancelled",
            body="{event} ({starts_at}) will not take place.",
            subject="Cancelled: {event} ({starts_at})",
            paragraphs=(
                "The organizer cancelled {event}, which was to start {starts_at}.",
                "Your crew's chat stays open if you want to plan something else.",
            ),
            action="Open the event",
        ),
        Kind.EVENT_REMINDER: KindTexts(
            title="Coming up: {event}",
            body="{starts_at}{at_venue}.",
            subject="Reminder: {event}, {starts_at}",
            paragraphs=(
                "{event} starts {starts_at}{at_venue}.",
                "Going with a crew? Agree in the chat where to meet, and set a check-in "
                "timer if you will go home alone.",
            ),
            action="Open the event",
        ),
        f"{Kind.EVENT_REMINDER}/24h": KindTexts(
            title="Tomorrow: {event}",
            body="{starts_at}{at_venue}.",
            subject="Tomorrow: {event}, {starts_at}",
            paragraphs=(
                "{event} starts {starts_at}{at_venue}.",
                "Going with a crew? Agree in the chat where to meet, and set a check-in "
                "timer if you will go home alone.",
            ),
            action="Open the event",
        ),
        f"{Kind.EVENT_REMINDER}/2h": KindTexts(
            title="In two hours: {event}",
            body="{starts_at}{at_venue}.",
            subject="In two hours: {event}",
            paragraphs=(
                "{event} starts {starts_at}{at_venue}.",
                "Going home alone afterwards? Set a check-in timer, so your crew knows you "
                "got home.",
            ),
            action="Open the event",
        ),
        Kind.BANNED: KindTexts(
            title="Your account is suspended",
            body="You cannot use CrewUp until a moderator lifts the suspension.",
            subject="Your CrewUp account is suspended",
            paragraphs=(
                "A moderator suspended your account until further notice.",
                "Reason: {reason}",
                "If you think this is a mistake, contact the CrewUp moderators.",
            ),
            action="Open CrewUp",
        ),
        f"{Kind.BANNED}/until": KindTexts(
            title="Your account is suspended",
            body="You cannot use CrewUp until {until}.",
            subject="Your CrewUp account is suspended until {until}",
            paragraphs=(
                "A moderator suspended your account until {until}.",
                "Reason: {reason}",
                "If you think this is a mistake, contact the CrewUp moderators.",
            ),
            action="Open CrewUp",
        ),
        Kind.UNBANNED: KindTexts(
            title="Your account is active again",
            body="Welcome back: you can use CrewUp again.",
            subject="Your CrewUp account is active again",
            paragraphs=("A moderator lifted the suspension of your account. Welcome back!",),
            action="Open CrewUp",
        ),
    },
    words={
        "someone": "Someone",
        "your_crew": "your crew",
        "the_event": "the event",
        "details": "details",
        "and": "and",
        "at_venue": " at {venue}",
        "location_shared": "{sender} shared where they are with the alert: open it in "
        "CrewUp to see it.",
        "location_not_shared": "No location was shared with this alert.",
        "safety_banner": "Safety alert",
        "footer": "You get this e-mail because of your notification settings in CrewUp.",
        "settings": "Change your notification settings",
    },
    alert_types={
        "help": "help",
        "medical": "medical",
        "harassment": "harassment",
        "lost": "lost",
        "other": "other",
        "missed_check_in": "missed check-in",
    },
    alert_summaries={
        "help": "Needs help now",
        "medical": "Medical emergency",
        "harassment": "Being harassed",
        "lost": "Lost and looking for the crew",
        "other": "Asks the crew for help",
        "missed_check_in": "Missed a check-in",
    },
    acknowledgements={"seen": "Seen", "on_my_way": "On my way", "with_them": "With them"},
    event_fields={
        "title": "title",
        "description": "description",
        "event_type": "type",
        "starts_at": "start time",
        "ends_at": "end time",
        "venue_name": "venue",
        "address": "address",
        "location": "place on the map",
        "capacity": "capacity",
    },
    weekdays=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    months=("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    time_format="{weekday} {day} {month}, {time} {zone}",
    time_format_with_year="{weekday} {day} {month} {year}, {time} {zone}",
)

SWEDISH = Catalog(
    language="sv",
    kinds={
        Kind.ALERT_RAISED: KindTexts(
            title="{sender} behöver hjälp",
            body="{summary} · {crews}",
            subject="{sender} behöver hjälp: {summary}",
            paragraphs=(
                "{sender} har skickat ett trygghetslarm ({alert_type}) till {crews}.",
                "”{message}”",
                "{location_note}",
                "Om {sender} kan vara i fara: ring 112 nu.",
            ),
            action="Öppna larmet",
        ),
        Kind.ALERT_ACKNOWLEDGED: KindTexts(
            title="{user}: {acknowledgement}",
            body="{user} svarade på trygghetslarmet.",
            subject="{user} svarade på trygghetslarmet: {acknowledgement}",
            paragraphs=(
                "{user} svarade på trygghetslarmet: {acknowledgement}.",
                "Öppna larmet i CrewUp för att se vilka fler som har svarat.",
            ),
            action="Öppna larmet",
        ),
        Kind.ALERT_RESOLVED: KindTexts(
            title="Larmet från {sender} är avslutat",
            body="Öppna CrewUp för detaljerna.",
            subject="Trygghetslarmet från {sender} är avslutat",
            paragraphs=("Trygghetslarmet från {sender} är avslutat.",),
            action="Öppna larmet",
        ),
        f"{Kind.ALERT_RESOLVED}/resolved": KindTexts(
            title="{sender} är trygg",
            body="{sender} har avslutat trygghetslarmet och är trygg nu.",
            subject="{sender} är trygg: larmet är avslutat",
            paragraphs=(
                "{sender} har avslutat trygghetslarmet och säger att hen är trygg.",
                "Tack för att ni ser efter varandra.",
            ),
            action="Öppna larmet",
        ),
        f"{Kind.ALERT_RESOLVED}/cancelled": KindTexts(
            title="Falskt larm från {sender}",
            body="{sender} återkallade trygghetslarmet: det var ett falskt larm.",
            subject="Falskt larm: {sender} återkallade larmet",
            paragraphs=(
                "{sender} återkallade trygghetslarmet: det skickades av misstag och ingen "
                "behöver hjälp.",
            ),
            action="Öppna larmet",
        ),
        Kind.CHECK_IN_MISSED: KindTexts(
            title="{user} missade en incheckning",
            body="{user} skulle ha checkat in senast {due_at} ({crew}). Försök nå hen nu.",
            subject="{user} missade en incheckning: försök nå hen nu",
            paragraphs=(
                "{user} startade en incheckningstimer till {due_at} men har inte checkat in.",
                "Larmet gick till {crew}. Ring eller skriv till {user} nu. Om ingen når hen "
                "och hen kan vara i fara: ring 112.",
            ),
            action="Öppna larmet",
        ),
        Kind.JOIN_REQUESTED: KindTexts(
            title="{user} vill gå med i {crew}",
            body="Godkänn eller avböj förfrågan i CrewUp.",
            subject="{user} vill gå med i {crew}",
            paragraphs=(
                "{user} har bett att få gå med i ditt crew {crew}.",
                "Godkänn eller avböj förfrågan på crewets sida.",
            ),
            action="Öppna crewet",
        ),
        Kind.JOIN_APPROVED: KindTexts(
            title="Du är med i {crew}",
            body="Din förfrågan att gå med i {crew} har godkänts. Säg hej i chatten!",
            subject="Du är med i {crew}",
            paragraphs=(
                "Din förfrågan att gå med i {crew} har godkänts.",
                "Säg hej till crewet i chatten.",
            ),
            action="Öppna chatten",
        ),
        Kind.JOIN_REJECTED: KindTexts(
            title="Inte den här gången: {crew}",
            body="Din förfrågan att gå med i {crew} avböjdes. Hitta ett annat crew i CrewUp.",
            subject="Din förfrågan att gå med i {crew}",
            paragraphs=(
                "Din förfrågan att gå med i {crew} avböjdes.",
                "Fler crews ska ut: hitta ett i CrewUp.",
            ),
            action="Hitta ett crew",
        ),
        Kind.INVITE_USED: KindTexts(
            title="{user} gick med i {crew}",
            body="{user} gick med via din inbjudningslänk.",
            subject="{user} gick med i {crew}",
            paragraphs=("{user} gick med i {crew} via din inbjudningslänk.",),
            action="Öppna crewet",
        ),
        Kind.WAITLIST_PROMOTED: KindTexts(
            title="Du fick en plats: {event}",
            body="En plats blev ledig på {event} ({starts_at}). Du ska dit!",
            subject="Du fick en plats på {event}",
            paragraphs=(
                "En plats blev ledig på {event} och den är din: du är anmäld.",
                "Det börjar {starts_at}.",
                "Kan du inte längre? Ändra ditt svar, så att någon annan får platsen.",
            ),
            action="Öppna evenemanget",
        ),
        Kind.EVENT_CHANGED: KindTexts(
            title="{event} har ändrats",
            body="Ändrat: {changed}. Börjar {starts_at}.",
            subject="{event} har ändrats: {changed}",
            paragraphs=(
                "Arrangören har ändrat {event}: {changed}.",
                "Det börjar {starts_at}.",
            ),
            action="Se vad som ändrats",
        ),
        Kind.EVENT_CANCELLED: KindTexts(
            title="{event} är inställt",
            body="{event} ({starts_at}) blir inte av.",
            subject="Inställt: {event} ({starts_at})",
            paragraphs=(
                "Arrangören har ställt in {event}, som skulle ha börjat {starts_at}.",
                "Crewets chatt finns kvar om ni vill hitta på något annat.",
            ),
            action="Öppna evenemanget",
        ),
        Kind.EVENT_REMINDER: KindTexts(
            title="Snart: {event}",
            body="{starts_at}{at_venue}.",
            subject="Påminnelse: {event}, {starts_at}",
            paragraphs=(
                "{event} börjar {starts_at}{at_venue}.",
                "Ska du dit med ett crew? Bestäm i chatten var ni ses, och starta en "
                "incheckningstimer om du går hem ensam.",
            ),
            action="Öppna evenemanget",
        ),
        f"{Kind.EVENT_REMINDER}/24h": KindTexts(
            title="I morgon: {event}",
            body="{starts_at}{at_venue}.",
            subject="I morgon: {event}, {starts_at}",
            paragraphs=(
                "{event} börjar {starts_at}{at_venue}.",
                "Ska du dit med ett crew? Bestäm i chatten var ni ses, och starta en "
                "incheckningstimer om du går hem ensam.",
            ),
            action="Öppna evenemanget",
        ),
        f"{Kind.EVENT_REMINDER}/2h": KindTexts(
            title="Om två timmar: {event}",
            body="{starts_at}{at_venue}.",
            subject="Om två timmar: {event}",
            paragraphs=(
                "{event} börjar {starts_at}{at_venue}.",
                "Går du hem ensam efteråt? Starta en incheckningstimer, så vet ditt crew att "
                "du kom hem.",
            ),
            action="Öppna evenemanget",
        ),
        Kind.BANNED: KindTexts(
            title="Ditt konto är avstängt",
            body="Du kan inte använda CrewUp förrän en moderator häver avstängningen.",
            subject="Ditt CrewUp-konto är avstängt",
            paragraphs=(
                "En moderator har stängt av ditt konto tills vidare.",
                "Anledning: {reason}",
                "Om du tror att det är ett misstag, kontakta CrewUps moderatorer.",
            ),
            action="Öppna CrewUp",
        ),
        f"{Kind.BANNED}/until": KindTexts(
            title="Ditt konto är avstängt",
            body="Du kan inte använda CrewUp förrän {until}.",
            subject="Ditt CrewUp-konto är avstängt till {until}",
            paragraphs=(
                "En moderator har stängt av ditt konto till {until}.",
                "Anledning: {reason}",
                "Om du tror att det är ett misstag, kontakta CrewUps moderatorer.",
            ),
            action="Öppna CrewUp",
        ),
        Kind.UNBANNED: KindTexts(
            title="Ditt konto är aktivt igen",
            body="Välkommen tillbaka: du kan använda CrewUp igen.",
            subject="Ditt CrewUp-konto är aktivt igen",
            paragraphs=("En moderator har hävt avstängningen av ditt konto. Välkommen tillbaka!",),
            action="Öppna CrewUp",
        ),
    },
    words={
        "someone": "Någon",
        "your_crew": "ditt crew",
        "the_event": "evenemanget",
        "details": "detaljer",
        "and": "och",
        "at_venue": " på {venue}",
        "location_shared": "{sender} skickade med var hen är: öppna larmet i CrewUp för att "
        "se det.",
        "location_not_shared": "Ingen position skickades med larmet.",
        "safety_banner": "Trygghetslarm",
        "footer": "Du får det här mejlet på grund av dina aviseringsinställningar i CrewUp.",
        "settings": "Ändra dina aviseringsinställningar",
    },
    alert_types={
        "help": "hjälp",
        "medical": "medicinskt",
        "harassment": "trakasserier",
        "lost": "vilse",
        "other": "annat",
        "missed_check_in": "missad incheckning",
    },
    alert_summaries={
        "help": "Behöver hjälp nu",
        "medical": "Medicinskt nödläge",
        "harassment": "Blir trakasserad",
        "lost": "Har gått vilse och letar efter crewet",
        "other": "Ber crewet om hjälp",
        "missed_check_in": "Missade en incheckning",
    },
    acknowledgements={"seen": "Sett", "on_my_way": "På väg", "with_them": "Är med hen"},
    event_fields={
        "title": "titel",
        "description": "beskrivning",
        "event_type": "typ",
        "starts_at": "starttid",
        "ends_at": "sluttid",
        "venue_name": "lokal",
        "address": "adress",
        "location": "plats på kartan",
        "capacity": "antal platser",
    },
    weekdays=("mån", "tis", "ons", "tors", "fre", "lör", "sön"),
    months=(
        "jan.",
        "feb.",
        "mars",
        "apr.",
        "maj",
        "juni",
        "juli",
        "aug.",
        "sep.",
        "okt.",
        "nov.",
        "dec.",
    ),
    time_format="{weekday} {day} {month} {time} {zone}",
    time_format_with_year="{weekday} {day} {month} {year} {time} {zone}",
)

CATALOGS: dict[str, Catalog] = {catalog.language: catalog for catalog in (ENGLISH, SWEDISH)}
DEFAULT_LANGUAGE = "en"
