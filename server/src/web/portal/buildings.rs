//! A building's own page: its details (name, address, kind, time zone) to change, its screens,
//! and removing it with what it takes along said first; adding a building, its mistakes shown
//! beside the fields with what was typed kept. The list of buildings is `playlists.rs`'s.

use actix_web::{HttpResponse, web};
use askama::Template;
use civicast_shared::api::places::{Building, BuildingInput};
use civicast_shared::venue::VenueType;
use diesel::prelude::*;
use uuid::Uuid;

use super::admin::{SelectView, done_notice, errors_of, place_selects, refused};
use super::confirm::{self, Confirmation};
use super::events::DoneQuery;
use super::form::FormData;
use super::i18n::Lang;
use super::session::Visitor;
use super::{Choice, FieldErrors, FieldView, Frame, render};
use crate::core::places::buildings::{self as building_rules, BuildingContents};
use crate::db;
use crate::db::schema::screens;
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/buildings", web::post().to(add_building))
        .route("/buildings/new", web::get().to(new_building_page))
        .route(
            "/buildings/{id:[0-9a-fA-F-]{36}}",
            web::get().to(building_page),
        )
        .route(
            "/buildings/{id:[0-9a-fA-F-]{36}}",
            web::post().to(save_building),
        )
        .route("/buildings/{id}/delete", web::post().to(delete_building));
}

/// The building form's fields and kind, as stored or as typed.
struct BuildingDraft {
    name: String,
    address: String,
    time_zone: String,
    venue_type: String,
}

impl BuildingDraft {
    fn typed(form: &FormData) -> BuildingDraft {
        BuildingDraft {
            name: form.text("name"),
            address: form.text("address"),
            time_zone: form.text("time_zone"),
            venue_type: form.text("venue_type"),
        }
    }

    fn fields(self, lang: Lang, errors: &FieldErrors) -> (Vec<FieldView>, Vec<SelectView>) {
        let mut fields = vec![
            FieldView::new("name", lang.t("Name"), "text", self.name)
                .required()
                .max(120),
            FieldView::new("address", lang.t("Address"), "text", self.address)
                .required()
                .max(300),
            FieldView::new("time_zone", lang.t("Time zone"), "text", self.time_zone)
                .required()
                .hint(lang.t("As in Europe/Brussels: the screens' schedules and hours follow it.")),
        ];
        errors.place(&mut fields);
        // No kind is chosen for the user: it decides the audience estimates.
        let mut selects = vec![
            SelectView::new(
                "venue_type",
                lang.t("Kind of building"),
                venue_choices(lang),
            )
            .placeholder(lang.t("Choose the kind of building"))
            .chosen(&self.venue_type),
        ];
        place_selects(errors, &mut selects);
        (fields, selects)
    }

    /// What the rules check, or the kind's own mistake.
    fn input(&self, keep: Option<&Building>) -> Result<BuildingInput, AppError> {
        let venue_type = VenueType::parse(&self.venue_type)
            .ok_or_else(|| AppError::invalid("venue_type", "choose a kind of building"))?;
        Ok(BuildingInput {
            name: self.name.clone(),
            address: self.address.clone(),
            time_zone: self.time_zone.trim().to_owned(),
            venue_type,
            display_hours: keep.and_then(|b| b.display_hours),
            opening_hours: keep.map(|b| b.opening_hours.clone()).unwrap_or_default(),
        })
    }
}

