//! The public agenda, for everyone, without signing in: `/agenda` lists the city's approved
//! events that have not ended (by day, category and place, with their posters), `/agenda/{id}`
//! is an event's own page (the address the kiosks' and screens' QR codes point to), and
//! `/agenda.ics` and `/agenda.json` publish the same list as iCalendar and schema.org JSON-LD
//! for the city's website and people's calendars.
//!
//! These pages set no cookie and keep nothing about who reads them: the language comes from
//! `?lang=`, else the portal's language cookie or the browser's preference; a visit of an
//! event's page adds one to that event's count for the day, and nothing else is written.

use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use civicast_shared::ValidationErrors;
use civicast_shared::api::events::EventCategory;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Choice;
use super::i18n::Lang;
use super::session::language_of;
use crate::core::agenda::{self, AgendaEvent, AgendaFilter, DayFilter, PosterSize};
use crate::db;
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/agenda", web::get().to(list))
        .route("/agenda.ics", web::get().to(ics_feed))
        .route("/agenda.json", web::get().to(json_feed))
        .route("/agenda/{id}", web::get().to(event_page))
        .route("/agenda/{id}", web::head().to(event_page))
        .route("/agenda/{id}/event.ics", web::get().to(event_ics))
        .route("/agenda/{id}/poster", web::get().to(poster))
        .route("/agenda/{id}/thumbnail", web::get().to(thumbnail));
}

/// The filters as a visitor sends them; anything else in the query is ignored.
#[derive(Debug, Default, Deserialize)]
struct AgendaQuery {
    /// `today` or `weekend`.
    day: Option<String>,
    /// A day, `2026-12-20`; wins over `day`.
    date: Option<String>,
    category: Option<String>,
    place: Option<String>,
    lang: Option<String>,
}

/// The filters read, with what was typed and what to fix.
struct ReadFilters {
    filter: AgendaFilter,
    day: String,
    date: String,
    category: String,
    place: String,
    errors: super::FieldErrors,
}

fn read_filters(query: &AgendaQuery, lang: Lang) -> ReadFilters {
    let typed = |value: &Option<String>| value.as_deref().unwrap_or_default().trim().to_owned();
    let (day, date, category, place) = (
        typed(&query.day),
        typed(&query.date),
        typed(&query.category),
        typed(&query.place),
    );
    let mut errors = super::FieldErrors::default();
    let mut filter = AgendaFilter::default();
    match day.as_str() {
        "" => {}
        "today" => filter.day = Some(DayFilter::Today),
        "weekend" => filter.day = Some(DayFilter::Weekend),
        _ => errors.add("day", lang.t("Choose today, this weekend or any day.")),
    }
    if !date.is_empty() {
        match NaiveDate::parse_from_str(&date, "%Y-%m-%d") {
            Ok(on) => {
                let mut calendar = ValidationErrors::default();
                calendar.day("date", on);
                match calendar.0.first() {
                    Some(error) => errors.add("date", lang.message(&error.message)),
                    None => filter.day = Some(DayFilter::Date(on)),
                }
            }
            Err(_) => errors.add("date", lang.t("Give a date such as 2026-12-20.")),
        }
    }
    if !category.is_empty() {
        match EventCategory::parse(&category) {
            Some(known) => filter.category = Some(known),
            None => errors.add("category", lang.t("Choose one of the categories.")),
        }
    }
    if !place.is_empty() {
        filter.place = Some(place.clone());
    }
    ReadFilters {
        filter,
        day,
        date,
        category,
        place,
        errors,
    }
}

/// The language of a public page: `?lang=`, else the portal's cookie or the browser's wish.
fn language(req: &HttpRequest, asked: Option<&str>) -> Lang {
    asked
        .and_then(Lang::from_code)
        .unwrap_or_else(|| language_of(req))
}

/// This page in the other language: the same path and query with `lang` changed.
fn switch_href(req: &HttpRequest, lang: Lang) -> String {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(name, _)| name != "lang")
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    pairs.push(("lang".into(), lang.other().code().into()));
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{}?{query}", req.path())
}

