//! A kiosk's page in the portal (staff): its idle time, its diagonal in inches, its map image
//! chosen from the library by thumbnail, where it stands on the map and the places marked on it
//! (x and y in thousandths of the map's width and height from its top left corner), each with
//! walking directions and, when it is a Civicast building, that building for its opening hours.
//! The form works without JavaScript; `portal.js` adds placing a point by clicking the map.

use actix_web::{HttpResponse, web};
use askama::Template;
use civicast_shared::api::kiosk::{KIOSK_IDLE_MAX_S, KIOSK_IDLE_MIN_S, MapPoint};
use civicast_shared::api::kiosk_setup::{
    KIOSK_DIAGONAL_MAX_MM, KIOSK_DIAGONAL_MIN_MM, KIOSK_DIRECTIONS_MAX, KIOSK_POINT_NAME_MAX,
    KIOSK_POINTS_MAX, KioskPoint, KioskSettings, KioskSettingsInput,
};
use civicast_shared::api::places::ScreenKind;
use diesel::prelude::*;
use uuid::Uuid;

use super::admin::{done_notice, refused};
use super::events::DoneQuery;
use super::form::FormData;
use super::i18n::Lang;
use super::session::Visitor;
use super::{Choice, FieldErrors, FieldView, Frame, render};
use crate::core::kiosks::settings;
use crate::core::places::screens::find_screen;
use crate::db;
use crate::db::schema::media_assets;
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/screens/{id:[0-9a-fA-F-]{36}}/kiosk",
        web::get().to(kiosk_page),
    )
    .route(
        "/screens/{id:[0-9a-fA-F-]{36}}/kiosk",
        web::post().to(save_kiosk),
    );
}

/// Empty rows below the stored places, for new ones.
const EMPTY_ROWS: usize = 3;
const MM_PER_INCH: f64 = 25.4;

/// A library image to choose as the map.
#[derive(Debug)]
struct MapChoice {
    id: String,
    name: String,
    size: String,
    checked: bool,
}

/// One place's row of the form, as stored or as typed, with what to fix in it.
#[derive(Debug, Default)]
struct PointRow {
    index: usize,
    name: String,
    x: String,
    y: String,
    directions: String,
    buildings: Vec<Choice>,
    name_error: Option<String>,
    at_error: Option<String>,
    directions_error: Option<String>,
    building_error: Option<String>,
}

/// Where a mark goes on the map preview, in percent of its width and height, when both
/// coordinates read as positions on the map.
fn mark(x: &str, y: &str) -> Option<(String, String)> {
    let percent = |value: &str| {
        let value = value.trim().parse::<u16>().ok()?;
        (value <= MapPoint::MAX).then(|| format!("{:.1}", f32::from(value) / 10.0))
    };
    Some((percent(x)?, percent(y)?))
}

impl PointRow {
    fn mark(&self) -> Option<(String, String)> {
        mark(&self.x, &self.y)
    }

    fn has_error(&self) -> bool {
        self.name_error.is_some()
            || self.at_error.is_some()
            || self.directions_error.is_some()
            || self.building_error.is_some()
    }
}

#[derive(Template)]
#[template(path = "kiosk.html")]
struct KioskPage {
    lang: Lang,
    frame: Frame,
    id: String,
    name: String,
    /// The screen is not a kiosk: the page says how to make it one instead of the form.
    not_kiosk: bool,
    fields: Vec<FieldView>,
    here: Vec<FieldView>,
    maps: Vec<MapChoice>,
    map_error: Option<String>,
    /// The chosen map's id, for the preview with the marks (where the click helper places them).
    chosen_map: Option<String>,
    /// Where "you are here" goes on the preview.
    here_mark: Option<(String, String)>,
    points: Vec<PointRow>,
    /// Mistakes no field shows (too many places).
    others: Vec<String>,
    has_errors: bool,
    name_max: usize,
    directions_max: usize,
}

/// "43" or "42.5": a diagonal in inches as staff write it.
fn inches(mm: u32) -> String {
    let tenths = (f64::from(mm) / MM_PER_INCH * 10.0).round() / 10.0;
    if tenths.fract() == 0.0 {
        format!("{tenths:.0}")
    } else {
        format!("{tenths:.1}")
    }
}

