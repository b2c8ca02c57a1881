//! A net of generated requests over the handlers that take dates, numbers and text: report
//! periods, play batches, events and their approval, playlist items and their schedules,
//! buildings, users, organisations, audience profiles and paging. Values come from the edges
//! where arithmetic and parsers break (chrono's limits, leap seconds, integer extremes, numbers
//! JSON cannot hold, invisible and direction-changing text, lone surrogates). Every answer must
//! be below 500 and must come at all: a handler that panics drops the connection.
//!
//! One server and one runtime serve every case, so a few hundred cases take seconds. Set
//! `CIVICAST_GENERATED_CASES` for a longer run.

use std::sync::Mutex;

use chrono::{Duration, Utc};
use civicast_tests::{TestApp, spawn_app};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::event_body;

/// Who sends a request.
#[derive(Debug, Clone, Copy)]
enum Caller {
    Admin,
    Member,
    Screen,
    /// The portal, signed in as the administrator.
    Portal,
    /// The portal, signed in as the association member.
    MemberPortal,
}

/// The credentials of each caller.
#[derive(Debug, Clone)]
struct Tokens {
    admin: String,
    member: String,
    screen: String,
    portal: Portal,
    member_portal: Portal,
}

/// A portal session: its cookies, and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub struct Portal {
    pub cookies: String,
    pub csrf: String,
}

#[derive(Debug, Clone)]
struct Request {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    /// Raw JSON text, so that it can hold what serde_json would never write.
    body: Option<String>,
    /// A URL-encoded form (with the caller's CSRF token added), instead of `body`.
    form: Option<Vec<(String, String)>>,
    caller: Caller,
}

/// What the cases need from the server made for them.
#[derive(Debug, Clone)]
struct Fixtures {
    building: String,
    playlist: String,
    organisation: String,
    event: String,
    screen: String,
    item: String,
    /// A screen of kind kiosk, whose settings the cases set, and a map for it.
    kiosk: String,
    map: String,
}

/// Instants as a client may write them: chrono's ends, year 0, the edges of the accepted
/// calendar, leap seconds, extreme offsets, and times around now.
fn dates() -> Vec<String> {
    let now = Utc::now();
    let mut dates: Vec<String> = [
        "-262143-01-01T00:00:00Z",
        "-262144-01-01T00:00:00Z",
        "+262142-12-31T23:59:59Z",
        "+262143-12-31T23:59:59.999999999Z",
        "0000-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "1970-01-01T00:00:00Z",
        "1999-12-31T23:59:59Z",
        "2000-01-01T00:00:00Z",
        "2200-12-31T23:59:59Z",
        "2201-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999999Z",
        "2026-12-31T23:59:60Z",
        "2026-06-30T23:59:60.999Z",
        "2026-12-20T19:00:00+23:59",
        "2026-12-20T19:00:00-23:59",
        "2026-02-30T10:00:00Z",
        "not a date",
        "",
    ]
    .iter()
    .map(|d| (*d).to_owned())
    .collect();
    for offset in [
        Duration::seconds(-20),
        Duration::seconds(-12),
        Duration::days(-31),
        Duration::days(2),
        Duration::days(30),
        Duration::days(400),
    ] {
        dates.push((now + offset).to_rfc3339());
    }
    dates
}

/// Days as the portal's report form sends them.
const DAYS: &[&str] = &[
    "-262143-01-01",
    "+262142-12-31",
    "262143-12-31",
    "0000-01-01",
    "1999-12-31",
    "2026-12-20",
    "2200-12-31",
    "2201-01-01",
    "9999-12-31",
    "2026-02-30",
    "",
];

/// Times as the portal's `datetime-local` inputs send them (in the city's time zone).
const LOCAL_TIMES: &[&str] = &[
    "+262142-12-31T23:59",
    "-262143-01-01T00:00",
    "0000-01-01T00:00",
    "9999-12-31T23:59",
    "2199-12-31T23:59",
    "2201-01-01T00:00",
    "2026-12-20T19:00",
    "2026-12-20T21:00",
    "2026-03-29T02:30",
    "2026-10-25T02:30",
    "2026-12-31T23:59:60",
    "",
];

