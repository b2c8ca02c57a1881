//! The city's places: buildings (time zone, venue type, opening and display hours), their
//! screens, and pairing a player with a screen by a code shown on it.

pub mod buildings;
pub mod pairing;
pub mod screens;
