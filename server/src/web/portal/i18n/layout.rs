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
];
