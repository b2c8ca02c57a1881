//! Dutch for the public agenda (`/agenda`, an event's public page, the feeds) and the kiosk
//! report (see the parent module).

pub(super) const CATALOG: &[(&str, &str)] = &[
    // The public agenda.
    (
        "Choose today, this weekend or any day.",
        "Kies vandaag, dit weekend of om het even welke dag.",
    ),
    (
        "Choose one of the categories.",
        "Kies een van de categorieën.",
    ),
    ("What's on in", "Uit in"),
    ("What's on", "Wat is er te doen"),
    ("Any day", "Elke dag"),
    ("This weekend", "Dit weekend"),
    ("Every category", "Alle categorieën"),
    ("Every place", "Alle plaatsen"),
    (
        "The agenda as a calendar (iCalendar)",
        "De agenda als kalender (iCalendar)",
    ),
    (
        "Events of local associations and the city, approved for the city's screens.",
        "Activiteiten van verenigingen en van de stad, goedgekeurd voor de schermen van de stad.",
    ),
    (
        "Add the agenda to your calendar (iCalendar)",
        "Zet de agenda in je kalender (iCalendar)",
    ),
    (
        "The agenda as data (JSON, schema.org)",
        "De agenda als gegevens (JSON, schema.org)",
    ),
    (
        "Associations: submit an event",
        "Verenigingen: dien een activiteit in",
    ),
    (
        "This page sets no cookies and keeps nothing about you.",
        "Deze pagina zet geen cookies en bewaart niets over jou.",
    ),
    ("Agenda", "Agenda"),
    ("Quick choices", "Snel kiezen"),
    ("On a date", "Op een datum"),
    ("Place", "Plaats"),
    ("1 event", "1 activiteit"),
    ("Show every event", "Toon alle activiteiten"),
    (
        "No events match these choices. Try another day, category or place.",
        "Geen activiteiten voor deze keuze. Probeer een andere dag, categorie of plaats.",
    ),
    (
        "No events are planned at the moment.",
        "Er zijn op dit moment geen activiteiten gepland.",
    ),
    (
        "These events as a calendar (iCalendar)",
        "Deze activiteiten als kalender (iCalendar)",
    ),
    ("Back to the agenda", "Terug naar de agenda"),
    ("Organiser", "Organisator"),
    ("More information", "Meer informatie"),
    ("Add to my calendar", "Zet in mijn kalender"),
    ("Event not found", "Activiteit niet gevonden"),
    (
        "This event is not in the agenda: it may be over, withdrawn, or not approved yet.",
        "Deze activiteit staat niet in de agenda: ze is misschien voorbij, ingetrokken of nog niet goedgekeurd.",
    ),
    ("See what's on", "Bekijk wat er te doen is"),
    // The event page's reach.
    ("Public page visits", "Bezoeken van de publieke pagina"),
    // The kiosk report.
    ("Kiosk use", "Gebruik van de kiosken"),
    (
        "What visitors look for at each kiosk, per daypart in the kiosk's building. A session runs from the first touch until the kiosk goes back to its loop.",
        "Wat bezoekers zoeken aan elke kiosk, per dagdeel in het gebouw van de kiosk. Een sessie loopt van de eerste aanraking tot de kiosk terugkeert naar zijn lus.",
    ),
    ("Kiosk sessions", "Kiosksessies"),
    (
        "No kiosk sessions in this period.",
        "Geen kiosksessies in deze periode.",
    ),
    ("Sessions", "Sessies"),
    ("Length (median · average)", "Duur (mediaan · gemiddeld)"),
    ("Pages opened", "Geopende pagina's"),
    ("QR codes shown", "Getoonde QR-codes"),
    ("Service searches", "Zoekopdrachten naar diensten"),
    ("Events looked at most", "Meest bekeken activiteiten"),
    ("Languages", "Talen"),
    ("Events list", "Lijst van activiteiten"),
    ("Event pages", "Pagina's van activiteiten"),
    ("Map page", "Kaart"),
    ("Services list", "Lijst van diensten"),
    ("Service pages", "Pagina's van diensten"),
    (
        "A kiosk and daypart with fewer than 10 sessions shows none of its figures (<10), so that no visitor can be singled out. Sessions record what was opened, never who.",
        "Een kiosk en dagdeel met minder dan 10 sessies toont geen cijfers (<10), zodat geen bezoeker herkenbaar is. Sessies houden bij wat geopend werd, nooit wie.",
    ),
];
