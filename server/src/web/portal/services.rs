//! The city's services in the portal (staff): the list every kiosk carries, a service added,
//! changed or removed (through the confirmation step), and the whole list imported from a CSV
//! file or pasted text. A refused import lists every bad line beside the import field with what
//! to fix, and keeps the file's text in the field to correct it there.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use askama::Template;
use civicast_shared::api::kiosk::{CityService, CityServiceInput, SERVICE_NAME_MAX};
use civicast_shared::validation::clean;
use serde::Deserialize;
use uuid::Uuid;

use super::admin::refused;
use super::confirm::{self, Confirmation};
use super::form::{self, FormData};
use super::i18n::Lang;
use super::session::Visitor;
use super::{FieldErrors, FieldView, Frame, render};
use crate::core::kiosks::services::{self, CSV_COLUMNS, MAX_CSV_BYTES};
use crate::db;
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/services", web::get().to(list_page))
        .route("/services/import", web::post().to(import_csv))
        .route("/services/new", web::get().to(new_page))
        .route("/services/new", web::post().to(create))
        .route("/services/{id:[0-9a-fA-F-]{36}}", web::get().to(edit_page))
        .route("/services/{id:[0-9a-fA-F-]{36}}", web::post().to(save))
        .route(
            "/services/{id:[0-9a-fA-F-]{36}}/delete",
            web::post().to(delete),
        );
}

/// The largest pasted or refused file the page shows again in its text field.
const KEPT_TEXT_MAX: usize = 256 * 1024;

#[derive(Debug, Deserialize)]
struct DoneQuery {
    done: Option<String>,
    added: Option<u32>,
    updated: Option<u32>,
    removed: Option<u32>,
}

#[derive(Template)]
#[template(path = "services.html")]
struct ListPage {
    lang: Lang,
    frame: Frame,
    services: Vec<CityService>,
    columns: String,
    /// The import's mistakes, line by line, after a refused file.
    problems: Vec<String>,
    /// The refused file's text, to correct in place.
    kept: String,
}

async fn list_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let lang = visitor.lang;
    let notice = match query.done.as_deref() {
        Some("imported") => Some(
            lang.t("Imported: {added} added, {updated} changed, {removed} removed.")
                .replace("{added}", &query.added.unwrap_or(0).to_string())
                .replace("{updated}", &query.updated.unwrap_or(0).to_string())
                .replace("{removed}", &query.removed.unwrap_or(0).to_string()),
        ),
        Some("saved") => Some(lang.t("The service was saved: kiosks show it at their next poll.")),
        Some("deleted") => Some(lang.t("The service was removed.")),
        _ => None,
    };
    show_list(&state, &visitor, notice, Vec::new(), String::new()).await
}

async fn show_list(
    state: &AppState,
    visitor: &Visitor,
    notice: Option<String>,
    problems: Vec<String>,
    kept: String,
) -> Result<HttpResponse, AppError> {
    let services = db::run(&state.pool, services::list).await?;
    let failed = !problems.is_empty();
    let page = ListPage {
        lang: visitor.lang,
        frame: Frame::of(visitor).with_notice(notice),
        services,
        columns: CSV_COLUMNS.join(","),
        problems,
        kept,
    };
    let response = render(visitor, &page);
    if failed { refused(response) } else { response }
}

/// Reads the import form: the file, or else the pasted text (at most 2 MiB each).
async fn read_import(visitor: &Visitor, multipart: Multipart) -> Result<Vec<u8>, AppError> {
    let mut fields =
        form::small_multipart(visitor, multipart, &["csv", "csv_text"], MAX_CSV_BYTES).await?;
    let file = fields.remove("csv").unwrap_or_default();
    // A browser sends pasted text with CRLF line ends; the file as it is.
    Ok(if file.is_empty() {
        fields.remove("csv_text").unwrap_or_default()
    } else {
        file
    })
}

