//! Form posts, read into one shape whether they came URL-encoded or as multipart with a file:
//! fields by name (a name may repeat, as checkboxes do) and, for multipart, the one image file.

use actix_multipart::Multipart;
use actix_web::web;
use futures_util::StreamExt;

use super::session::Visitor;
use crate::core::media::{MediaStore, StoredMedia};
use crate::error::AppError;

/// Largest URL-encoded form accepted.
const MAX_FORM_BYTES: usize = 64 * 1024;
/// Most fields a form may have.
const MAX_FIELDS: usize = 400;

#[derive(Debug, Default)]
pub struct FormData {
    fields: Vec<(String, String)>,
    /// The file sent in the form's file input, checked and stored, with the name it had.
    pub file: Option<(StoredMedia, String)>,
    /// Why the file was refused (not an image, too large, ...); the other fields are kept.
    pub file_error: Option<AppError>,
}

impl FormData {
    pub fn from_urlencoded(body: &[u8]) -> Result<FormData, AppError> {
        if body.len() > MAX_FORM_BYTES {
            return Err(AppError::PayloadTooLarge("the form is too large".into()));
        }
        let fields: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
        if fields.len() > MAX_FIELDS {
            return Err(AppError::BadRequest("the form has too many fields".into()));
        }
        Ok(FormData {
            fields,
            ..FormData::default()
        })
    }

    /// Reads a multipart form that `visitor` posted: text fields up to 64 KiB in all, and the
    /// file input named `file_field` streamed into the media store (an empty file input is no
    /// file). The CSRF field must come before the file, so that nothing is stored for a form
    /// that is refused.
    pub async fn from_multipart(
        visitor: &Visitor,
        mut multipart: Multipart,
        media: &MediaStore,
        file_field: &str,
    ) -> Result<FormData, AppError> {
        let mut form = FormData::default();
        let mut text_bytes = 0usize;
        let mut csrf_checked = false;
        while let Some(field) = multipart.next().await {
            let mut field =
                field.map_err(|e| AppError::BadRequest(format!("the form is malformed: {e}")))?;
            let name = field.name().unwrap_or_default().to_owned();
            if name == file_field {
                let filename = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .map(civicast_shared::validation::clean)
                    .unwrap_or_default()
                    .chars()
                    .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
                    .take(200)
                    .collect::<String>();
                if filename.is_empty() {
                    // The browser sends an empty part when no file was chosen.
                    while let Some(chunk) = field.next().await {
                        chunk.map_err(|e| {
                            AppError::BadRequest(format!("the form is malformed: {e}"))
                        })?;
                    }
                    continue;
                }
                if !csrf_checked {
                    visitor.check_csrf(None)?;
                }
                let declared = field.content_type().map(|m| m.essence_str().to_owned());
                // Fused: a field must not be polled again once it has ended.
                let mut file = (&mut field).fuse();
                match media.receive(declared, None, &mut file).await {
                    Ok(stored) => form.file = Some((stored, filename)),
                    Err(
                        refused @ (AppError::Validation(_)
                        | AppError::UnsupportedMediaType(_)
                        | AppError::PayloadTooLarge(_)),
                    ) => {
                        // Read past the rest of the file to reach the fields after it.
                        while let Some(chunk) = file.next().await {
                            chunk.map_err(|e| {
                                AppError::BadRequest(format!("the form is malformed: {e}"))
                            })?;
                        }
                        form.file_error = Some(refused);
                    }
                    Err(other) => return Err(other),
                }
                continue;
            }
            let mut value = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk
                    .map_err(|e| AppError::BadRequest(format!("the form is malformed: {e}")))?;
                text_bytes += chunk.len();
                if text_bytes > MAX_FORM_BYTES {
                    return Err(AppError::PayloadTooLarge("the form is too large".into()));
                }
                value.extend_from_slice(&chunk);
            }
            if form.fields.len() >= MAX_FIELDS {
                return Err(AppError::BadRequest("the form has too many fields".into()));
            }
            let value = String::from_utf8(value)
                .map_err(|_| AppError::BadRequest(format!("the field {name} is not UTF-8 text")))?;
            if name == "csrf" {
                visitor.check_csrf(Some(&value))?;
                csrf_checked = true;
            }
            form.fields.push((name, value));
        }
        if !csrf_checked {
            visitor.check_csrf(None)?;
        }
        Ok(form)
    }

    /// Reads a URL-encoded body.
    pub async fn read(payload: web::Payload) -> Result<FormData, AppError> {
        let body = crate::web::api::read_body(payload, MAX_FORM_BYTES).await?;
        FormData::from_urlencoded(&body)
    }

    /// Reads a URL-encoded form that `visitor` posted, refusing it unless its CSRF token
    /// matches this browser's.
    pub async fn posted(visitor: &Visitor, payload: web::Payload) -> Result<FormData, AppError> {
        let form = FormData::read(payload).await?;
        visitor.check_csrf(form.csrf())?;
        Ok(form)
    }

    /// Every field as posted, in order (for a confirmation step that posts them again).
    pub fn fields(&self) -> Vec<(String, String)> {
        self.fields.clone()
    }

    /// The first value of `name`, trimmed of nothing (callers trim where it matters).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name`, or empty.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    /// Every value of `name`, as checked checkboxes send them.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn csrf(&self) -> Option<&str> {
        self.get("csrf")
    }
}

/// Reads a small multipart form that `visitor` posted and keeps it in memory: the CSRF field
/// first, then the fields named in `wanted` (a CSV file, pasted text), each at most `limit`
/// bytes. Fields before the CSRF field and others are passed over.
pub async fn small_multipart(
    visitor: &Visitor,
    mut multipart: Multipart,
    wanted: &[&str],
    limit: usize,
) -> Result<std::collections::HashMap<String, Vec<u8>>, AppError> {
    let mut csrf_checked = false;
    let mut kept = std::collections::HashMap::new();
    while let Some(field) = multipart.next().await {
        let mut field =
            field.map_err(|e| AppError::BadRequest(format!("the form is malformed: {e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk =
                chunk.map_err(|e| AppError::BadRequest(format!("the form is malformed: {e}")))?;
            if value.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge(format!(
                    "the file is larger than {} MiB",
                    limit / (1024 * 1024)
                )));
            }
            value.extend_from_slice(&chunk);
        }
        if name == "csrf" {
            visitor.check_csrf(std::str::from_utf8(&value).ok())?;
            csrf_checked = true;
        } else if csrf_checked && wanted.contains(&name.as_str()) {
            kept.insert(name, value);
        }
    }
    if !csrf_checked {
        visitor.check_csrf(None)?;
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_keep_every_value() {
        let form = FormData::from_urlencoded(b"csrf=x&b=1&b=2&title=A+%3Cb%3E").unwrap();
        assert_eq!(form.all("b"), vec!["1", "2"]);
        assert_eq!(form.get("title"), Some("A <b>"));
        assert_eq!(form.csrf(), Some("x"));
        assert_eq!(form.get("missing"), None);
    }
}
