//! Validation of everything a user or a screen sends: each rule names the field and says what to fix.
//!
//! Two rules hold for every input, so that nothing behind them has to guard against them again:
//! dates people enter lie in the years [`FIRST_YEAR`] to [`LAST_YEAR`] (far wider than any use,
//! far inside what chrono and the databases can add to), and texts show what they say (no value
//! made only of invisible characters, no direction controls that reorder what is shown).

use std::borrow::Cow;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// First year of the calendar that event, promotion, schedule and report dates must lie in.
pub const FIRST_YEAR: i32 = 2000;
/// Last year of that calendar.
pub const LAST_YEAR: i32 = 2200;
/// What a date outside the calendar is told (one text, so that the portal can translate it).
pub const CALENDAR_MESSAGE: &str = "must be a date in the years 2000 to 2200";
/// What a text with direction controls is told.
pub const DIRECTION_MESSAGE: &str =
    "must not contain invisible direction controls (such as U+202E); remove them";

/// Whether `value` lies in the years [`FIRST_YEAR`] to [`LAST_YEAR`] (UTC).
pub fn in_calendar(value: DateTime<Utc>) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&value.year())
}

/// Whether the day `value` lies in the years [`FIRST_YEAR`] to [`LAST_YEAR`].
pub fn day_in_calendar(value: NaiveDate) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&value.year())
}

/// Bidirectional controls (embeddings, overrides, isolates and marks): they reorder the text
/// around them, so a title can read backwards or a file name show another extension, and no
/// name needs them.
pub fn is_direction_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Characters [`clean`] removes: direction controls and format characters that show nothing
/// and that no name needs (zero-width space, word joiner and invisible operators, byte order
/// mark, the deprecated format controls, Mongolian vowel separator). Zero-width joiner and
/// non-joiner, variation selectors and tag characters stay: emoji sequences (families, flags,
/// skin tones) and several scripts are written with them, and a value made only of them is
/// still refused as empty.
fn is_stripped(c: char) -> bool {
    is_direction_control(c)
        || matches!(
            c,
            '\u{180E}' | '\u{200B}' | '\u{2060}'..='\u{2064}' | '\u{206A}'..='\u{206F}' | '\u{FEFF}'
        )
}

/// Whether `c` shows nothing on its own: whitespace, the format and other default-ignorable
/// characters, and the fillers that are drawn blank.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || is_stripped(c)
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200C}'
                | '\u{200D}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// `value` without direction controls and the other invisible format characters no name
/// needs; borrowed when it has none.
pub fn clean(value: &str) -> Cow<'_, str> {
    if value.chars().any(is_stripped) {
        Cow::Owned(value.chars().filter(|c| !is_stripped(*c)).collect())
    } else {
        Cow::Borrowed(value)
    }
}

/// Reads a text field of an input and [`clean`]s it: `#[serde(deserialize_with =
/// "crate::validation::clean_text")]`.
pub fn clean_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let value = String::deserialize(deserializer)?;
    Ok(match clean(&value) {
        Cow::Borrowed(_) => value,
        Cow::Owned(cleaned) => cleaned,
    })
}

/// [`clean_text`] for an optional field (with `#[serde(default)]`).
pub fn clean_optional_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.map(|value| clean(&value).into_owned()))
}

/// One field that failed validation, with a message that tells the user what to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// All the field errors of one input; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was added, else the collected errors.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    /// A required text of at most `max` characters that is not only whitespace or other
    /// characters that show nothing.
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().all(is_invisible) {
            self.add(field, "is required");
        } else {
            self.optional_text(field, value, max);
        }
    }

    /// A text that may be empty but is at most `max` characters long.
    pub fn optional_text(&mut self, field: &str, value: &str, max: usize) {
        let length = value.chars().count();
        if length > max {
            self.add(
                field,
                format!("must be at most {max} characters (it has {length})"),
            );
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            self.add(field, "must not contain control characters");
        } else if value.chars().any(is_direction_control) {
            self.add(field, DIRECTION_MESSAGE);
        }
    }

    /// A date in the years [`FIRST_YEAR`] to [`LAST_YEAR`].
    pub fn date(&mut self, field: &str, value: DateTime<Utc>) {
        if !in_calendar(value) {
            self.add(field, CALENDAR_MESSAGE);
        }
    }

    /// A day in the years [`FIRST_YEAR`] to [`LAST_YEAR`].
    pub fn day(&mut self, field: &str, value: NaiveDate) {
        if !day_in_calendar(value) {
            self.add(field, CALENDAR_MESSAGE);
        }
    }

    /// An e-mail address in the plain `name@domain` form.
    pub fn email(&mut self, field: &str, value: &str) {
        let length_before = self.0.len();
        self.text(field, value, 254);
        if self.0.len() != length_before {
            return;
        }
        let valid = match value.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !value.chars().any(char::is_whitespace)
                    && !domain.contains('@')
            }
            None => false,
        };
        if !valid {
            self.add(field, "must be an e-mail address such as name@example.org");
        }
    }

    /// A link that screens turn into a QR code: only http and https are accepted.
    pub fn link(&mut self, field: &str, value: &str) {
        let length_before = self.0.len();
        self.text(field, value, 500);
        if self.0.len() != length_before {
            return;
        }
        let rest = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"));
        match rest {
            Some(host) if !host.is_empty() && !value.chars().any(char::is_whitespace) => {}
            _ => self.add(
                field,
                "must be a web address starting with https:// or http://",
            ),
        }
    }

    /// A whole number in `min..=max`.
    pub fn range(&mut self, field: &str, value: i64, min: i64, max: i64) {
        if value < min || value > max {
            self.add(
                field,
                format!("must be between {min} and {max} (it is {value})"),
            );
        }
    }

    /// Human-readable summary, e.g. `title: is required; end: must be after start`.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl std::fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.summary())
    }
}