/// Texts as a form sends them.
const FORM_TEXTS: &[&str] = &[
    "Choir concert",
    "",
    "\u{200b}\u{2060}\u{feff}",
    "\u{202e}tnecnoc\u{202c}",
    "\u{2067}Choir\u{2069}",
    "nul\u{0}here",
    "\u{1f469}\u{200d}\u{1f467} family day",
];

/// JSON number literals (and a few that are not JSON).
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "999",
    "1000",
    "8000",
    "600001",
    "2147483647",
    "-2147483648",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "1e308",
    "-1e308",
    "1e-320",
    "1.5",
    "-0",
    "NaN",
    "Infinity",
];

/// Texts as JSON string literals: what the rules must refuse, strip or keep.
fn texts() -> Vec<String> {
    let plain = [
        "Choir concert",
        "",
        "\u{200b}\u{200b}\u{200b}",
        "\u{2060}\u{feff}\u{200d}",
        "\u{202e}tnecnoc rioh\u{202c}",
        "\u{2066}Choir\u{2069}",
        "\u{200e}\u{200f}\u{061c}",
        "Choir \u{202a}concert\u{202c}",
        "e\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}",
        "\u{1d56e}\u{1d58e}\u{1d59b}\u{1d58e}\u{1d588} \u{1f3b5}",
        "\u{1f469}\u{200d}\u{1f469}\u{200d}\u{1f467} family day",
        "\u{3164}\u{115f}",
        "https://choir.example/\u{202e}gpj.exe",
    ];
    let mut texts: Vec<String> = plain
        .iter()
        .map(|t| serde_json::to_string(t).expect("a string"))
        .collect();
    texts.push(r#""\ud800""#.to_owned());
    texts.push(r#""a\udfffb""#.to_owned());
    texts.push(r#""nul\u0000here""#.to_owned());
    texts.push(serde_json::to_string(&"x".repeat(10_000)).expect("a string"));
    texts
}

const TIMES: &[&str] = &[
    "\"00:00\"",
    "\"23:59:59\"",
    "\"23:59:60\"",
    "\"23:59:60.999999999\"",
    "\"24:00\"",
    "\"09:00:00.000000001\"",
    "\"-01:00\"",
    "7",
];

const ZONES: &[&str] = &[
    "Europe/Brussels",
    "Etc/GMT+12",
    "Etc/GMT-14",
    "Pacific/Kiritimati",
    "UTC",
    "Mars/Olympus",
    "",
];

const DIMENSIONS: &[&str] = &[
    "event",
    "organisation",
    "building",
    "building_daypart",
    "screen",
    "daypart",
    "hour",
    "category",
    "day_type",
];

const LISTS: &[&str] = &[
    "/api/v1/events",
    "/api/v1/buildings",
    "/api/v1/users",
    "/api/v1/organisations",
    "/api/v1/media",
    "/api/v1/playlists",
    "/api/v1/audit",
    "/api/v1/screens",
];

/// Mostly `sound` (so that most requests get past the first check and what they store is read
/// back), else one of `edges`.
fn mostly(sound: Vec<String>, edges: Vec<String>) -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(sound),
        1 => prop::sample::select(edges),
    ]
    .boxed()
}

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// The strategy of one request, over the values above.
fn requests(fixtures: Fixtures) -> impl Strategy<Value = Request> {
    let (dates, texts) = (dates(), texts());
    let now = Utc::now();
    let date = move |sound: Duration| mostly(vec![(now + sound).to_rfc3339()], dates.clone());
    let text = move |sound: &str| {
        mostly(
            vec![serde_json::to_string(sound).expect("a string")],
            texts.clone(),
        )
    };
    let number = |sound: &str| mostly(vec![sound.to_owned()], owned(NUMBERS));
    let time = |sound: &str| mostly(vec![format!("\"{sound}\"")], owned(TIMES));
    let f = fixtures;

    let report = (
        prop::sample::select(DIMENSIONS.to_vec()),
        date(Duration::days(-30)),
        date(Duration::zero()),
        prop::sample::select(vec!["json", "csv", "svg"]),
        prop::sample::select(vec![
            "/api/v1/reports/plays",
            "/api/v1/reports/delivery",
            "/api/v1/reports/fairness",
            "/api/v1/reports/kiosks",
        ]),
        any::<bool>(),
    )
        .prop_map(|(by, from, to, format, path, as_member)| {
            let mut query = vec![
                ("from".to_owned(), from),
                ("to".to_owned(), to),
                ("format".to_owned(), format.to_owned()),
            ];
            if path.ends_with("plays") {
                query.push(("by".to_owned(), by.to_owned()));
            }
            Request {
                method: Method::GET,
                path: path.to_owned(),
                query,
                body: None,
                form: None,
                caller: if as_member {
                    Caller::Member
                } else {
                    Caller::Admin
                },
            }
        });

    let today = now.format("%Y-%m-%d").to_string();
    let month_ago = (now - Duration::days(30)).format("%Y-%m-%d").to_string();
    let portal_report = (
        prop::sample::select(DIMENSIONS.to_vec()),
        mostly(vec![month_ago], owned(DAYS)),
        mostly(vec![today], owned(DAYS)),
        any::<bool>(),
    )
        .prop_map(|(by, from, to, csv)| Request {
            method: Method::GET,
            path: if csv { "/reports.csv" } else { "/reports" }.to_owned(),
            query: vec![
                ("by".to_owned(), by.to_owned()),
                ("from".to_owned(), from),
                ("to".to_owned(), to),
            ],
            body: None,
            form: None,
            caller: Caller::Portal,
        });

    let (screen, item) = (f.screen.clone(), f.item.clone());
    let offsets = mostly(
        owned(&["0", "3600000", "315360000000", "-315360000000"]),
        owned(NUMBERS),
    );
    let plays = (
        date(Duration::seconds(-20)),
        date(Duration::seconds(-12)),
        offsets,
        number("8000"),
        number("8000"),
        number("1"),
    )
        .prop_map(move |(started, ended, offset, planned, played, seq)| {
            let body = format!(
                r#"{{"plays":[{{"id":"{id}","schema_version":1,"seq":{seq},"screen_id":"{screen}",
                "item_id":"{item}","kind":"announcement","content_hash":"{hash}",
                "started_at":"{started}","ended_at":"{ended}","planned_ms":{planned},
                "played_ms":{played},"clock_offset_ms":{offset},"outcome":"complete",
                "display_on":true,"player_version":"0.1.0"}}]}}"#,
                id = Uuid::now_v7(),
                hash = "ab".repeat(32),
            );
            Request {
                method: Method::POST,
                path: "/api/v1/screen/plays".to_owned(),
                query: vec![],
                body: Some(body),
                form: None,
                caller: Caller::Screen,
            }
        });

    let (building, event) = (f.building.clone(), f.event.clone());
    let events = (
        date(Duration::days(10)),
        date(Duration::days(10) + Duration::hours(3)),
        text("Choir concert"),
        text("https://choir.example/concert"),
        any::<bool>(),
    )
        .prop_map(move |(starts, ends, title, link, edit)| {
            let body = format!(
                r#"{{"title":{title},"description":"Open rehearsal","starts_at":"{starts}",
                "ends_at":"{ends}","venue":"Culture centre","category":"music",
                "link":{link},"requested_building_ids":["{building}"]}}"#
            );
            Request {
                method: if edit { Method::PUT } else { Method::POST },
                path: if edit {
                    format!("/api/v1/events/{event}")
                } else {
                    "/api/v1/events".to_owned()
                },
                query: vec![],
                body: Some(body),
                form: None,
                caller: Caller::Member,
            }
        });

    let (building, event) = (f.building.clone(), f.event.clone());
    let approve = (
        date(Duration::days(1)),
        date(Duration::days(20)),
        number("10000"),
    )
        .prop_map(move |(from, until, duration)| Request {
            method: Method::POST,
            path: format!("/api/v1/events/{event}/approve"),
            query: vec![],
            body: Some(format!(
                r#"{{"building_ids":["{building}"],"promotion_from":"{from}",
                "promotion_until":"{until}","duration_ms":{duration}}}"#
            )),
            form: None,
            caller: Caller::Admin,
        });

    let playlist = f.playlist.clone();
    let items = (
        number("8000"),
        date(Duration::zero()),
        date(Duration::days(30)),
        time("09:00"),
        time("17:00"),
        text("Welcome"),
        number("0"),
    )
        .prop_map(
            move |(duration, from, until, start, end, text, position)| Request {
                method: Method::POST,
                path: format!("/api/v1/playlists/{playlist}/items"),
                query: vec![],
                body: Some(format!(
                    r#"{{"kind":"announcement","text":{text},"duration_ms":{duration},
                    "position":{position},"schedule":{{"valid_from":"{from}",
                    "valid_until":"{until}","time_windows":[{{"start":{start},"end":{end}}}]}}}}"#
                )),
                form: None,
                caller: Caller::Admin,
            },
        );

    let buildings = (
        text("Sports hall"),
        mostly(owned(&["Europe/Brussels"]), owned(ZONES)),
        time("07:00"),
        time("22:00"),
    )
        .prop_map(|(name, zone, start, end)| Request {
            method: Method::POST,
            path: "/api/v1/buildings".to_owned(),
            query: vec![],
            body: Some(format!(
                r#"{{"name":{name},"address":"Grote Markt 1","time_zone":"{zone}",
                "venue_type":"library","display_hours":{{"start":{start},"end":{end}}},
                "opening_hours":[{{"weekdays":["Mon"],"start":{start},"end":{end}}}]}}"#
            )),
            form: None,
            caller: Caller::Admin,
        });

    let organisation = f.organisation.clone();
    let accounts = (text("Ann Peeters"), any::<bool>()).prop_map(move |(name, user)| {
        let body = if user {
            format!(
                r#"{{"email":"{}@example.org","display_name":{name},
                "password":"a long enough password","role":"association",
                "organisation_id":"{organisation}"}}"#,
                Uuid::new_v4().simple()
            )
        } else {
            // Organisation names are unique: a sound one gets a suffix.
            let name = name.replacen("Ann Peeters", &format!("Club {}", Uuid::new_v4()), 1);
            format!(
                r#"{{"name":{name},"kind":"association","contact_name":{name},
                "contact_email":"contact@example.org","description":{name}}}"#
            )
        };
        Request {
            method: Method::POST,
            path: if user {
                "/api/v1/users"
            } else {
                "/api/v1/organisations"
            }
            .to_owned(),
            query: vec![],
            body: Some(body),
            form: None,
            caller: Caller::Admin,
        }
    });

    let building = f.building.clone();
    let audience =
        (number("120"), number("60"), number("0.2")).prop_map(move |(visitors, dwell, share)| {
            Request {
                method: Method::PUT,
                path: format!("/api/v1/buildings/{building}/audience"),
                query: vec![],
                body: Some(format!(
                    r#"{{"source":"gate counts","rows":[{{"daypart":"09-12","day_type":"weekday",
                "visitors_per_hour":{visitors},"dwell_s":{dwell},"visibility":0.5,
                "segments":{{"youth":{share}}}}}]}}"#
                )),
                form: None,
                caller: Caller::Admin,
            }
        });

    let paging = (
        prop::sample::select(LISTS.to_vec()),
        number("1"),
        number("50"),
        any::<bool>(),
    )
        .prop_map(|(path, page, per_page, as_member)| Request {
            method: Method::GET,
            path: path.to_owned(),
            query: vec![("page".to_owned(), page), ("per_page".to_owned(), per_page)],
            body: None,
            form: None,
            caller: if as_member {
                Caller::Member
            } else {
                Caller::Admin
            },
        });

    let status = (
        number("1000000"),
        number("1920"),
        number("3600"),
        text("0.1.0"),
    )
        .prop_map(|(cache_bytes, width, uptime, version)| Request {
            method: Method::POST,
            path: "/api/v1/screen/status".to_owned(),
            query: vec![],
            body: Some(format!(
                r#"{{"player_version":{version},"cache_bytes":{cache_bytes},"cache_files":1,
                "width":{width},"height":1080,"uptime_s":{uptime}}}"#
            )),
            form: None,
            caller: Caller::Screen,
        });

    let building = f.building.clone();
    let local = |offset: Duration| (now + offset).format("%Y-%m-%dT%H:%M").to_string();
    let portal_events = (
        mostly(vec![local(Duration::days(10))], owned(LOCAL_TIMES)),
        mostly(
            vec![local(Duration::days(10) + Duration::hours(3))],
            owned(LOCAL_TIMES),
        ),
        mostly(owned(&["Choir concert"]), owned(FORM_TEXTS)),
        mostly(owned(&["https://choir.example/concert"]), owned(FORM_TEXTS)),
    )
        .prop_map(move |(starts, ends, title, link)| {
            let pairs = [
                ("title", title),
                ("description", "Open rehearsal".to_owned()),
                ("starts_at", starts),
                ("ends_at", ends),
                ("venue", "Culture centre".to_owned()),
                ("category", "music".to_owned()),
                ("link", link),
                ("requested_building_ids", building.clone()),
            ];
            Request {
                method: Method::POST,
                path: "/events".to_owned(),
                query: vec![],
                body: None,
                form: Some(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
                caller: Caller::MemberPortal,
            }
        });

    let services = (
        text("Parking permit"),
        text("Apply for a parking permit"),
        text("https://city.example/parking"),
    )
        .prop_map(|(name, purpose, link)| Request {
            method: Method::POST,
            path: "/api/v1/services".to_owned(),
            query: vec![],
            body: Some(format!(
                r#"{{"name":{name},"purpose":{purpose},"place":"City hall","web_url":{link}}}"#
            )),
            form: None,
            caller: Caller::Admin,
        });

    let (kiosk, map) = (f.kiosk.clone(), f.map.clone());
    let kiosks = (
        number("60"),
        number("1092"),
        number("500"),
        text("Tourist office"),
    )
        .prop_map(move |(idle, diagonal, at, name)| Request {
            method: Method::PUT,
            path: format!("/api/v1/screens/{kiosk}/kiosk"),
            query: vec![],
            body: Some(format!(
                r#"{{"idle_timeout_s":{idle},"diagonal_mm":{diagonal},"map_media_id":"{map}","here":{{"x":{at},"y":{at}}},
                "points":[{{"name":{name},"at":{{"x":{at},"y":1}},"directions":{name}}}]}}"#
            )),
            form: None,
            caller: Caller::Admin,
        });

    let agenda_event = f.event.clone();
    let agenda = (
        prop::sample::select(vec![
            "/agenda",
            "/agenda.ics",
            "/agenda.json",
            "/agenda/{event}",
        ]),
        mostly(vec![String::new()], owned(DAYS)),
        mostly(vec!["music".to_owned()], owned(NUMBERS)),
        mostly(vec!["weekend".to_owned()], owned(NUMBERS)),
    )
        .prop_map(move |(path, date, category, day)| Request {
            method: Method::GET,
            path: path.replace("{event}", &agenda_event),
            query: vec![
                ("date".to_owned(), date),
                ("category".to_owned(), category.clone()),
                ("day".to_owned(), day),
                ("place".to_owned(), category),
            ],
            body: None,
            form: None,
            caller: Caller::Portal,
        });

    prop_oneof![
        3 => report,
        2 => portal_report,
        1 => agenda,
        3 => plays,
        2 => events,
        1 => approve,
        2 => items,
        1 => buildings,
        1 => accounts,
        1 => audience,
        1 => paging,
        1 => status,
        2 => portal_events,
        1 => services,
        1 => kiosks,
    ]
}