/// The address the feeds and pages give for this site: `--public-url`, else the host asked for.
fn site(state: &AppState, req: &HttpRequest) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let scheme = if crate::web::extract::is_https(req) {
        "https"
    } else {
        "http"
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// What every public page's frame shows.
struct PublicFrame {
    switch_href: String,
    /// "Agenda of Kortrijk", or "Agenda" without a city name.
    heading: String,
}

fn frame(state: &AppState, req: &HttpRequest, lang: Lang) -> PublicFrame {
    PublicFrame {
        switch_href: switch_href(req, lang),
        heading: match &state.settings.city_name {
            Some(city) => format!("{} {city}", lang.t("What's on in")),
            None => lang.t("What's on"),
        },
    }
}

/// An HTML page that sets no cookie.
fn public_page(
    status: StatusCode,
    template: &impl Template,
    cache: &'static str,
) -> Result<HttpResponse, AppError> {
    let html = template
        .render()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("a page failed to render: {e}")))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Language, Cookie"))
        .body(html))
}

/// One event in the list.
#[derive(Debug)]
struct Item {
    href: String,
    title: String,
    when: String,
    venue: String,
    category: String,
    organiser: String,
    /// The thumbnail's address and its size in CSS pixels.
    thumbnail: Option<(String, u32, u32)>,
}

/// The events of one day in the list.
#[derive(Debug)]
struct DayGroup {
    heading: String,
    items: Vec<Item>,
}

#[derive(Template)]
#[template(path = "agenda.html")]
struct ListPage {
    lang: Lang,
    frame: PublicFrame,
    /// The quick choices of day: address, label, whether it is the one shown.
    days: Vec<(String, String, bool)>,
    /// The day chosen by a quick choice, carried by the form.
    day: String,
    date: String,
    categories: Vec<Choice>,
    places: Vec<Choice>,
    day_error: Option<String>,
    date_error: Option<String>,
    category_error: Option<String>,
    groups: Vec<DayGroup>,
    /// The filters as a query string, for the feeds' links.
    feed_query: String,
    filtered: bool,
    count: usize,
}

/// The size of a thumbnail: the poster fitted in 320 x 320, shown at half that.
fn thumbnail_size(poster: (i32, i32)) -> (u32, u32) {
    let (width, height) = (poster.0.max(1) as f64, poster.1.max(1) as f64);
    let scale = (160.0 / width).min(160.0 / height);
    (
        (width * scale).round().max(1.0) as u32,
        (height * scale).round().max(1.0) as u32,
    )
}

/// `text` with its first letter made a capital: a heading "Za 12 dec. 2026".
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// "za 12 dec. 2026 19:30 – 22:00", or both moments in full when it ends on another day.
fn when(lang: Lang, event: &AgendaEvent, tz: Tz) -> String {
    let start = event.starts_at.with_timezone(&tz);
    let end = event.ends_at.with_timezone(&tz);
    if start.date_naive() == end.date_naive() {
        format!(
            "{} – {}",
            lang.datetime(event.starts_at, tz),
            end.format("%H:%M")
        )
    } else {
        format!(
            "{} – {}",
            lang.datetime(event.starts_at, tz),
            lang.datetime(event.ends_at, tz)
        )
    }
}

