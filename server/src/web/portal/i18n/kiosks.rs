//! Dutch for the portal's kiosk pages (see the parent module): a kiosk's settings and map page,
//! and the city's services with their CSV import.

pub(super) const CATALOG: &[(&str, &str)] = &[
    // The kind of screen, and a kiosk's page.
    ("Interactive kiosk", "Interactieve kiosk"),
    (
        "Kiosk: idle time, map page and places",
        "Kiosk: wachttijd, kaartpagina en plaatsen",
    ),
    ("Kiosk", "Kiosk"),
    (
        "This screen is not a kiosk. Choose the kind Interactive kiosk on its page first.",
        "Dit scherm is geen kiosk. Kies eerst de soort Interactieve kiosk op zijn pagina.",
    ),
    (
        "Untouched, the kiosk plays its loop. A touch opens what's on in the city, the map page set here and the city's services.",
        "Zolang niemand hem aanraakt, speelt de kiosk zijn lus. Een aanraking opent wat er te doen is in de stad, de kaartpagina die hier ingesteld wordt en de dienstverlening van de stad.",
    ),
    ("Idle time in seconds", "Wachttijd in seconden"),
    (
        "Without a touch for this long, the kiosk goes back to its loop and forgets the visit (15 to 600).",
        "Wordt hij zo lang niet aangeraakt, dan keert de kiosk terug naar zijn lus en vergeet hij het bezoek (15 tot 600).",
    ),
    ("Screen diagonal in inches", "Schermdiagonaal in inch"),
    (
        "The kiosk makes every button at least 9 mm wide from it; 43 inches is the usual kiosk.",
        "Daarmee maakt de kiosk elke knop minstens 9 mm breed; 43 inch is de gebruikelijke kiosk.",
    ),
    (
        "must be between {min} and {max} seconds",
        "moet tussen {min} en {max} seconden liggen",
    ),
    (
        "must be between {min} and {max} inches",
        "moet tussen {min} en {max} inch liggen",
    ),
    (
        "must be a number from 0 to 1000",
        "moet een getal van 0 tot 1000 zijn",
    ),
    (
        "at most {max} places per map",
        "hoogstens {max} plaatsen per kaart",
    ),
    ("Map image", "Kaart"),
    (
        "A map of the area around the kiosk, uploaded to the media library. Without one, the kiosk has no map page.",
        "Een kaart van de omgeving van de kiosk, opgeladen in de mediabibliotheek. Zonder kaart heeft de kiosk geen kaartpagina.",
    ),
    ("No map page", "Geen kaartpagina"),
    (
        "The library has no images yet.",
        "De bibliotheek bevat nog geen afbeeldingen.",
    ),
    ("You are here", "U bent hier"),
    (
        "Positions on the map in thousandths: x from 0 (left edge) to 1000 (right edge), y from 0 (top edge) to 1000 (bottom edge). With JavaScript, click the map to place the point whose field has the focus.",
        "Plaatsen op de kaart in duizendsten: x van 0 (linkerrand) tot 1000 (rechterrand), y van 0 (bovenrand) tot 1000 (onderrand). Met JavaScript klikt u op de kaart om het punt te plaatsen waarvan het veld de focus heeft.",
    ),
    ("The chosen map", "De gekozen kaart"),
    ("Across (x)", "Horizontaal (x)"),
    ("Down (y)", "Verticaal (y)"),
    ("Places on the map", "Plaatsen op de kaart"),
    (
        "In the order the kiosk lists them: the tourist office first. Leave a row empty to remove a place; save to get more empty rows.",
        "In de volgorde waarin de kiosk ze toont: het toeristenbureau eerst. Maak een rij leeg om een plaats te verwijderen; bewaar om meer lege rijen te krijgen.",
    ),
    ("Not a building", "Geen gebouw"),
    (
        "Civicast building (for its opening hours)",
        "Civicast-gebouw (voor zijn openingsuren)",
    ),
    (
        "Walking directions from the kiosk",
        "Wandelroute vanaf de kiosk",
    ),
    ("Save the kiosk", "Kiosk bewaren"),
    (
        "The kiosk was saved: it shows the change at its next poll.",
        "De kiosk werd bewaard: hij toont de wijziging bij zijn volgende bevraging.",
    ),
    (
        "choose a map image: the places are marked on it",
        "kies een kaart: de plaatsen worden erop aangeduid",
    ),
    (
        "no file with this id in the library",
        "geen bestand met deze id in de bibliotheek",
    ),
    (
        "the map must be an image (PNG, JPEG or WebP), not a video",
        "de kaart moet een afbeelding zijn (PNG, JPEG of WebP), geen video",
    ),
    ("no building with this id", "geen gebouw met deze id"),
    // The city's services.
    ("City services", "Dienstverlening"),
    (
        "The city's services as every kiosk lists them: a visitor searches them by word and sees where, when and how each is delivered.",
        "De diensten van de stad zoals elke kiosk ze toont: een bezoeker zoekt ze op een woord en ziet waar, wanneer en hoe elke dienst verleend wordt.",
    ),
    ("Add a service", "Dienst toevoegen"),
    ("Edit the service", "Dienst bewerken"),
    (
        "No services yet: add them one by one, or import the list below.",
        "Nog geen diensten: voeg ze een voor een toe, of lees de lijst hieronder in.",
    ),
    ("Name of the service", "Naam van de dienst"),
    ("What it is for", "Waarvoor ze dient"),
    (
        "Where: a building or an address",
        "Waar: een gebouw of een adres",
    ),
    ("Desk or room", "Loket of lokaal"),
    (
        "As the city writes it, such as Mon-Fri 9:00-12:00, Wed 14:00-19:00.",
        "Zoals de stad het schrijft, bijvoorbeeld ma-vr 9:00-12:00, wo 14:00-19:00.",
    ),
    ("Phone", "Telefoon"),
    ("Web page", "Webpagina"),
    (
        "The kiosk shows it as a QR code.",
        "De kiosk toont ze als QR-code.",
    ),
    ("Standard identifier", "Standaardcode"),
    (
        "Where the city uses one, such as the Local Government Service List's or the IPDC product number.",
        "Waar de stad er een gebruikt, zoals die van de Local Government Service List of het IPDC-productnummer.",
    ),
    ("Save the service", "Dienst bewaren"),
    ("Removal", "Verwijderen"),
    ("Remove the service", "Dienst verwijderen"),
    (
        "Every kiosk drops it from its list at its next poll; a CSV import brings it back.",
        "Elke kiosk haalt ze bij zijn volgende bevraging uit zijn lijst; een CSV-import brengt ze terug.",
    ),
    (
        "A service with this name is in the list already: give this one another name, or change that one.",
        "Er staat al een dienst met deze naam in de lijst: geef deze een andere naam, of wijzig die andere.",
    ),
    (
        "The service was saved: kiosks show it at their next poll.",
        "De dienst werd bewaard: de kiosken tonen hem bij hun volgende bevraging.",
    ),
    ("The service was removed.", "De dienst werd verwijderd."),
    (
        "Import the list from a CSV file",
        "De lijst inlezen uit een CSV-bestand",
    ),
    (
        "The file becomes the whole list: a service it names is updated (names compared without capitals), a new one is added, and a service it leaves out is removed. One bad line and nothing changes.",
        "Het bestand wordt de hele lijst: een dienst die erin staat wordt bijgewerkt (namen vergeleken zonder op hoofdletters te letten), een nieuwe wordt toegevoegd en een dienst die er niet in staat wordt verwijderd. Is één regel fout, dan verandert er niets.",
    ),
    (
        "Nothing was imported. Correct these lines and import again:",
        "Er is niets ingelezen. Verbeter deze regels en lees opnieuw in:",
    ),
    (
        "Saved from a spreadsheet as CSV UTF-8, with commas or semicolons.",
        "Bewaard uit een rekenblad als CSV UTF-8, met komma's of puntkomma's.",
    ),
    (
        "Or paste the file's text",
        "Of plak de tekst van het bestand",
    ),
    (
        "name, purpose and place are required; the other columns may be empty or left out. web_url starts with https://.",
        "name, purpose en place zijn verplicht; de andere kolommen mogen leeg zijn of ontbreken. web_url begint met https://.",
    ),
    (
        "Choose a CSV file, or paste its text, to import.",
        "Kies een CSV-bestand, of plak de tekst ervan, om in te lezen.",
    ),
    (
        "Imported: {added} added, {updated} changed, {removed} removed.",
        "Ingelezen: {added} toegevoegd, {updated} gewijzigd, {removed} verwijderd.",
    ),
    (
        "the file is not UTF-8 text: save it from the spreadsheet as 'CSV UTF-8'",
        "het bestand is geen UTF-8-tekst: bewaar het uit het rekenblad als 'CSV UTF-8'",
    ),
    ("Map of the kiosk", "Kaart van de kiosk"),
];