/// Signs in to the portal as the administrator; returns the cookies to send.
pub async fn portal_cookies(app: &TestApp) -> String {
    portal_session(app, &app.admin_email, &app.admin_password)
        .await
        .cookies
}

/// Signs in to the portal as `email` the way a browser does.
pub async fn portal_session(app: &TestApp, email: &str, password: &str) -> Portal {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let cookies_of = |response: &reqwest::Response| -> Vec<String> {
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .map(str::to_owned)
            .collect()
    };
    let page = client
        .get(app.url("/login"))
        .send()
        .await
        .expect("the login page");
    let first = cookies_of(&page);
    let csrf = first
        .iter()
        .find_map(|c| c.strip_prefix("civicast_csrf="))
        .expect("a CSRF cookie")
        .to_owned();
    let signed_in = client
        .post(app.url("/login"))
        .header("cookie", first.join("; "))
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .expect("the login answer");
    assert!(
        signed_in.status().is_redirection(),
        "portal login answered {}",
        signed_in.status()
    );
    let cookies = cookies_of(&signed_in).join("; ");
    // The token the signed-in forms carry, as a page writes it.
    let html = client
        .get(app.url("/events"))
        .header("cookie", &cookies)
        .send()
        .await
        .expect("a page")
        .text()
        .await
        .unwrap_or_default();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned();
    Portal { cookies, csrf }
}