impl std::error::Error for ValidationErrors {}

/// An input that can check itself before anything is stored.
pub trait Validate {
    fn validate(&self) -> Result<(), ValidationErrors>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules_name_the_field_and_the_limit() {
        let mut errors = ValidationErrors::default();
        errors.text("title", "   ", 10);
        errors.text("name", &"x".repeat(11), 10);
        errors.optional_text("note", "bell\u{7}", 10);
        assert_eq!(errors.0.len(), 3);
        assert_eq!(errors.0[0].message, "is required");
        assert!(errors.0[1].message.contains("at most 10"));
        assert!(errors.0[2].message.contains("control"));
    }

    #[test]
    fn invisible_only_texts_are_empty_and_direction_controls_are_refused() {
        let mut errors = ValidationErrors::default();
        errors.text("title", "\u{200b}\u{200b}\u{2060}\u{feff}", 10);
        errors.text("title", "\u{200d}\u{3164}\u{115f} \u{fe0f}", 10);
        errors.text("title", "\u{202e}tnecnoc", 10);
        errors.link("link", "https://club.be/\u{202e}gpj.exe");
        let messages: Vec<_> = errors.0.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "is required",
                "is required",
                DIRECTION_MESSAGE,
                DIRECTION_MESSAGE
            ]
        );
        let mut fine = ValidationErrors::default();
        fine.text(
            "title",
            "\u{1f469}\u{200d}\u{1f469}\u{200d}\u{1f467} family day",
            40,
        );
        fine.text("title", "e\u{301}te\u{301}", 10);
        assert!(fine.is_empty(), "{fine:?}");
    }

    #[test]
    fn cleaning_strips_direction_controls_and_keeps_joiners() {
        assert_eq!(
            clean("\u{2066}Choir\u{2069} \u{202e}x\u{202c}\u{200e}\u{061c}\u{200b}\u{feff}"),
            "Choir x"
        );
        let family = "\u{1f469}\u{200d}\u{1f467}\u{fe0f}";
        assert!(matches!(clean(family), Cow::Borrowed(f) if f == family));
        let input: serde_json::Value = serde_json::json!("\u{202e}A");
        assert_eq!(clean_text(input).unwrap(), "A");
    }

    #[test]
    fn dates_lie_in_the_years_2000_to_2200() {
        use chrono::TimeZone;
        let mut errors = ValidationErrors::default();
        errors.date(
            "starts_at",
            Utc.with_ymd_and_hms(2200, 12, 31, 23, 59, 59).unwrap(),
        );
        errors.date(
            "starts_at",
            Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap(),
        );
        assert!(errors.is_empty());
        errors.date("starts_at", DateTime::<Utc>::MIN_UTC);
        errors.date("ends_at", DateTime::<Utc>::MAX_UTC);
        errors.date(
            "ends_at",
            Utc.with_ymd_and_hms(2201, 1, 1, 0, 0, 0).unwrap(),
        );
        errors.day("from", NaiveDate::MIN);
        errors.day("to", NaiveDate::from_ymd_opt(1999, 12, 31).unwrap());
        assert_eq!(errors.0.len(), 5);
        assert!(errors.0.iter().all(|e| e.message == CALENDAR_MESSAGE));
        assert_eq!(errors.0[0].field, "starts_at");
    }

    #[test]
    fn emails_and_links() {
        let mut errors = ValidationErrors::default();
        errors.email("email", "volunteer@club.be");
        errors.link("link", "https://club.be/event");
        assert!(errors.is_empty());
        errors.email("email", "not an email");
        errors.email("email", "a@b");
        errors.link("link", "javascript:alert(1)");
        assert_eq!(errors.0.len(), 3);
    }
}
