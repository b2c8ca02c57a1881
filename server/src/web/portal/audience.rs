//! Audiences in the portal (staff): every building's audience profile at a glance, the CSV
//! import as a page, and one building's profile editor (dayparts, visitors per hour, dwell,
//! visibility and segment shares per daypart and day type, with its source); saving stores a
//! new version, and the versions are listed. Also the targeting suggestions shown where an
//! association picks buildings and where staff approve: buildings ranked by how well their
//! audience fits the event's target audiences, with the reason.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use askama::Template;
use civicast_shared::Validate;
use civicast_shared::api::audience::{
    AudienceProfile, AudienceProfileInput, AudienceRow, DayType, Daypart, default_dayparts,
};
use civicast_shared::api::events::AudienceSegment;
use diesel::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::figures::{number, parse, percent, typed};
use super::form;
use super::i18n::Lang;
use super::session::Visitor;
use super::{FieldErrors, Frame, render};
use crate::core::places::buildings::{find_building, names as building_names};
use crate::core::proof::import::{self, CSV_COLUMNS, MAX_CSV_BYTES};
use crate::core::proof::profiles::{self, ProfileRow};
use crate::core::reports::targeting;
use crate::db::schema::audience_profiles;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/audience", web::get().to(overview))
        .route("/audience/import", web::post().to(import_csv))
        .route("/buildings/{id}/audience", web::get().to(editor))
        .route("/buildings/{id}/audience", web::post().to(save))
        .route("/suggestions", web::get().to(suggestions_fragment));
}

#[derive(Debug, Deserialize)]
struct DoneQuery {
    done: Option<String>,
    count: Option<usize>,
}

/// One building's line on the overview.
#[derive(Debug)]
struct BuildingLine {
    id: String,
    name: String,
    version: String,
    source: String,
    changed: String,
}

#[derive(Template)]
#[template(path = "audience.html")]
struct OverviewPage {
    lang: Lang,
    frame: Frame,
    buildings: Vec<BuildingLine>,
    columns: String,
    segments: String,
    /// The import's mistakes, line by line, after a refused file.
    problems: Vec<String>,
}

async fn overview(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let lang = visitor.lang;
    let notice = match query.done.as_deref() {
        Some("imported") => Some(
            lang.t("Imported: {count} buildings have a new profile version.")
                .replace("{count}", &query.count.unwrap_or(0).to_string()),
        ),
        _ => None,
    };
    overview_page(&state, &visitor, notice, Vec::new()).await
}