async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<AgendaQuery>,
) -> Result<HttpResponse, AppError> {
    let lang = language(&req, query.lang.as_deref());
    let tz = state.settings.city_time_zone;
    let read = read_filters(&query, lang);
    let now = Utc::now();
    let filter = if read.errors.is_empty() {
        Some(read.filter.clone())
    } else {
        None
    };
    let (events, places) = db::run(&state.pool, move |conn| {
        let events = match filter {
            Some(filter) => agenda::upcoming(conn, &filter, now, tz)?,
            None => Vec::new(),
        };
        Ok((events, agenda::places(conn, now)?))
    })
    .await?;
    let mut groups: Vec<DayGroup> = Vec::new();
    for event in &events {
        let shown_on = event.starts_at.max(now);
        let heading = capitalised(&lang.date(shown_on, tz));
        let item = Item {
            href: format!("/agenda/{}?lang={}", event.id, lang.code()),
            title: event.title.clone(),
            when: when(lang, event, tz),
            venue: event.venue.clone(),
            category: lang.category(event.category),
            organiser: event.organiser.clone(),
            thumbnail: event.poster.map(|size| {
                let (width, height) = thumbnail_size(size);
                (format!("/agenda/{}/thumbnail", event.id), width, height)
            }),
        };
        match groups.last_mut() {
            Some(group) if group.heading == heading => group.items.push(item),
            _ => groups.push(DayGroup {
                heading,
                items: vec![item],
            }),
        }
    }
    // A quick choice of day keeps the category and place chosen, and replaces a date.
    let days = [
        ("", "Any day"),
        ("today", "Today"),
        ("weekend", "This weekend"),
    ]
    .into_iter()
    .map(|(value, label)| {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                [
                    ("day", value),
                    ("category", read.category.as_str()),
                    ("place", read.place.as_str()),
                    ("lang", lang.code()),
                ]
                .into_iter()
                .filter(|(_, value)| !value.is_empty()),
            )
            .finish();
        (
            format!("/agenda?{query}"),
            lang.t(label),
            read.day == value && read.date.is_empty(),
        )
    })
    .collect();
    let mut categories = vec![Choice {
        value: String::new(),
        label: lang.t("Every category"),
        checked: read.category.is_empty(),
    }];
    categories.extend(EventCategory::ALL.iter().map(|category| Choice {
        value: category.as_str().into(),
        label: lang.category(*category),
        checked: read.category == category.as_str(),
    }));
    let mut place_choices = vec![Choice {
        value: String::new(),
        label: lang.t("Every place"),
        checked: read.place.is_empty(),
    }];
    if !read.place.is_empty() && !places.contains(&read.place) {
        place_choices.push(Choice {
            value: read.place.clone(),
            label: read.place.clone(),
            checked: true,
        });
    }
    place_choices.extend(places.into_iter().map(|place| Choice {
        checked: place == read.place,
        label: place.clone(),
        value: place,
    }));
    let feed_query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            [
                ("day", &read.day),
                ("date", &read.date),
                ("category", &read.category),
                ("place", &read.place),
            ]
            .into_iter()
            .filter(|(_, value)| !value.is_empty()),
        )
        .finish();
    let page = ListPage {
        lang,
        frame: frame(&state, &req, lang),
        days,
        day: if read.date.is_empty() && read.errors.take(&["day"]).is_none() {
            read.day.clone()
        } else {
            String::new()
        },
        date: read.date.clone(),
        categories,
        places: place_choices,
        day_error: read.errors.take(&["day"]),
        date_error: read.errors.take(&["date"]),
        category_error: read.errors.take(&["category"]),
        filtered: !feed_query.is_empty(),
        feed_query,
        count: events.len(),
        groups,
    };
    if read.errors.is_empty() {
        public_page(StatusCode::OK, &page, "public, max-age=60")
    } else {
        public_page(StatusCode::UNPROCESSABLE_ENTITY, &page, "no-store")
    }
}

#[derive(Template)]
#[template(path = "agenda_event.html")]
struct EventPage {
    lang: Lang,
    frame: PublicFrame,
    id: String,
    title: String,
    when: String,
    venue: String,
    organiser: String,
    category: String,
    description: String,
    link: Option<String>,
    /// The poster's address and size.
    poster: Option<(String, i32, i32)>,
    /// The event as schema.org JSON-LD, made safe to sit in a script element.
    json_ld: String,
}

#[derive(Template)]
#[template(path = "agenda_missing.html")]
struct MissingPage {
    lang: Lang,
    frame: PublicFrame,
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// Whether the request comes from a program that indexes pages rather than a person.
fn is_bot(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|agent| agent.to_str().ok())
        .map(str::to_ascii_lowercase)
        .is_some_and(|agent| ["bot", "spider", "crawl"].iter().any(|w| agent.contains(w)))
}

/// The event's public page; a GET by a person counts as one visit.
async fn event_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<LangQuery>,
) -> Result<HttpResponse, AppError> {
    let lang = language(&req, query.lang.as_deref());
    let tz = state.settings.city_time_zone;
    let count = req.method() == Method::GET && !is_bot(&req);
    let found = match Uuid::parse_str(&id) {
        Ok(id) => {
            db::run(&state.pool, move |conn| {
                let event = match agenda::public_event(conn, id) {
                    Ok(event) => event,
                    Err(AppError::NotFound(_)) => return Ok(None),
                    Err(other) => return Err(other),
                };
                if count {
                    agenda::count_visit(conn, id, Utc::now())?;
                }
                Ok(Some(event))
            })
            .await?
        }
        Err(_) => None,
    };
    let Some(event) = found else {
        let page = MissingPage {
            lang,
            frame: frame(&state, &req, lang),
        };
        return public_page(StatusCode::NOT_FOUND, &page, "no-store");
    };
    let site = site(&state, &req);
    let json_ld = agenda::json_ld(
        std::slice::from_ref(&event),
        tz,
        |id| format!("{site}/agenda/{id}"),
        |id| format!("{site}/agenda/{id}/poster"),
    )[0]
    .to_string()
    .replace('<', "\\u003c");
    let page = EventPage {
        lang,
        frame: frame(&state, &req, lang),
        id: event.id.to_string(),
        when: when(lang, &event, tz),
        category: lang.category(event.category),
        poster: event
            .poster
            .map(|(w, h)| (format!("/agenda/{}/poster", event.id), w, h)),
        title: event.title,
        venue: event.venue,
        organiser: event.organiser,
        description: event.description,
        link: event.link,
        json_ld,
    };
    // Not kept by caches, so that every visit reaches the count.
    public_page(StatusCode::OK, &page, "no-cache")
}

