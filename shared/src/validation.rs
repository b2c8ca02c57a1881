//! Validation of everything a user or a screen sends: each rule names the field and says what to fix.

use serde::Serialize;

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

    /// A required text of at most `max` characters that is not only whitespace.
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
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
