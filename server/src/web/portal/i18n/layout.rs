//! Dutch for the portal's layout pages (see the parent module).

pub(super) const CATALOG: &[(&str, &str)] = &[
    // The confirmation step
    ("What this does", "Wat dit doet"),
    (
        "This cannot be undone.",
        "Dit kan niet ongedaan gemaakt worden.",
    ),
    ("Cancel", "Annuleren"),
];