/// Millimetres from inches typed with a point or a comma; `None` when it is no number.
fn millimetres(typed: &str) -> Option<u32> {
    let inches: f64 = typed.trim().replace(',', ".").parse().ok()?;
    let mm = (inches * MM_PER_INCH).round();
    (mm.is_finite() && (0.0..=f64::from(u32::MAX)).contains(&mm)).then_some(mm as u32)
}

/// A rule's message in the reader's language; ranges are said in the form's own units.
fn kiosk_message(lang: Lang, field: &str, english: &str) -> String {
    if english.starts_with("must be between ") {
        return match field {
            "idle_timeout_s" => lang
                .t("must be between {min} and {max} seconds")
                .replace("{min}", &KIOSK_IDLE_MIN_S.to_string())
                .replace("{max}", &KIOSK_IDLE_MAX_S.to_string()),
            "diagonal_mm" => lang
                .t("must be between {min} and {max} inches")
                .replace("{min}", &inches(KIOSK_DIAGONAL_MIN_MM))
                .replace("{max}", &inches(KIOSK_DIAGONAL_MAX_MM)),
            _ => lang.t("must be a number from 0 to 1000"),
        };
    }
    if english.starts_with("at most ") && english.contains(" places per map") {
        return lang
            .t("at most {max} places per map")
            .replace("{max}", &KIOSK_POINTS_MAX.to_string());
    }
    lang.message(english)
}

async fn library_images(
    state: &AppState,
    chosen: Option<&str>,
) -> Result<Vec<MapChoice>, AppError> {
    let rows: Vec<(String, String, i32, i32)> = db::run(&state.pool, |conn| {
        Ok(media_assets::table
            .filter(media_assets::content_type.like("image/%"))
            .filter(media_assets::duration_ms.is_null())
            .order(media_assets::created_at.desc())
            .limit(200)
            .select((
                media_assets::id,
                media_assets::original_name,
                media_assets::width,
                media_assets::height,
            ))
            .load(conn)?)
    })
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, width, height)| MapChoice {
            checked: chosen == Some(id.as_str()),
            size: format!("{width} × {height}"),
            id,
            name,
        })
        .collect())
}

fn building_choices(rows: &[(String, String)], lang: Lang, chosen: &str) -> Vec<Choice> {
    std::iter::once(Choice {
        value: String::new(),
        label: lang.t("Not a building"),
        checked: chosen.is_empty(),
    })
    .chain(rows.iter().map(|(id, name)| Choice {
        value: id.clone(),
        label: name.clone(),
        checked: id == chosen,
    }))
    .collect()
}