async fn import_csv(
    state: web::Data<AppState>,
    visitor: Visitor,
    multipart: Multipart,
) -> Result<HttpResponse, AppError> {
    let user = visitor.staff()?.clone();
    let lang = visitor.lang;
    let body = read_import(&visitor, multipart).await?;
    if body.iter().all(u8::is_ascii_whitespace) {
        let problems = vec![lang.t("Choose a CSV file, or paste its text, to import.")];
        return show_list(&state, &visitor, None, problems, String::new()).await;
    }
    let kept = match std::str::from_utf8(&body) {
        Ok(text) if text.len() <= KEPT_TEXT_MAX => text.trim_start_matches('\u{feff}').to_owned(),
        _ => String::new(),
    };
    match db::run(&state.pool, move |conn| {
        services::import(conn, &user, &body)
    })
    .await
    {
        Ok(done) => Ok(visitor.redirect(&format!(
            "/services?done=imported&added={}&updated={}&removed={}",
            done.added, done.updated, done.removed
        ))),
        Err(AppError::Validation(errors)) => {
            let problems = errors
                .0
                .iter()
                .map(|e| {
                    let line = e
                        .field
                        .strip_prefix("line ")
                        .map(|n| format!("{} {n}: ", lang.t("Line")))
                        .unwrap_or_default();
                    format!("{line}{}", import_message(lang, &e.message))
                })
                .collect();
            show_list(&state, &visitor, None, problems, kept).await
        }
        Err(other) => Err(other),
    }
}

/// An import mistake in the reader's language, with the names and values it quotes kept.
fn import_message(lang: Lang, english: &str) -> String {
    if lang == Lang::En {
        return english.to_owned();
    }
    let header = CSV_COLUMNS.join(",");
    if english.starts_with("the file is not UTF-8") {
        return lang.t("the file is not UTF-8 text: save it from the spreadsheet as 'CSV UTF-8'");
    }
    if english.starts_with("the file has no services") {
        return format!(
            "het bestand bevat geen diensten: de eerste regel noemt de kolommen {header} en elke volgende regel is één dienst"
        );
    }
    if let Some(rest) = english.strip_prefix("the header names unknown column(s) ") {
        let unknown = rest.split(';').next().unwrap_or_default();
        return format!(
            "de kopregel noemt onbekende kolom(men) {unknown}; de kolommen zijn {header}"
        );
    }
    if let Some(rest) = english.strip_prefix("the header lacks ") {
        let missing = rest.split(';').next().unwrap_or_default();
        return format!("de kopregel mist {missing}; de eerste regel noemt de kolommen {header}");
    }
    if let Some(rest) = english.strip_prefix("has ")
        && let Some((found, rest)) = rest.split_once(" fields where the header names ")
    {
        let width = rest.split(':').next().unwrap_or_default();
        return format!(
            "heeft {found} velden waar de kopregel er {width} noemt: zet een waarde (of niets) tussen elke twee komma's, en aanhalingstekens rond een tekst met een komma"
        );
    }
    if let Some(rest) = english.strip_prefix("the file has ")
        && let Some((count, max)) = rest.split_once(" services; a kiosk carries at most ")
    {
        return format!("het bestand bevat {count} diensten; een kiosk draagt er hoogstens {max}");
    }
    if let Some((column, message)) = english.split_once(": ") {
        if let Some(rest) = message.strip_prefix('\'')
            && let Some((name, rest)) = rest.split_once("' is on line ")
        {
            let first = rest.split(' ').next().unwrap_or_default();
            return format!("{column}: '{name}' staat ook op regel {first}; elke dienst één keer");
        }
        return format!("{column}: {}", lang.message(message));
    }
    lang.message(english)
}

// ---- One service ----

#[derive(Template)]
#[template(path = "services_form.html")]
struct FormPage {
    lang: Lang,
    frame: Frame,
    /// `None` for a new service.
    id: Option<String>,
    title: String,
    fields: Vec<FieldView>,
    has_errors: bool,
}

fn service_fields(lang: Lang, value: impl Fn(&str) -> String) -> Vec<FieldView> {
    vec![
        FieldView::new("name", lang.t("Name of the service"), "text", value("name"))
            .required()
            .max(SERVICE_NAME_MAX),
        FieldView::new("purpose", lang.t("What it is for"), "textarea", value("purpose"))
            .required()
            .max(1000),
        FieldView::new("place", lang.t("Where: a building or an address"), "text", value("place"))
            .required()
            .max(240),
        FieldView::new("desk", lang.t("Desk or room"), "text", value("desk")).max(120),
        FieldView::new("hours", lang.t("When"), "text", value("hours"))
            .max(240)
            .hint(lang.t("As the city writes it, such as Mon-Fri 9:00-12:00, Wed 14:00-19:00.")),
        FieldView::new("phone", lang.t("Phone"), "tel", value("phone")).max(40),
        FieldView::new("web_url", lang.t("Web page"), "url", value("web_url"))
            .max(500)
            .hint(lang.t("The kiosk shows it as a QR code.")),
        FieldView::new("identifier", lang.t("Standard identifier"), "text", value("identifier"))
            .max(64)
            .hint(lang.t(
                "Where the city uses one, such as the Local Government Service List's or the IPDC product number.",
            )),
    ]
}