async fn overview_page(
    state: &AppState,
    visitor: &Visitor,
    notice: Option<String>,
    problems: Vec<String>,
) -> Result<HttpResponse, AppError> {
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let (names, latest) = db::run(&state.pool, |conn| {
        Ok((building_names(conn)?, profiles::all_latest(conn)?))
    })
    .await?;
    let buildings = names
        .into_iter()
        .map(|(id, name)| {
            let profile = latest.iter().find(|p| p.building_id.to_string() == id);
            BuildingLine {
                version: profile.map_or_else(|| lang.t("none yet"), |p| p.version.to_string()),
                source: profile.map(|p| p.source.clone()).unwrap_or_default(),
                changed: profile
                    .map(|p| format!("{} · {}", lang.datetime(p.created_at, tz), p.created_by))
                    .unwrap_or_default(),
                id,
                name,
            }
        })
        .collect();
    let failed = !problems.is_empty();
    let page = OverviewPage {
        lang,
        frame: Frame::of(visitor).with_notice(notice),
        buildings,
        columns: CSV_COLUMNS.join(","),
        segments: AudienceSegment::ALL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(","),
        problems,
    };
    let mut response = render(visitor, &page)?;
    if failed {
        *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// Reads the import form's file (kept in memory: at most 2 MiB).
async fn read_csv(visitor: &Visitor, multipart: Multipart) -> Result<Vec<u8>, AppError> {
    let mut fields = form::small_multipart(visitor, multipart, &["csv"], MAX_CSV_BYTES).await?;
    Ok(fields.remove("csv").unwrap_or_default())
}

async fn import_csv(
    state: web::Data<AppState>,
    visitor: Visitor,
    multipart: Multipart,
) -> Result<HttpResponse, AppError> {
    let user = visitor.staff()?.clone();
    let lang = visitor.lang;
    let body = read_csv(&visitor, multipart).await?;
    if body.is_empty() {
        let problems = vec![lang.t("Choose a CSV file to import.")];
        return overview_page(&state, &visitor, None, problems).await;
    }
    match db::run(&state.pool, move |conn| import::import(conn, &user, &body)).await {
        Ok(created) => {
            Ok(visitor.redirect(&format!("/audience?done=imported&count={}", created.len())))
        }
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
            overview_page(&state, &visitor, None, problems).await
        }
        Err(other) => Err(other),
    }
}

/// An import mistake in the reader's language: the import's own sentences have their Dutch
/// here, with the names and values they quote kept as they were.
fn import_message(lang: Lang, english: &str) -> String {
    if lang == Lang::En {
        return english.to_owned();
    }
    let quoted = |text: &str| text.split('\'').nth(1).unwrap_or_default().to_owned();
    if let Some((column, rest)) = english.split_once(": '")
        && rest.ends_with("' is not a number")
    {
        return format!(
            "{column}: '{}' is geen getal",
            rest.trim_end_matches("' is not a number")
        );
    }
    if english.starts_with("no building named '") {
        return format!("geen gebouw met de naam '{}'", quoted(english));
    }
    if let Some((field, message)) = english.split_once(": must be a number from 0 to ") {
        return format!("{field}: moet een getal van 0 tot {message} zijn");
    }
    if let Some(rest) = english.strip_prefix("the header lacks ") {
        let missing = rest.split(';').next().unwrap_or_default();
        return format!(
            "de kopregel mist {missing}; hij begint met {} en noemt dan de doelgroepen",
            CSV_COLUMNS.join(",")
        );
    }
    if english.contains("is not one of the building's dayparts") {
        let (field, _) = english.split_once(": ").unwrap_or(("", english));
        return format!(
            "{field}: '{}' is geen dagdeel van dit gebouw ({}",
            quoted(english),
            english.rsplit_once('(').map_or("", |(_, list)| list)
        );
    }
    if english.contains("is not a segment; use ") {
        let (field, _) = english.split_once(": ").unwrap_or(("", english));
        return format!(
            "{field}: '{}' is geen doelgroep; gebruik {}",
            quoted(english),
            english.rsplit_once("use ").map_or("", |(_, list)| list)
        );
    }
    match english {
        "day_type must be weekday or weekend" => "day_type moet weekday of weekend zijn".into(),
        "every line of one building must name the same source" => {
            "elke regel van één gebouw moet dezelfde bron noemen".into()
        }
        _ if english.starts_with("no lines") => {
            "geen regels: begin met de kopregel en zet daaronder één regel per dagdeel".into()
        }
        _ => lang.message(english),
    }
}

/// One input of the profile form; names follow the API's fields (`rows[3].dwell_s`), so that a
/// validation message lands beside the input it is about.
#[derive(Debug)]
struct Input {
    name: String,
    id: String,
    label: String,
    /// Said to screen readers after the label, e.g. the kind of day its fieldset shows.
    context: String,
    value: String,
    error: Option<String>,
    /// Shown after the input: "%", "/h", "s".
    unit: &'static str,
}

impl Input {
    fn new(name: String, label: String, value: String, unit: &'static str) -> Input {
        Input {
            id: name.replace(['[', ']', '.'], "-").replace("--", "-"),
            name,
            label,
            context: String::new(),
            value,
            error: None,
            unit,
        }
    }

    fn within(mut self, context: &str) -> Input {
        self.context = format!(" · {context}");
        self
    }
}

/// One daypart line of the form: its name and hours (an empty line adds one).
#[derive(Debug)]
struct DaypartLine {
    name: Input,
    start: Input,
    end: Input,
}

/// The figures of one daypart on one kind of day.
#[derive(Debug)]
struct RowGroup {
    legend: String,
    figures: Vec<Input>,
    segments: Vec<Input>,
}

/// One daypart's two kinds of day, folded away unless something in it needs fixing.
#[derive(Debug)]
struct DaypartGroup {
    title: String,
    summary: String,
    open: bool,
    rows: Vec<RowGroup>,
}

#[derive(Debug)]
struct VersionLine {
    version: i32,
    at: String,
    by: String,
    source: String,
}

#[derive(Template)]
#[template(path = "audience_profile.html")]
struct EditorPage {
    lang: Lang,
    frame: Frame,
    building_id: String,
    building: String,
    has_errors: bool,
    source: Input,
    dayparts_error: Option<String>,
    dayparts: Vec<DaypartLine>,
    groups: Vec<DaypartGroup>,
    versions: Vec<VersionLine>,
    other_errors: Vec<String>,
}

/// Largest profile form: 24 dayparts of 2 kinds of day with 11 figures each fit many times.
const MAX_PROFILE_FORM_BYTES: usize = 64 * 1024;
/// Most daypart lines a form may have (a daypart is at least an hour).
const MAX_DAYPART_LINES: usize = 25;

const DAY_TYPES: [DayType; 2] = [DayType::Weekday, DayType::Weekend];

fn day_type_name(lang: Lang, day_type: DayType) -> String {
    lang.t(match day_type {
        DayType::Weekday => "Weekdays",
        DayType::Weekend => "Weekend",
    })
}

/// The form as typed: name to value.
type Typed = std::collections::HashMap<String, String>;

/// The form's values for a stored profile (or none yet: the city's dayparts, empty figures).
fn typed_from(lang: Lang, profile: Option<&AudienceProfile>) -> Typed {
    let mut typed_values = Typed::new();
    let dayparts = profile.map_or_else(default_dayparts, |p| p.dayparts.clone());
    if let Some(profile) = profile {
        typed_values.insert("source".into(), profile.source.clone());
    }
    for (index, part) in dayparts.iter().enumerate() {
        typed_values.insert(format!("dayparts[{index}].name"), part.name.clone());
        typed_values.insert(
            format!("dayparts[{index}].start_hour"),
            part.start_hour.to_string(),
        );
        typed_values.insert(
            format!("dayparts[{index}].end_hour"),
            part.end_hour.to_string(),
        );
        for (offset, day_type) in DAY_TYPES.iter().enumerate() {
            let Some(row) = profile.and_then(|p| p.row(&part.name, *day_type)) else {
                continue;
            };
            let key = |field: &str| format!("rows[{}].{field}", index * 2 + offset);
            typed_values.insert(key("visitors_per_hour"), typed(lang, row.visitors_per_hour));
            typed_values.insert(key("dwell_s"), typed(lang, row.dwell_s));
            typed_values.insert(key("visibility"), typed(lang, row.visibility * 100.0));
            for segment in AudienceSegment::ALL {
                let share = row.segment_share(*segment);
                if share > 0.0 {
                    typed_values.insert(
                        key(&format!("segments.{}", segment.as_str())),
                        typed(lang, share * 100.0),
                    );
                }
            }
        }
    }
    typed_values
}

/// How many daypart lines the form has: up to the last one named, and one empty line to add
/// another.
fn daypart_lines(values: &Typed) -> usize {
    let named = (0..MAX_DAYPART_LINES)
        .filter(|line| {
            values
                .get(&format!("dayparts[{line}].name"))
                .is_some_and(|name| !name.trim().is_empty())
        })
        .max();
    named.map_or(0, |last| last + 1) + 1
}

/// What the form says, as the API's input, or the mistakes by input name. The form's row
/// `rows[k]` is daypart line `k / 2` on weekdays (even) or weekends (odd).
fn read_form(lang: Lang, values: &Typed) -> Result<AudienceProfileInput, FieldErrors> {
    let mut errors = FieldErrors::default();
    let text = |name: &str| values.get(name).map_or("", |v| v.trim());
    let source = text("source").to_owned();
    if source.is_empty() {
        errors.add(
            "source",
            lang.t("Say where the figures come from, e.g. gate counts 2025."),
        );
    }
    let mut dayparts = Vec::new();
    let mut lines = Vec::new();
    for line in 0..daypart_lines(values) {
        let name = text(&format!("dayparts[{line}].name"));
        if name.is_empty() {
            continue;
        }
        let mut hour = |field: &str| {
            let key = format!("dayparts[{line}].{field}");
            match text(&key).parse::<u8>() {
                Ok(hour) if hour <= 23 => hour,
                _ => {
                    errors.add(&key, lang.t("Give an hour from 0 to 23."));
                    0
                }
            }
        };
        let (start_hour, end_hour) = (hour("start_hour"), hour("end_hour"));
        if name.chars().count() > 40 {
            errors.add(
                &format!("dayparts[{line}].name"),
                lang.t("A daypart's name has at most 40 characters."),
            );
        }
        if dayparts.iter().any(|p: &Daypart| p.name == name) {
            errors.add(
                &format!("dayparts[{line}].name"),
                lang.t("Two dayparts have this name."),
            );
        }
        dayparts.push(Daypart {
            name: name.to_owned(),
            start_hour,
            end_hour,
        });
        lines.push(line);
    }
    if dayparts.is_empty() {
        errors.add("dayparts", lang.t("Give at least one daypart."));
    } else if errors.is_empty() {
        for hour in 0..24 {
            let covering = dayparts.iter().filter(|p| p.contains(hour)).count();
            if covering != 1 {
                errors.add(
                    "dayparts",
                    lang.t("Every hour must be in exactly one daypart: {hour} is in {count}.")
                        .replace("{hour}", &format!("{hour:02}:00"))
                        .replace("{count}", &covering.to_string()),
                );
                break;
            }
        }
    }
    let mut rows = Vec::new();
    for (part, line) in dayparts.iter().zip(&lines) {
        for (offset, day_type) in DAY_TYPES.iter().enumerate() {
            let key = |field: &str| format!("rows[{}].{field}", line * 2 + offset);
            let mut figure = |field: &str, max: f64, required: bool| -> f64 {
                let name = key(field);
                let typed_value = text(&name);
                if typed_value.is_empty() && !required {
                    return 0.0;
                }
                match parse(typed_value) {
                    Some(value) if (0.0..=max).contains(&value) => value,
                    Some(_) => {
                        errors.add(
                            &name,
                            lang.t("Give a number from 0 to {max}.")
                                .replace("{max}", &number(lang, max, 0)),
                        );
                        0.0
                    }
                    None => {
                        errors.add(&name, lang.t("Give a number, such as 12 or 12.5."));
                        0.0
                    }
                }
            };
            let visitors_per_hour = figure(
                "visitors_per_hour",
                civicast_shared::api::audience::MAX_VISITORS_PER_HOUR,
                true,
            );
            let dwell_s = figure("dwell_s", 86_400.0, true);
            let visibility = figure("visibility", 100.0, true) / 100.0;
            let mut segments = std::collections::BTreeMap::new();
            for segment in AudienceSegment::ALL {
                let share = figure(&format!("segments.{}", segment.as_str()), 100.0, false);
                if share > 0.0 {
                    segments.insert(segment.as_str().to_owned(), share / 100.0);
                }
            }
            rows.push((
                line * 2 + offset,
                AudienceRow {
                    daypart: part.name.clone(),
                    day_type: *day_type,
                    visitors_per_hour,
                    dwell_s,
                    visibility,
                    segments,
                },
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let (form_rows, rows): (Vec<usize>, Vec<AudienceRow>) = rows.into_iter().unzip();
    let input = AudienceProfileInput {
        source,
        dayparts: Some(dayparts),
        rows,
    };
    // The shared rules as the last word; their fields name the API's rows, renamed to the form's.
    if let Err(invalid) = input.validate() {
        for error in invalid.0 {
            let field = error
                .field
                .strip_prefix("rows[")
                .and_then(|rest| rest.split_once(']'))
                .and_then(|(index, rest)| {
                    let row = form_rows.get(index.parse::<usize>().ok()?)?;
                    Some(format!("rows[{row}]{rest}"))
                })
                .unwrap_or(error.field);
            errors.add(&field, lang.message(&error.message));
        }
        return Err(errors);
    }
    Ok(input)
}

fn segment_label(lang: Lang, segment: AudienceSegment) -> String {
    lang.audience(segment)
}

/// The editor page for `values` as typed (or stored), with `errors` beside their inputs.
fn editor_page(
    visitor: &Visitor,
    notice: Option<String>,
    building_id: &str,
    building: String,
    values: &Typed,
    errors: &FieldErrors,
    versions: Vec<VersionLine>,
) -> Result<HttpResponse, AppError> {
    let lang = visitor.lang;
    let value = |name: &str| values.get(name).cloned().unwrap_or_default();
    let mut shown: Vec<String> = vec!["source".into(), "dayparts".into()];
    let placed = |input: Input, shown: &mut Vec<String>| {
        shown.push(input.name.clone());
        Input {
            error: errors.take(&[input.name.as_str()]),
            ..input
        }
    };
    let source = placed(
        Input::new(
            "source".into(),
            lang.t("Source of the figures"),
            value("source"),
            "",
        ),
        &mut shown,
    );
    let mut dayparts = Vec::new();
    let mut groups = Vec::new();
    for line in 0..daypart_lines(values) {
        let key = |field: &str| format!("dayparts[{line}].{field}");
        let name = value(&key("name"));
        dayparts.push(DaypartLine {
            name: placed(
                Input::new(key("name"), lang.t("Name"), name.clone(), ""),
                &mut shown,
            ),
            start: placed(
                Input::new(
                    key("start_hour"),
                    lang.t("From hour"),
                    value(&key("start_hour")),
                    "",
                ),
                &mut shown,
            ),
            end: placed(
                Input::new(
                    key("end_hour"),
                    lang.t("Until hour"),
                    value(&key("end_hour")),
                    "",
                ),
                &mut shown,
            ),
        });
        if name.trim().is_empty() {
            continue;
        }
        let mut open = false;
        let mut summary = Vec::new();
        let mut rows = Vec::new();
        for (offset, day_type) in DAY_TYPES.iter().enumerate() {
            let row_key = |field: &str| format!("rows[{}].{field}", line * 2 + offset);
            let day = day_type_name(lang, *day_type);
            let figure = |field: &str, label: &str, unit: &'static str| {
                Input::new(row_key(field), lang.t(label), value(&row_key(field)), unit).within(&day)
            };
            let figures: Vec<Input> = vec![
                figure("visitors_per_hour", "Visitors per hour", ""),
                figure("dwell_s", "Seconds within sight of a screen", ""),
                figure("visibility", "Share who can see a screen", "%"),
            ]
            .into_iter()
            .map(|input| placed(input, &mut shown))
            .collect();
            let segments: Vec<Input> = AudienceSegment::ALL
                .iter()
                .map(|segment| {
                    let field = format!("segments.{}", segment.as_str());
                    placed(
                        Input::new(
                            row_key(&field),
                            segment_label(lang, *segment),
                            value(&row_key(&field)),
                            "%",
                        )
                        .within(&day),
                        &mut shown,
                    )
                })
                .collect();
            open |= figures
                .iter()
                .chain(&segments)
                .any(|input| input.error.is_some());
            let visitors = value(&row_key("visitors_per_hour"));
            summary.push(format!(
                "{day}: {}",
                if visitors.is_empty() {
                    "–".to_owned()
                } else {
                    format!("{visitors} {}", lang.t("per hour"))
                }
            ));
            rows.push(RowGroup {
                legend: day,
                figures,
                segments,
            });
        }
        groups.push(DaypartGroup {
            title: format!(
                "{name} ({}:00–{}:00)",
                value(&key("start_hour")),
                value(&key("end_hour"))
            ),
            summary: summary.join(" · "),
            open,
            rows,
        });
    }
    let shown_names: Vec<&str> = shown.iter().map(String::as_str).collect();
    let page = EditorPage {
        lang,
        frame: Frame::of(visitor).with_notice(notice),
        building_id: building_id.to_owned(),
        building,
        has_errors: !errors.is_empty(),
        source,
        dayparts_error: errors.take(&["dayparts"]),
        dayparts,
        groups,
        versions,
        other_errors: errors.others(&shown_names),
    };
    let mut response = render(visitor, &page)?;
    if !errors.is_empty() {
        *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// The building's name, current profile and every version, newest first.
fn profile_of(
    conn: &mut DbConnection,
    building_id: &str,
) -> Result<(String, Vec<AudienceProfile>), AppError> {
    let building = find_building(conn, building_id)?;
    let versions = audience_profiles::table
        .filter(audience_profiles::building_id.eq(building_id))
        .order(audience_profiles::version.desc())
        .select(ProfileRow::as_select())
        .load(conn)?
        .into_iter()
        .map(AudienceProfile::from)
        .collect();
    Ok((building.name, versions))
}

fn version_lines(lang: Lang, tz: chrono_tz::Tz, versions: &[AudienceProfile]) -> Vec<VersionLine> {
    versions
        .iter()
        .map(|p| VersionLine {
            version: p.version,
            at: lang.datetime(p.created_at, tz),
            by: p.created_by.clone(),
            source: p.source.clone(),
        })
        .collect()
}

async fn editor(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let id = id.into_inner().to_string();
    let building_id = id.clone();
    let (building, versions) =
        db::run(&state.pool, move |conn| profile_of(conn, &building_id)).await?;
    let values = typed_from(lang, versions.first());
    let notice = (query.done.as_deref() == Some("saved"))
        .then(|| lang.t("Saved as a new version: new plays are estimated with it."));
    editor_page(
        &visitor,
        notice,
        &id,
        building,
        &values,
        &FieldErrors::default(),
        version_lines(lang, tz, &versions),
    )
}

async fn save(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body = crate::web::api::read_body(payload, MAX_PROFILE_FORM_BYTES).await?;
    let mut values: Typed = form_urlencoded::parse(&body).into_owned().collect();
    visitor.check_csrf(values.get("csrf").map(String::as_str))?;
    values.remove("csrf");
    let user = visitor.staff()?.clone();
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let id = id.into_inner().to_string();
    match read_form(lang, &values) {
        Ok(input) => {
            let building_id = id.clone();
            db::run(&state.pool, move |conn| {
                crate::db::transaction(conn, |conn| {
                    find_building(conn, &building_id)?;
                    import::store(conn, &user, &building_id, &input)
                })
            })
            .await?;
            Ok(visitor.redirect(&format!("/buildings/{id}/audience?done=saved")))
        }
        Err(errors) => {
            let building_id = id.clone();
            let (building, versions) =
                db::run(&state.pool, move |conn| profile_of(conn, &building_id)).await?;
            editor_page(
                &visitor,
                None,
                &id,
                building,
                &values,
                &errors,
                version_lines(lang, tz, &versions),
            )
        }
    }
}

/// Ranked buildings for an event's target audiences, with the reason, as the forms show them.
#[derive(Debug, Default)]
pub struct Suggestions {
    /// The target audiences, named; empty when none were chosen.
    pub audiences: String,
    /// The line above the ranking, naming the audiences.
    pub intro: String,
    pub lines: Vec<SuggestionLine>,
    /// Buildings that have no audience profile yet, named.
    pub without_profile: String,
    /// How many ranked buildings are not listed.
    pub more: usize,
}

#[derive(Debug)]
pub struct SuggestionLine {
    pub building_id: String,
    pub name: String,
    /// The composition index, written out ("2,3 ×").
    pub index: String,
    pub reason: String,
    /// The audiences are over-represented here (index above 120).
    pub fits: bool,
}

/// The buildings listed; the rest are counted.
const SUGGESTIONS_SHOWN: usize = 5;

/// The suggestions for `segments`, read inside the caller's database work.
pub fn suggestions_in(
    conn: &mut DbConnection,
    lang: Lang,
    segments: &[AudienceSegment],
) -> Result<Suggestions, AppError> {
    if segments.is_empty() {
        return Ok(Suggestions::default());
    }
    let ranked = targeting::suggest_for(conn, segments)?;
    let audiences = segments
        .iter()
        .map(|s| lang.audience(*s))
        .collect::<Vec<_>>()
        .join(", ");
    let names = building_names(conn)?;
    let without_profile = ranked
        .without_profile
        .iter()
        .filter_map(|id| {
            let id = id.to_string();
            names.iter().find(|(b, _)| *b == id).map(|(_, n)| n.clone())
        })
        .collect::<Vec<_>>()
        .join(", ");
    let city = ranked.city_segment_share;
    let lines = ranked
        .buildings
        .iter()
        .take(SUGGESTIONS_SHOWN)
        .map(|b| {
            let mut reason = lang
                .t("{audiences}: {share} of the visitors here, against {city} across the city's buildings.")
                .replace("{audiences}", &audiences)
                .replace("{share}", &percent(lang, b.segment_share * 100.0))
                .replace("{city}", &percent(lang, city * 100.0));
            // The best time is worth saying only where it stands out from the week.
            if let Some(peak) = b
                .peak
                .as_ref()
                .filter(|peak| peak.segment_share > b.segment_share * 1.1)
            {
                reason.push(' ');
                reason.push_str(
                    &lang
                        .t(match peak.day_type {
                            DayType::Weekday => "Most on weekdays, {daypart}: {share}.",
                            DayType::Weekend => "Most at weekends, {daypart}: {share}.",
                        })
                        .replace("{daypart}", &peak.daypart)
                        .replace("{share}", &percent(lang, peak.segment_share * 100.0)),
                );
            }
            reason.push(' ');
            reason.push_str(
                &lang
                    .t("About {count} of them a week (estimated).")
                    .replace("{count}", &number(lang, b.weekly_segment_visitors, 0)),
            );
            SuggestionLine {
                building_id: b.building_id.to_string(),
                name: b.building_name.clone(),
                index: format!("{} ×", number(lang, b.composition_index / 100.0, 1)),
                reason,
                fits: b.composition_index > 120.0,
            }
        })
        .collect();
    Ok(Suggestions {
        intro: lang
            .t("For {audiences}, best fit first (estimated from each building's audience profile):")
            .replace("{audiences}", &audiences),
        audiences,
        lines,
        without_profile,
        more: ranked.buildings.len().saturating_sub(SUGGESTIONS_SHOWN),
    })
}

/// The suggestions for `segments`, for a handler.
pub async fn suggestions(
    state: &AppState,
    lang: Lang,
    segments: Vec<AudienceSegment>,
) -> Result<Suggestions, AppError> {
    db::run(&state.pool, move |conn| {
        suggestions_in(conn, lang, &segments)
    })
    .await
}

/// The segments named in `names`, unknown ones left out.
pub fn segments_of(names: &[String]) -> Vec<AudienceSegment> {
    let mut segments = Vec::new();
    for segment in names
        .iter()
        .filter_map(|n| AudienceSegment::parse(n.trim()))
    {
        if !segments.contains(&segment) {
            segments.push(segment);
        }
    }
    segments
}

#[derive(Debug, Deserialize)]
struct SuggestionQuery {
    segments: Option<String>,
}

#[derive(Template)]
#[template(path = "suggestions_fragment.html")]
struct SuggestionsFragment {
    lang: Lang,
    suggestions: Suggestions,
}

/// The suggestions alone, for the event form's script to refresh them as audiences are ticked.
async fn suggestions_fragment(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<SuggestionQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.user()?;
    let names: Vec<String> = query
        .segments
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::to_owned)
        .collect();
    let suggestions = suggestions(&state, visitor.lang, segments_of(&names)).await?;
    render(
        &visitor,
        &SuggestionsFragment {
            lang: visitor.lang,
            suggestions,
        },
    )
}