/// The page: the stored settings, or what was typed with what to fix in it.
async fn show(
    state: &AppState,
    visitor: &Visitor,
    id: Uuid,
    form: Option<&FormData>,
    errors: FieldErrors,
    done: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let lang = visitor.lang;
    let key = id.to_string();
    let (screen, stored, buildings) = db::run(&state.pool, move |conn| {
        let screen = find_screen(conn, &key)?;
        let stored = match screen.kind == ScreenKind::Kiosk.as_str() {
            true => Some(settings::settings(conn, &key)?),
            false => None,
        };
        Ok((screen, stored, crate::core::places::buildings::names(conn)?))
    })
    .await?;
    let Some(stored) = stored else {
        return render(
            visitor,
            &KioskPage {
                lang,
                frame: Frame::of(visitor),
                id: id.to_string(),
                name: screen.name,
                not_kiosk: true,
                fields: Vec::new(),
                here: Vec::new(),
                maps: Vec::new(),
                map_error: None,
                chosen_map: None,
                here_mark: None,
                points: Vec::new(),
                others: Vec::new(),
                has_errors: false,
                name_max: KIOSK_POINT_NAME_MAX,
                directions_max: KIOSK_DIRECTIONS_MAX,
            },
        );
    };
    let typed = |name: &str, stored: String| form.map_or(stored, |f| f.text(name));
    let mut fields = vec![
        FieldView::new(
            "idle_timeout_s",
            lang.t("Idle time in seconds"),
            "number",
            typed("idle_timeout_s", stored.idle_timeout_s.to_string()),
        )
        .required()
        .hint(lang.t(
            "Without a touch for this long, the kiosk goes back to its loop and forgets the visit (15 to 600).",
        )),
        FieldView::new(
            "diagonal_in",
            lang.t("Screen diagonal in inches"),
            "text",
            typed("diagonal_in", inches(stored.diagonal_mm)),
        )
        .required()
        .hint(lang.t(
            "The kiosk makes every button at least 9 mm wide from it; 43 inches is the usual kiosk.",
        )),
    ];
    for field in &mut fields {
        let rule_field = match field.name {
            "diagonal_in" => "diagonal_mm",
            other => other,
        };
        field.error = errors.take(&[field.name, rule_field]);
    }
    let mut here = vec![
        FieldView::new(
            "here_x",
            lang.t("Across (x)"),
            "number",
            typed("here_x", stored.here.x.to_string()),
        )
        .required(),
        FieldView::new(
            "here_y",
            lang.t("Down (y)"),
            "number",
            typed("here_y", stored.here.y.to_string()),
        )
        .required(),
    ];
    for field in &mut here {
        let rule_field = field.name.replace('_', ".");
        field.error = errors.take(&[field.name, rule_field.as_str()]);
    }
    let chosen_map = match form {
        Some(form) => Some(form.text("map_media_id")).filter(|id| !id.is_empty()),
        None => stored.map_media_id.map(|id| id.to_string()),
    };
    let maps = library_images(state, chosen_map.as_deref()).await?;

    let stored_rows = stored.points.len();
    let row_count = match form {
        Some(form) => form
            .text("rows")
            .parse::<usize>()
            .unwrap_or(stored_rows + EMPTY_ROWS),
        None => stored_rows + EMPTY_ROWS,
    }
    .min(KIOSK_POINTS_MAX);
    let points = (0..row_count)
        .map(|index| {
            let point = stored.points.get(index);
            let from_form = |part: &str| form.map(|f| f.text(&format!("point_{part}_{index}")));
            let chosen_building = from_form("building").unwrap_or_else(|| {
                point
                    .and_then(|p| p.building_id)
                    .map(|id| id.to_string())
                    .unwrap_or_default()
            });
            let rule = |part: &str| format!("points[{index}].{part}");
            PointRow {
                index,
                name: from_form("name")
                    .unwrap_or_else(|| point.map(|p| p.name.clone()).unwrap_or_default()),
                x: from_form("x")
                    .unwrap_or_else(|| point.map(|p| p.at.x.to_string()).unwrap_or_default()),
                y: from_form("y")
                    .unwrap_or_else(|| point.map(|p| p.at.y.to_string()).unwrap_or_default()),
                directions: from_form("directions")
                    .unwrap_or_else(|| point.map(|p| p.directions.clone()).unwrap_or_default()),
                buildings: building_choices(&buildings, lang, &chosen_building),
                name_error: errors.take(&[&rule("name")]),
                at_error: errors.take(&[&rule("at.x"), &rule("at.y"), &rule("at")]),
                directions_error: errors.take(&[&rule("directions")]),
                building_error: errors.take(&[&rule("building_id")]),
            }
        })
        .collect::<Vec<_>>();
    let mut shown: Vec<String> = [
        "idle_timeout_s",
        "diagonal_in",
        "diagonal_mm",
        "here_x",
        "here_y",
        "here.x",
        "here.y",
        "map_media_id",
    ]
    .map(str::to_owned)
    .to_vec();
    for index in 0..row_count {
        for part in ["name", "at.x", "at.y", "at", "directions", "building_id"] {
            shown.push(format!("points[{index}].{part}"));
        }
    }
    let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
    render(
        visitor,
        &KioskPage {
            lang,
            frame: Frame::of(visitor).with_notice(done_notice(lang, done).or_else(|| {
                (done == Some("kiosk_saved"))
                    .then(|| lang.t("The kiosk was saved: it shows the change at its next poll."))
            })),
            id: id.to_string(),
            name: screen.name,
            not_kiosk: false,
            has_errors: !errors.is_empty(),
            others: errors.others(&shown),
            map_error: errors.take(&["map_media_id"]),
            here_mark: mark(&here[0].value, &here[1].value),
            fields,
            here,
            maps,
            chosen_map,
            points,
            name_max: KIOSK_POINT_NAME_MAX,
            directions_max: KIOSK_DIRECTIONS_MAX,
        },
    )
}

async fn kiosk_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    show(
        &state,
        &visitor,
        id.into_inner(),
        None,
        FieldErrors::default(),
        query.done.as_deref(),
    )
    .await
}