/// A feed's body with a strong ETag; a client that has it gets a 304.
fn feed(req: &HttpRequest, content_type: &str, body: String) -> HttpResponse {
    let digest = Sha256::digest(body.as_bytes());
    let tag = format!("\"{}\"", hex::encode(&digest[..16]));
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|sent| sent.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"));
    if unchanged {
        response.finish()
    } else {
        response.content_type(content_type).body(body)
    }
}

/// The feeds' events: the filters of the page, any mistake refused with what to fix.
async fn feed_events(state: &AppState, query: &AgendaQuery) -> Result<Vec<AgendaEvent>, AppError> {
    let read = read_filters(query, Lang::En);
    if !read.errors.is_empty() {
        let mut errors = ValidationErrors::default();
        for field in ["day", "date", "category"] {
            if let Some(message) = read.errors.take(&[field]) {
                errors.add(field, message);
            }
        }
        return Err(AppError::Validation(errors));
    }
    let tz = state.settings.city_time_zone;
    let filter = read.filter;
    db::run(&state.pool, move |conn| {
        agenda::upcoming(conn, &filter, Utc::now(), tz)
    })
    .await
}

fn calendar_name(state: &AppState) -> String {
    match &state.settings.city_name {
        Some(city) => format!("What's on in {city}"),
        None => "What's on".into(),
    }
}

async fn ics_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<AgendaQuery>,
) -> Result<HttpResponse, AppError> {
    let events = feed_events(&state, &query).await?;
    let site = site(&state, &req);
    let host = site.split("://").nth(1).unwrap_or(&site).to_owned();
    let body = agenda::icalendar(&events, &calendar_name(&state), &host, |id| {
        format!("{site}/agenda/{id}")
    });
    Ok(feed(&req, "text/calendar; charset=utf-8", body))
}

async fn json_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<AgendaQuery>,
) -> Result<HttpResponse, AppError> {
    let events = feed_events(&state, &query).await?;
    let site = site(&state, &req);
    let body = agenda::json_ld(
        &events,
        state.settings.city_time_zone,
        |id| format!("{site}/agenda/{id}"),
        |id| format!("{site}/agenda/{id}/poster"),
    );
    Ok(feed(
        &req,
        "application/ld+json; charset=utf-8",
        body.to_string(),
    ))
}

/// One event as an iCalendar file, to add it to a calendar.
async fn event_ics(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let event = db::run(&state.pool, move |conn| agenda::public_event(conn, id)).await?;
    let site = site(&state, &req);
    let host = site.split("://").nth(1).unwrap_or(&site).to_owned();
    let body = agenda::icalendar(&[event], &calendar_name(&state), &host, |id| {
        format!("{site}/agenda/{id}")
    });
    let mut response = feed(&req, "text/calendar; charset=utf-8", body);
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        header::HeaderValue::from_static("attachment; filename=\"event.ics\""),
    );
    Ok(response)
}

async fn poster(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    send_poster(&state, &req, id.into_inner(), PosterSize::Large).await
}

async fn thumbnail(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    send_poster(&state, &req, id.into_inner(), PosterSize::Thumbnail).await
}

/// An approved event's poster, for everyone; kept by caches for a few minutes only, so that a
/// withdrawn event's poster does not stay public for long.
async fn send_poster(
    state: &AppState,
    req: &HttpRequest,
    id: Uuid,
    size: PosterSize,
) -> Result<HttpResponse, AppError> {
    let (sha256, content_type) =
        db::run(&state.pool, move |conn| agenda::poster_file(conn, id, size)).await?;
    let path = state.media.local_file(&sha256).await?;
    let shown = path.display().to_string();
    let file = web::block(move || actix_files::NamedFile::open(path))
        .await?
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("media file {shown} is missing: {e}")))?;
    let mime: mime::Mime = content_type
        .parse()
        .unwrap_or(mime::APPLICATION_OCTET_STREAM);
    let mut response = file
        .set_content_type(mime)
        .disable_content_disposition()
        .into_response(req);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=300"),
    );
    Ok(response)
}
