//! Dutch for the portal's layout pages (see the parent module).

pub(super) const CATALOG: &[(&str, &str)] = &[];
