//! Dutch for the portal's audiences pages (see the parent module).

pub(super) const CATALOG: &[(&str, &str)] = &[];
