//! Dutch for the portal's planning pages (see the parent module).

pub(super) const CATALOG: &[(&str, &str)] = &[];
