//! What visitors look for at the kiosks: sessions per kiosk and daypart (in the building's time
//! zone) with their length, the pages opened by kind, QR codes shown, service searches, the
//! languages chosen and the events looked at most. A kiosk and daypart of fewer than 10
//! sessions shows none of its figures, by the same rule as the other reports
//! ([`suppress_column`]): the behaviour of a place, never of a person.

use std::collections::{BTreeMap, HashMap};

use civicast_shared::api::kiosk::{KioskLanguage, KioskPage};
use civicast_shared::api::reports::{
    Cell, KIOSK_SUPPRESSION_RULE, KioskEventViews, KioskReport, KioskReportRow, SUPPRESS_BELOW,
    suppress_column,
};
use diesel::prelude::*;
use uuid::Uuid;

use super::query::Filters;
use crate::db::DbConnection;
use crate::db::models::{stored_id, stored_json};
use crate::db::schema::{buildings, events, kiosk_sessions, screens};
use crate::error::AppError;

/// How many of a row's most viewed events are named.
const TOP_EVENTS: usize = 5;

/// The sums of one kiosk in one daypart.
#[derive(Debug, Default)]
struct Sums {
    building_id: String,
    durations_ms: Vec<i64>,
    pages: BTreeMap<KioskPage, u32>,
    qr_shown: i64,
    searches: i64,
    languages: BTreeMap<KioskLanguage, u32>,
    events: HashMap<Uuid, u32>,
}

type SessionTuple = (
    String,
    String,
    String,
    i64,
    String,
    String,
    String,
    i32,
    i32,
);

/// The kiosk report over the sessions that started in the period of `filters`.
pub fn kiosk_report(conn: &mut DbConnection, filters: &Filters) -> Result<KioskReport, AppError> {
    let sessions: Vec<SessionTuple> = kiosk_sessions::table
        .filter(kiosk_sessions::started_at.ge(filters.from))
        .filter(kiosk_sessions::started_at.lt(filters.to))
        .select((
            kiosk_sessions::screen_id,
            kiosk_sessions::building_id,
            kiosk_sessions::daypart,
            kiosk_sessions::duration_ms,
            kiosk_sessions::language,
            kiosk_sessions::pages,
            kiosk_sessions::events_viewed,
            kiosk_sessions::qr_shown,
            kiosk_sessions::searches,
        ))
        .load(conn)?;
    let mut cells: BTreeMap<(String, String), Sums> = BTreeMap::new();
    for (screen, building, daypart, duration, language, pages, viewed, qr, searches) in sessions {
        let sums = cells.entry((screen, daypart)).or_default();
        sums.building_id = building;
        sums.durations_ms.push(duration);
        for page in stored_json::<Vec<KioskPage>>(&pages) {
            *sums.pages.entry(page).or_default() += 1;
        }
        for event in stored_json::<Vec<Uuid>>(&viewed) {
            *sums.events.entry(event).or_default() += 1;
        }
        if let Some(language) = KioskLanguage::parse(&language) {
            *sums.languages.entry(language).or_default() += 1;
        }
        sums.qr_shown += i64::from(qr);
        sums.searches += i64::from(searches);
    }
    let names = kiosk_names(conn, &cells)?;
    let titles = event_titles(conn, &cells)?;

    // Rows by kiosk name, then daypart ("07-09" before "22-07": dayparts start in order).
    let mut keyed: Vec<((String, String), Sums)> = cells.into_iter().collect();
    keyed.sort_by(|((screen_a, part_a), _), ((screen_b, part_b), _)| {
        let name = |screen: &str| names.get(screen).map(|n| n.0.to_lowercase());
        name(screen_a)
            .cmp(&name(screen_b))
            .then(screen_a.cmp(screen_b))
            .then(part_a.cmp(part_b))
    });
    #[allow(clippy::cast_precision_loss)]
    let counts: Vec<f64> = keyed
        .iter()
        .map(|(_, sums)| sums.durations_ms.len() as f64)
        .collect();
    let hidden = suppress_column(&counts);
    let total: f64 = counts.iter().sum();
    let rows = keyed
        .into_iter()
        .zip(hidden)
        .map(|(((screen, daypart), sums), hide)| {
            let (kiosk, building) = names
                .get(&screen)
                .cloned()
                .unwrap_or_else(|| (screen.clone(), String::new()));
            let building = if building.is_empty() {
                names
                    .get(&sums.building_id)
                    .map(|n| n.0.clone())
                    .unwrap_or_default()
            } else {
                building
            };
            row(
                stored_id(&screen),
                kiosk,
                building,
                daypart,
                sums,
                hide,
                &titles,
            )
        })
        .collect();
    Ok(KioskReport {
        from: filters.from.and_utc(),
        to: filters.to.and_utc(),
        rows,
        total_sessions: if total > 0.0 && total < SUPPRESS_BELOW {
            Cell::suppressed()
        } else {
            Cell::Value(total)
        },
        suppression: KIOSK_SUPPRESSION_RULE.to_owned(),
    })
}