fn venue_choices(lang: Lang) -> Vec<Choice> {
    VenueType::ALL
        .iter()
        .map(|v| Choice {
            value: v.as_str().to_owned(),
            label: lang.venue(*v),
            checked: false,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "building_new.html")]
struct NewBuildingPage {
    lang: Lang,
    frame: Frame,
    fields: Vec<FieldView>,
    selects: Vec<SelectView>,
    has_errors: bool,
}

async fn new_building_page(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, AppError> {
    visitor.user()?.require_admin()?;
    let draft = BuildingDraft {
        name: String::new(),
        address: String::new(),
        time_zone: state.settings.city_time_zone.name().to_owned(),
        venue_type: String::new(),
    };
    let (fields, selects) = draft.fields(visitor.lang, &FieldErrors::default());
    render(
        &visitor,
        &NewBuildingPage {
            lang: visitor.lang,
            frame: Frame::of(&visitor),
            fields,
            selects,
            has_errors: false,
        },
    )
}

async fn add_building(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.0.clone();
    user.require_admin()?;
    let draft = BuildingDraft::typed(&form);
    let result = match draft.input(None) {
        Ok(input) => {
            db::run(&state.pool, move |conn| {
                crate::db::transaction(conn, |conn| {
                    building_rules::add_building(conn, &user, &input)
                })
            })
            .await
        }
        Err(error) => Err(error),
    };
    let errors = match result {
        Ok(_) => return Ok(visitor.redirect("/buildings?done=building")),
        Err(error) => errors_of(
            error,
            visitor.lang,
            "name",
            "Another building has this name.",
        )?,
    };
    let (fields, selects) = draft.fields(visitor.lang, &errors);
    refused(render(
        &visitor,
        &NewBuildingPage {
            lang: visitor.lang,
            frame: Frame::of(&visitor),
            fields,
            selects,
            has_errors: true,
        },
    ))
}

#[derive(Template)]
#[template(path = "building.html")]
struct BuildingPage {
    lang: Lang,
    frame: Frame,
    id: String,
    name: String,
    fields: Vec<FieldView>,
    selects: Vec<SelectView>,
    has_errors: bool,
    /// Its screens: (id, name).
    screens: Vec<(String, String)>,
}

async fn show_building(
    state: &AppState,
    visitor: &Visitor,
    id: Uuid,
    form: Option<&FormData>,
    errors: FieldErrors,
    done: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let key = id.to_string();
    let (building, screen_list) = db::run(&state.pool, move |conn| {
        let building = Building::from(building_rules::find_building(conn, &key)?);
        let screen_list = screens::table
            .filter(screens::building_id.eq(&key))
            .order(screens::name.asc())
            .select((screens::id, screens::name))
            .load::<(String, String)>(conn)?;
        Ok((building, screen_list))
    })
    .await?;
    let lang = visitor.lang;
    let draft = match form {
        Some(form) => BuildingDraft::typed(form),
        None => BuildingDraft {
            name: building.name.clone(),
            address: building.address.clone(),
            time_zone: building.time_zone.clone(),
            venue_type: building.venue_type.as_str().to_owned(),
        },
    };
    let (fields, selects) = draft.fields(lang, &errors);
    render(
        visitor,
        &BuildingPage {
            lang,
            frame: Frame::of(visitor).with_notice(done_notice(lang, done)),
            id: building.id.to_string(),
            name: building.name,
            fields,
            selects,
            has_errors: !errors.is_empty(),
            screens: screen_list,
        },
    )
}

async fn building_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.user()?.require_admin()?;
    show_building(
        &state,
        &visitor,
        id.into_inner(),
        None,
        FieldErrors::default(),
        query.done.as_deref(),
    )
    .await
}

async fn save_building(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.0.clone();
    user.require_admin()?;
    let id = id.into_inner();
    let draft = BuildingDraft::typed(&form);
    let key = id.to_string();
    let result = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            // The hours stay as the hours page set them.
            let stored = Building::from(building_rules::find_building(conn, &key)?);
            let input = draft.input(Some(&stored))?;
            building_rules::change_building(conn, &user, &key, input)
        })
    })
    .await;
    let errors = match result {
        Ok(_) => return Ok(visitor.redirect(&format!("/buildings/{id}?done=building_saved"))),
        Err(error) => errors_of(
            error,
            visitor.lang,
            "name",
            "Another building has this name.",
        )?,
    };
    refused(show_building(&state, &visitor, id, Some(&form), errors, None).await)
}

/// What removing a building takes along, in words.
fn building_consequences(lang: Lang, contents: &BuildingContents) -> Vec<String> {
    let screens = if contents.screens.is_empty() {
        lang.t("No screens stand in it.")
    } else {
        format!(
            "{} {}",
            lang.t("Its screens are removed, and their players must be paired again:"),
            contents.screens.join(", ")
        )
    };
    vec![
        screens,
        format!(
            "{}: {} ({} {})",
            lang.t("Playlists removed"),
            contents.playlists,
            contents.playlist_items,
            lang.t("items")
        ),
        lang.t("Its plays stay in the reports."),
    ]
}

async fn delete_building(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.0.clone();
    user.require_admin()?;
    let (id, lang) = (id.into_inner(), visitor.lang);
    let key = id.to_string();
    if !confirm::is_confirmed(&form) {
        let (name, contents) = db::run(&state.pool, move |conn| {
            let row = building_rules::find_building(conn, &key)?;
            Ok((row.name, building_rules::building_contents(conn, &key)?))
        })
        .await?;
        return confirm::ask(
            &visitor,
            Confirmation {
                title: format!("{} {name}?", lang.t("Delete the building")),
                consequences: building_consequences(lang, &contents),
                action: format!("/buildings/{id}/delete"),
                fields: form.fields(),
                button: lang.t("Delete the building"),
                back: format!("/buildings/{id}"),
            },
        );
    }
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            building_rules::delete_building(conn, &user, &key)
        })
    })
    .await?;
    Ok(visitor.redirect("/buildings?done=building_deleted"))
}