/// Fixtures for the cases: a building with a playlist and an item, an association with a
/// member and a pending event, a paired screen.
async fn fixtures(app: &TestApp) -> (Fixtures, String, String) {
    let building = app.building("Generated library").await;
    let playlist = app.playlist(&building, "Generated loop").await;
    let item = app
        .add_item(
            &playlist,
            &json!({ "kind": "announcement", "text": "Welcome", "duration_ms": 8000 }),
        )
        .await["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let (organisation, member) = app
        .organisation_with_member("Generated choir", "association", "association")
        .await;
    let event = app
        .submit_event(&member, &event_body("Generated concert", 10, &[&building]))
        .await["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let (screen, screen_token) = app
        .pair_screen(&building, "Generated hall", 1920, 1080)
        .await;
    let (kiosk, _) = app
        .pair_screen(&building, "Generated kiosk", 1080, 1920)
        .await;
    app.expect(
        Method::PUT,
        &format!("/api/v1/screens/{kiosk}"),
        &app.admin,
        Some(&json!({
            "building_id": building, "name": "Generated kiosk", "kind": "kiosk",
            "width": 1080, "height": 1920, "orientation": "portrait"
        })),
        StatusCode::OK,
    )
    .await;
    let map = app
        .upload_image(&app.admin, civicast_tests::png(800, 600), "image/png")
        .await["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    (
        Fixtures {
            building,
            playlist,
            organisation,
            event,
            screen,
            item,
            kiosk,
            map,
        },
        member,
        screen_token,
    )
}

/// Sends one request: its status and body, or why it failed (a status of 500 or more, or no
/// answer at all).
async fn send(
    app: &TestApp,
    client: &reqwest::Client,
    tokens: &Tokens,
    request: &Request,
) -> Result<(StatusCode, String), String> {
    let mut builder = client
        .request(request.method.clone(), app.url(&request.path))
        .query(&request.query);
    builder = match request.caller {
        Caller::Admin => builder.bearer_auth(&tokens.admin),
        Caller::Member => builder.bearer_auth(&tokens.member),
        Caller::Screen => builder.bearer_auth(&tokens.screen),
        Caller::Portal => builder.header("cookie", &tokens.portal.cookies),
        Caller::MemberPortal => builder.header("cookie", &tokens.member_portal.cookies),
    };
    if let Some(form) = &request.form {
        let csrf = match request.caller {
            Caller::MemberPortal => &tokens.member_portal.csrf,
            _ => &tokens.portal.csrf,
        };
        let mut form = form.clone();
        form.push(("csrf".to_owned(), csrf.clone()));
        builder = builder.form(&form);
    }
    if let Some(body) = &request.body {
        builder = builder
            .header("content-type", "application/json")
            .body(body.clone());
    }
    let response = builder
        .send()
        .await
        .map_err(|error| format!("no answer (connection dropped?): {error}"))?;
    let status = response.status();
    // The whole body must arrive too: a panic while it streams cuts it.
    let text = response
        .text()
        .await
        .map_err(|error| format!("the body was cut: {error}"))?;
    if status.is_server_error() {
        return Err(format!("answered {status}: {text}"));
    }
    Ok((status, text))
}

/// A path with its ids as `{id}`, to tally answers by route.
fn route_of(path: &str) -> String {
    path.split('/')
        .map(|part| {
            if Uuid::parse_str(part).is_ok() {
                "{id}"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// What reads back what a request stored: an event's pages, and the screen's manifest after
/// its playlist changed. What was stored must show without a server error too.
fn follow_ups(request: &Request, status: StatusCode, body: &str) -> Vec<Request> {
    let get = |path: String, caller| Request {
        method: Method::GET,
        path,
        query: vec![],
        body: None,
        form: None,
        caller,
    };
    let stored = status.is_success() || status.is_redirection();
    if !stored || request.method == Method::GET {
        return vec![];
    }
    let id = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_owned));
    if request.path == "/events" {
        return vec![
            get("/events".to_owned(), Caller::MemberPortal),
            get("/moderation".to_owned(), Caller::Portal),
        ];
    }
    if request.path.starts_with("/api/v1/events") && !request.path.ends_with("/approve") {
        return id.map_or_else(Vec::new, |id| {
            vec![
                get(format!("/events/{id}"), Caller::Portal),
                get(format!("/api/v1/events/{id}"), Caller::Member),
                get("/events".to_owned(), Caller::MemberPortal),
                get("/moderation".to_owned(), Caller::Portal),
            ]
        });
    }
    if request.path == "/api/v1/screen/status" {
        return vec![
            get("/screens".to_owned(), Caller::Portal),
            get("/api/v1/screens".to_owned(), Caller::Admin),
        ];
    }
    if request.path.contains("/items") || request.path.ends_with("/approve") {
        return vec![get("/api/v1/screen/manifest".to_owned(), Caller::Screen)];
    }
    vec![]
}

#[test]
fn generated_requests_never_get_a_server_error() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let (app, fixtures, tokens) = runtime.block_on(async {
        let app = spawn_app().await;
        let (fixtures, member, screen) = fixtures(&app).await;
        let portal = portal_session(&app, &app.admin_email, &app.admin_password).await;
        let member_portal = portal_session(
            &app,
            "generated.choir@example.org",
            "a long enough password",
        )
        .await;
        assert!(!member_portal.csrf.is_empty(), "a CSRF token in the page");
        let tokens = Tokens {
            admin: app.admin.clone(),
            member,
            screen,
            portal,
            member_portal,
        };
        (app, fixtures, tokens)
    });
    // No connection is reused, so a connection one case broke cannot fail the next.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let cases = std::env::var("CIVICAST_GENERATED_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1024);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    // A fixed seed: the same cases every run, so a failure is seen again by whoever looks.
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let failures = Mutex::new(Vec::<String>::new());
    // How each kind of request was answered, so that a net that never got past sign-in or
    // CSRF shows as one.
    let answers = Mutex::new(std::collections::BTreeMap::<(String, u16), usize>::new());
    let result = runner.run(&requests(fixtures), |first| {
        let mut queue = vec![first];
        while let Some(request) = queue.pop() {
            let failure = match runtime.block_on(send(&app, &client, &tokens, &request)) {
                Ok((status, body)) => {
                    let route = format!("{} {}", request.method, route_of(&request.path));
                    *answers
                        .lock()
                        .expect("the tally")
                        .entry((route, status.as_u16()))
                        .or_default() += 1;
                    queue.extend(follow_ups(&request, status, &body));
                    continue;
                }
                Err(failure) => failure,
            };
            let query: Vec<String> = request
                .query
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let body: String = request
                .body
                .as_deref()
                .unwrap_or("")
                .split_whitespace()
                .collect::<String>()
                .chars()
                .take(600)
                .collect();
            failures.lock().expect("the list").push(format!(
                "{} {}?{} {body}\n    {failure}",
                request.method,
                request.path,
                query.join("&"),
            ));
        }
        Ok(())
    });
    result.expect("the generator runs");
    // The server still answers after everything it was sent.
    let health = runtime.block_on(async { app.client.get(app.url("/healthz")).send().await });
    let failures = failures.into_inner().expect("the list");
    let answers = answers.into_inner().expect("the tally");
    for ((route, status), count) in &answers {
        eprintln!("{count:6} {status} {route}");
    }
    for route in [
        "POST /events",
        "POST /api/v1/events",
        "POST /api/v1/screen/plays",
        "GET /api/v1/reports/plays",
        "GET /reports",
        "POST /api/v1/playlists/{id}/items",
        "POST /api/v1/services",
        "PUT /api/v1/screens/{id}/kiosk",
    ] {
        assert!(
            answers
                .iter()
                .any(|((r, status), _)| r == route && (200..400).contains(status)),
            "no {route} was accepted: the cases do not get past the checks in front"
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} generated requests failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(health.expect("a health answer").status(), StatusCode::OK);
    drop(app);
    drop(runtime);
}
