//! Dutch for the portal's administration pages (see the parent module).

pub(super) const CATALOG: &[(&str, &str)] = &[];