#[allow(clippy::cast_precision_loss)]
fn row(
    screen_id: Uuid,
    kiosk: String,
    building: String,
    daypart: String,
    mut sums: Sums,
    hide: bool,
    titles: &HashMap<Uuid, String>,
) -> KioskReportRow {
    let shown = |value: f64| {
        if hide {
            Cell::suppressed()
        } else {
            Cell::Value(value)
        }
    };
    let sessions = sums.durations_ms.len();
    sums.durations_ms.sort_unstable();
    let median_ms = match sessions {
        0 => 0.0,
        n if n % 2 == 1 => sums.durations_ms[n / 2] as f64,
        n => (sums.durations_ms[n / 2 - 1] + sums.durations_ms[n / 2]) as f64 / 2.0,
    };
    let average_ms = sums.durations_ms.iter().sum::<i64>() as f64 / sessions.max(1) as f64;
    let seconds = |ms: f64| (ms / 100.0).round() / 10.0;
    let pages = KioskPage::ALL
        .iter()
        .map(|page| {
            let opened = sums.pages.get(page).copied().unwrap_or_default();
            (page.as_str().to_owned(), shown(f64::from(opened)))
        })
        .collect();
    let languages_pct = if hide {
        BTreeMap::new()
    } else {
        sums.languages
            .iter()
            .map(|(language, count)| {
                let pct = f64::from(*count) / sessions.max(1) as f64 * 100.0;
                (
                    language.as_str().to_owned(),
                    Cell::Value((pct * 10.0).round() / 10.0),
                )
            })
            .collect()
    };
    let top_events = if hide {
        Vec::new()
    } else {
        let mut viewed: Vec<(Uuid, u32)> = sums
            .events
            .into_iter()
            .filter(|(id, _)| titles.contains_key(id))
            .collect();
        viewed.sort_by(|a, b| b.1.cmp(&a.1).then(titles[&a.0].cmp(&titles[&b.0])));
        viewed
            .into_iter()
            .take(TOP_EVENTS)
            .map(|(event_id, sessions)| KioskEventViews {
                title: titles[&event_id].clone(),
                event_id,
                sessions,
            })
            .collect()
    };
    KioskReportRow {
        screen_id,
        kiosk,
        building,
        daypart,
        sessions: shown(sessions as f64),
        median_duration_s: shown(seconds(median_ms)),
        average_duration_s: shown(seconds(average_ms)),
        pages,
        qr_shown: shown(sums.qr_shown as f64),
        searches: shown(sums.searches as f64),
        languages_pct,
        top_events,
    }
}

/// Each kiosk's name and its building's name, by screen id; and each building's name by its
/// id, for kiosks removed since (their sessions keep the building).
fn kiosk_names(
    conn: &mut DbConnection,
    cells: &BTreeMap<(String, String), Sums>,
) -> Result<HashMap<String, (String, String)>, AppError> {
    let screen_ids: Vec<&String> = cells.keys().map(|(screen, _)| screen).collect();
    let building_ids: Vec<&String> = cells.values().map(|sums| &sums.building_id).collect();
    let mut names = HashMap::new();
    for chunk in screen_ids.chunks(500) {
        let found: Vec<(String, String, String)> = screens::table
            .inner_join(buildings::table)
            .filter(screens::id.eq_any(chunk))
            .select((screens::id, screens::name, buildings::name))
            .load(conn)?;
        for (id, screen, building) in found {
            names.insert(id, (screen, building));
        }
    }
    for chunk in building_ids.chunks(500) {
        let found: Vec<(String, String)> = buildings::table
            .filter(buildings::id.eq_any(chunk))
            .select((buildings::id, buildings::name))
            .load(conn)?;
        for (id, building) in found {
            names.entry(id).or_insert((building, String::new()));
        }
    }
    Ok(names)
}

/// The titles of the events looked at; an event removed since is left out of the report.
fn event_titles(
    conn: &mut DbConnection,
    cells: &BTreeMap<(String, String), Sums>,
) -> Result<HashMap<Uuid, String>, AppError> {
    let ids: Vec<String> = cells
        .values()
        .flat_map(|sums| sums.events.keys())
        .map(Uuid::to_string)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut titles = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(String, String)> = events::table
            .filter(events::id.eq_any(chunk))
            .select((events::id, events::title))
            .load(conn)?;
        for (id, title) in found {
            titles.insert(stored_id(&id), title);
        }
    }
    Ok(titles)
}
