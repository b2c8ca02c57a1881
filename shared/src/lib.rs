//! Types and logic that the Civicast server and player both need: the JSON wire format of the API,
//! the validation rules every input passes, venue types, playlist schedules, and how an event
//! card is laid out and set in type on a screen of any shape.
//!
//! This crate never depends on diesel or bevy, so the player builds without a database layer and
//! the server without a renderer. With the `openapi` feature the wire types also describe
//! themselves for the server's OpenAPI document.

pub mod api;
pub mod colour;
pub mod display;
pub mod layout;
pub mod schedule;
pub mod typeface;
pub mod validation;
pub mod venue;
mod wire_enum;

pub use validation::{FieldError, Validate, ValidationErrors};
