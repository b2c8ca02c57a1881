//! Dutch for the portal's layout pages (see the parent module).

pub(super) const CATALOG: &[(&str, &str)] = &[
    // The confirmation step
    ("What this does", "Wat dit doet"),
    (
        "This cannot be undone.",
        "Dit kan niet ongedaan gemaakt worden.",
    ),
    ("Cancel", "Annuleren"),
    // The event page and form
    ("everyone", "iedereen"),
    ("Link", "Link"),
    ("none", "geen"),
    ("Submitted", "Ingediend"),
    ("Remove this poster", "Deze affiche verwijderen"),
    (
        "The poster kept from before",
        "De affiche die eerder werd opgeladen",
    ),
    // The emergency page
    (
        "choose a building from the list",
        "kies een gebouw uit de lijst",
    ),
    (
        "choose an image from the list",
        "kies een afbeelding uit de lijst",
    ),
    (
        "Show this message on every screen?",
        "Dit bericht op elk scherm tonen?",
    ),
    (
        "Every screen in every building stops its playlist and shows this message at once.",
        "Elk scherm in elk gebouw onderbreekt zijn afspeellijst en toont dit bericht meteen.",
    ),
    (
        "It stays until someone clears it on this page.",
        "Het blijft staan tot iemand het op deze pagina wist.",
    ),
    ("Show on every screen now", "Nu op elk scherm tonen"),
];
