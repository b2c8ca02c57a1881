//! Interactive kiosks: each kiosk's settings and "you are here" map page (`settings`), the city's
//! service list that every kiosk carries, with its CSV import (`services`), and what a kiosk's
//! manifest carries beside its loop (`content`).

pub mod content;
pub mod services;
pub mod settings;
