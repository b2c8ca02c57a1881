//! Dutch for the portal's planning pages (see the parent module): the dashboard, the
//! moderation queue and its bulk decisions, a resubmission's changes, the calendar.

pub(super) const CATALOG: &[(&str, &str)] = &[
    // The dashboard.
    ("Overview", "Overzicht"),
    (
        "An emergency message is on the screens",
        "Er staat een noodbericht op de schermen",
    ),
    (
        "Clear it on the emergency page",
        "Haal het weg op de pagina Noodbericht",
    ),
    ("since", "sinds"),
    ("every screen", "alle schermen"),
    ("of", "van"),
    ("screens offline", "schermen offline"),
    ("plays this week", "vertoningen deze week"),
    (
        "estimated impressions this week",
        "geschatte contacten deze week",
    ),
    ("Most urgent submissions", "Dringendste aanvragen"),
    ("The whole queue", "De hele wachtrij"),
    ("Screens offline", "Schermen offline"),
    (
        "Every paired screen called in the last minutes.",
        "Elk gekoppeld scherm meldde zich de voorbije minuten.",
    ),
    ("last seen", "laatst gezien"),
    ("This week's plays", "Vertoningen deze week"),
    (
        "No plays recorded this week yet.",
        "Deze week nog geen vertoningen.",
    ),
    (
        "Your events and their reach",
        "Je activiteiten en hun bereik",
    ),
    (
        "Plays and estimated impressions since",
        "Vertoningen en geschatte contacten sinds",
    ),
    ("plays", "vertoningen"),
    ("estimated impressions", "geschatte contacten"),
    ("All your events", "Al je activiteiten"),
    // The moderation queue.
    ("Select", "Kiezen"),
    ("Poster", "Affiche"),
    ("Buildings asked for", "Gevraagde gebouwen"),
    ("none in particular", "geen bepaald gebouw"),
    ("event card", "activiteitenkaart"),
    ("events", "activiteiten"),
    ("page", "pagina"),
    ("Pages of the queue", "Pagina's van de wachtrij"),
    (
        "Tick the events to decide on together.",
        "Vink de activiteiten aan om er samen over te beslissen.",
    ),
    (
        "Resubmitted after changes",
        "Opnieuw ingediend na aanpassing",
    ),
    ("Resubmitted", "Opnieuw ingediend"),
    (
        "Approve the ticked events",
        "Aangevinkte activiteiten goedkeuren",
    ),
    ("Into the playlists of", "In de afspeellijsten van"),
    (
        "Each from 14 days before its start until its end.",
        "Elk van 14 dagen voor het begin tot het einde.",
    ),
    (
        "Reject the ticked events",
        "Aangevinkte activiteiten weigeren",
    ),
    (
        "Every association concerned reads this.",
        "Elke betrokken vereniging leest dit.",
    ),
    ("Nothing was decided:", "Er werd niets beslist:"),
    (
        "Tick at least one event.",
        "Vink minstens een activiteit aan.",
    ),
    (
        "Tick at least one building to approve into.",
        "Vink minstens een gebouw aan om in goed te keuren.",
    ),
    (
        "Events approved into the chosen buildings:",
        "Activiteiten goedgekeurd in de gekozen gebouwen:",
    ),
    ("Events rejected:", "Activiteiten geweigerd:"),
    (
        "Reject the selected events?",
        "De gekozen activiteiten weigeren?",
    ),
    ("Reject the events", "De activiteiten weigeren"),
    ("Reject the event", "De activiteit weigeren"),
    (
        "is rejected and leaves every screen.",
        "wordt geweigerd en verdwijnt van alle schermen.",
    ),
    (
        "Each association is told, with this reason:",
        "Elke vereniging krijgt bericht, met deze reden:",
    ),
    (
        "The association is told, with this reason:",
        "De vereniging krijgt bericht, met deze reden:",
    ),
    // A resubmission's changes on the event's page.
    ("The city had asked:", "De stad had gevraagd:"),
    (
        "Sent again without changes.",
        "Opnieuw ingediend zonder wijzigingen.",
    ),
    (
        "What changed since the city sent it back",
        "Wat veranderde sinds de stad de activiteit terugstuurde",
    ),
    ("Field", "Veld"),
    ("Before", "Vroeger"),
    ("Now", "Nu"),
    ("(none)", "(geen)"),
    ("a poster", "een affiche"),
    ("another poster", "een andere affiche"),
    (
        "no poster: the event card",
        "geen affiche: de activiteitenkaart",
    ),
    // Removing an item from a playlist.
    ("Remove from the playlist", "Uit de afspeellijst halen"),
    (
        "leaves the loop of the screens of",
        "verdwijnt uit de lus van de schermen van",
    ),
    (
        "The event is no longer approved for",
        "De activiteit is niet langer goedgekeurd voor",
    ),
    (
        "sees this on its event's page.",
        "ziet dit op de pagina van de activiteit.",
    ),
    // The calendar.
    ("Calendar", "Kalender"),
    (
        "Calendar: what each screen plays at each hour",
        "Kalender: wat elk scherm op elk uur speelt",
    ),
    (
        "What each screen plays at each hour, by the same schedule rules the players follow.",
        "Wat elk scherm op elk uur speelt, volgens dezelfde planningsregels als de spelers.",
    ),
    ("Date", "Datum"),
    ("View", "Weergave"),
    ("Week", "Week"),
    ("Other days", "Andere dagen"),
    ("Previous day", "Vorige dag"),
    ("Next day", "Volgende dag"),
    ("Previous week", "Vorige week"),
    ("Next week", "Volgende week"),
    ("Today", "Vandaag"),
    ("What plays", "Wat speelt"),
    ("Screen off (display hours)", "Scherm uit (schermuren)"),
    (
        "Nothing scheduled: the default slide",
        "Niets gepland: de standaarddia",
    ),
    (
        "The building's playlist (no screens yet)",
        "De afspeellijst van het gebouw (nog geen schermen)",
    ),
    ("Screens on from", "Schermen aan van"),
    ("to", "tot"),
    (
        "give a date such as 2026-12-20",
        "geef een datum zoals 2026-12-20",
    ),
];