async fn show_form(
    visitor: &Visitor,
    id: Option<String>,
    value: impl Fn(&str) -> String,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let lang = visitor.lang;
    let mut fields = service_fields(lang, value);
    errors.place(&mut fields);
    let title = match id {
        Some(_) => lang.t("Edit the service"),
        None => lang.t("Add a service"),
    };
    render(
        visitor,
        &FormPage {
            lang,
            frame: Frame::of(visitor),
            id,
            title,
            fields,
            has_errors: !errors.is_empty(),
        },
    )
}

async fn new_page(visitor: Visitor) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    show_form(&visitor, None, |_| String::new(), FieldErrors::default()).await
}

async fn edit_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let key = id.into_inner().to_string();
    let row = db::run(&state.pool, move |conn| services::find(conn, &key)).await?;
    let service = CityService::from(row);
    let value = |name: &str| {
        match name {
            "name" => Some(service.name.clone()),
            "purpose" => Some(service.purpose.clone()),
            "place" => Some(service.place.clone()),
            "identifier" => service.identifier.clone(),
            "desk" => service.desk.clone(),
            "hours" => service.hours.clone(),
            "phone" => service.phone.clone(),
            "web_url" => service.web_url.clone(),
            _ => None,
        }
        .unwrap_or_default()
    };
    show_form(
        &visitor,
        Some(service.id.to_string()),
        value,
        FieldErrors::default(),
    )
    .await
}

fn input_of(form: &FormData) -> CityServiceInput {
    let text = |name: &str| clean(form.text(name).trim()).trim().to_owned();
    let optional = |name: &str| Some(text(name)).filter(|value| !value.is_empty());
    CityServiceInput {
        name: text("name"),
        identifier: optional("identifier"),
        purpose: text("purpose"),
        place: text("place"),
        desk: optional("desk"),
        hours: optional("hours"),
        phone: optional("phone"),
        web_url: optional("web_url"),
    }
}

/// The form again after a refused save: each mistake beside its field, what was typed kept.
async fn refused_form(
    visitor: &Visitor,
    id: Option<String>,
    form: &FormData,
    error: AppError,
) -> Result<HttpResponse, AppError> {
    let lang = visitor.lang;
    let errors = match error {
        AppError::Conflict(_) => {
            let mut errors = FieldErrors::default();
            errors.add(
                "name",
                lang.t("A service with this name is in the list already: give this one another name, or change that one."),
            );
            errors
        }
        other => FieldErrors::from_error(other, lang)?,
    };
    refused(show_form(visitor, id, |name| form.text(name), errors).await)
}

async fn create(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.0.clone();
    let input = input_of(&form);
    let result = db::run(&state.pool, move |conn| {
        db::transaction(conn, |conn| services::create(conn, &user, &input))
    })
    .await;
    match result {
        Ok(_) => Ok(visitor.redirect("/services?done=saved")),
        Err(error) => refused_form(&visitor, None, &form, error).await,
    }
}

async fn save(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.0.clone();
    let key = id.into_inner().to_string();
    let input = input_of(&form);
    let stored_key = key.clone();
    let result = db::run(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            services::update(conn, &user, &stored_key, &input)
        })
    })
    .await;
    match result {
        Ok(_) => Ok(visitor.redirect("/services?done=saved")),
        Err(error) => refused_form(&visitor, Some(key), &form, error).await,
    }
}

async fn delete(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.0.clone();
    let (key, lang) = (id.into_inner().to_string(), visitor.lang);
    if !confirm::is_confirmed(&form) {
        let lookup = key.clone();
        let name = db::run(&state.pool, move |conn| {
            Ok(services::find(conn, &lookup)?.name)
        })
        .await?;
        return confirm::ask(
            &visitor,
            Confirmation {
                title: format!("{} {name}?", lang.t("Remove the service")),
                consequences: vec![lang.t(
                    "Every kiosk drops it from its list at its next poll; a CSV import brings it back.",
                )],
                action: format!("/services/{key}/delete"),
                fields: form.fields(),
                button: lang.t("Remove the service"),
                back: format!("/services/{key}"),
            },
        );
    }
    db::run(&state.pool, move |conn| {
        db::transaction(conn, |conn| services::delete(conn, &user, &key))
    })
    .await?;
    Ok(visitor.redirect("/services?done=deleted"))
}