/// Reads the form into the settings the rules check; what cannot be read as a number is said
/// beside its field. Returns the input and, per rule index of a place, its form row.
fn read_form(
    form: &FormData,
    lang: Lang,
    errors: &mut FieldErrors,
) -> (KioskSettingsInput, Vec<usize>) {
    let mut number = |name: &str, field: &str, message: String| -> u32 {
        match form.text(name).trim().parse::<u32>() {
            Ok(value) => value,
            Err(_) => {
                errors.add(field, message);
                0
            }
        }
    };
    let idle_timeout_s = number(
        "idle_timeout_s",
        "idle_timeout_s",
        kiosk_message(lang, "idle_timeout_s", "must be between"),
    );
    let per_mille = kiosk_message(lang, "here.x", "must be between");
    let here = MapPoint {
        x: u16::try_from(number("here_x", "here_x", per_mille.clone())).unwrap_or(u16::MAX),
        y: u16::try_from(number("here_y", "here_y", per_mille.clone())).unwrap_or(u16::MAX),
    };
    let diagonal_mm = millimetres(&form.text("diagonal_in")).unwrap_or_else(|| {
        errors.add(
            "diagonal_in",
            kiosk_message(lang, "diagonal_mm", "must be between"),
        );
        0
    });
    let rows = form
        .text("rows")
        .parse::<usize>()
        .unwrap_or(0)
        .min(KIOSK_POINTS_MAX);
    let mut points = Vec::new();
    let mut row_of = Vec::new();
    for index in 0..rows {
        let text = |part: &str| form.text(&format!("point_{part}_{index}"));
        let (name, x, y, directions, building) = (
            text("name"),
            text("x"),
            text("y"),
            text("directions"),
            text("building"),
        );
        let blank = [&name, &x, &y, &directions]
            .iter()
            .all(|value| value.trim().is_empty())
            && building.is_empty();
        if blank {
            continue;
        }
        let coordinate = |value: &str| value.trim().parse::<u16>().ok();
        let (Some(x), Some(y)) = (coordinate(&x), coordinate(&y)) else {
            errors.add(&format!("points[{index}].at"), per_mille.clone());
            continue;
        };
        row_of.push(index);
        points.push(KioskPoint {
            name: civicast_shared::validation::clean(name.trim()).into_owned(),
            at: MapPoint { x, y },
            directions: civicast_shared::validation::clean(directions.trim()).into_owned(),
            building_id: Uuid::parse_str(&building).ok(),
        });
    }
    let input = KioskSettingsInput {
        idle_timeout_s,
        diagonal_mm,
        map_media_id: Uuid::parse_str(form.text("map_media_id").trim()).ok(),
        here,
        points,
    };
    (input, row_of)
}

async fn save_kiosk(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.0.clone();
    let (id, lang) = (id.into_inner(), visitor.lang);
    let mut errors = FieldErrors::default();
    let (input, row_of) = read_form(&form, lang, &mut errors);
    if errors.is_empty() {
        let key = id.to_string();
        let result: Result<KioskSettings, AppError> = db::run(&state.pool, move |conn| {
            db::transaction(conn, |conn| {
                settings::set_settings(conn, &user, &key, &input)
            })
        })
        .await;
        match result {
            Ok(_) => return Ok(visitor.redirect(&format!("/screens/{id}/kiosk?done=kiosk_saved"))),
            Err(AppError::Validation(found)) => {
                for e in found.0 {
                    // A place's mistakes go to the row it was typed in.
                    let field = match e
                        .field
                        .strip_prefix("points[")
                        .and_then(|rest| rest.split_once(']'))
                        .and_then(|(index, part)| Some((index.parse::<usize>().ok()?, part)))
                    {
                        Some((index, part)) => match row_of.get(index) {
                            Some(row) => format!("points[{row}]{part}"),
                            None => e.field.clone(),
                        },
                        None => e.field.clone(),
                    };
                    errors.add(&field, kiosk_message(lang, &e.field, &e.message));
                }
            }
            Err(other) => return Err(other),
        }
    }
    refused(show(&state, &visitor, id, Some(&form), errors, None).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagonals_read_in_inches_with_a_point_or_a_comma() {
        assert_eq!(inches(1092), "43");
        assert_eq!(inches(1080), "42.5");
        assert_eq!(millimetres("43"), Some(1092));
        assert_eq!(millimetres("42,5"), Some(1080));
        assert_eq!(millimetres("big"), None);
        assert_eq!(millimetres("-3"), None);
    }
}
