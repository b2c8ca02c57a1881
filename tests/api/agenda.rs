//! The public agenda and the kiosks' sessions: the agenda's feeds (iCalendar structure, escaping
//! and folding; schema.org JSON-LD) list only approved events that have not ended, with the
//! page's filters; an event's public page counts a person's visits and sets no cookie; kiosk
//! sessions arrive with proof of play, stored once, on the server's clock, refused from a
//! screen that is no kiosk; the kiosk report hides a kiosk and daypart of fewer than 10.

use chrono::{Duration, NaiveDateTime, Utc};
use civicast_server::db::schema::{events, kiosk_sessions};
use civicast_tests::{TestApp, png, spawn_app};
use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::event_body;

/// A building, a verified association with a member, and a staff member.
struct City {
    building: String,
    choir: String,
    staff: String,
}

async fn city(app: &TestApp) -> City {
    let building = app.building("Library").await;
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let (_, staff) = app
        .organisation_with_member("Communications", "city_department", "staff")
        .await;
    City {
        building,
        choir,
        staff,
    }
}

/// Submits `body` as the choir and approves it into the library; returns its id.
async fn approved(app: &TestApp, city: &City, body: &Value) -> String {
    let event = app.submit_event(&city.choir, body).await;
    let id = event["id"].as_str().unwrap().to_owned();
    app.expect(
        Method::POST,
        &format!("/api/v1/events/{id}/approve"),
        &city.staff,
        Some(&json!({ "building_ids": [city.building] })),
        StatusCode::OK,
    )
    .await;
    id
}

/// A GET without a token, with the response's body.
async fn public_get(app: &TestApp, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = app.send(Method::GET, path, None, None).await;
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.text().await.unwrap())
}

fn database(app: &TestApp) -> civicast_server::db::DbPool {
    civicast_server::db::open(&app.settings.database().unwrap()).unwrap()
}

/// The lines of an iCalendar text, unfolded.
fn unfolded(ics: &str) -> Vec<String> {
    ics.replace("\r\n ", "")
        .split("\r\n")
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_feeds_list_approved_events_that_have_not_ended_with_the_page_filters() {
    let app = spawn_app().await;
    let city = city(&app).await;
    let poster = app
        .upload_image(&city.choir, png(1200, 1600), "image/png")
        .await;
    let mut concert = event_body("Winter concert; choir, brass", 2, &[&city.building]);
    concert["poster_media_id"] = poster["id"].clone();
    concert["description"] = json!(format!(
        "Bring a friend,\nand a scarf; it is cold \\ outside. {}",
        "Één koor, één zaal. ".repeat(6)
    ));
    let concert = approved(&app, &city, &concert).await;
    let mut match_body = event_body("Football final", 4, &[&city.building]);
    match_body["category"] = json!("sports");
    match_body["venue"] = json!("Sports hall");
    let football = approved(&app, &city, &match_body).await;
    let pending = app
        .submit_event(&city.choir, &event_body("Quiz night", 3, &[&city.building]))
        .await;
    let pending = pending["id"].as_str().unwrap().to_owned();
    // An approved event that is over (before the hourly job closed it) is no longer listed.
    let over = approved(
        &app,
        &city,
        &event_body("Autumn fair", 1, &[&city.building]),
    )
    .await;
    {
        let pool = database(&app);
        let mut conn = pool.get().unwrap();
        let yesterday = (Utc::now() - Duration::days(1)).naive_utc();
        diesel::update(events::table.find(&over))
            .set((
                events::starts_at.eq(yesterday - Duration::hours(3)),
                events::ends_at.eq(yesterday),
            ))
            .execute(&mut *conn)
            .unwrap();
    }

    let (status, headers, ics) = public_get(&app, "/agenda.ics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    assert!(headers.get("set-cookie").is_none());
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert!(ics.ends_with("\r\n") && !ics.replace("\r\n", "").contains('\n'));
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "a line of {} octets: {line}", line.len());
    }
    let lines = unfolded(&ics);
    assert_eq!(lines.first().unwrap(), "BEGIN:VCALENDAR");
    assert_eq!(lines.last().unwrap(), "END:VCALENDAR");
    assert!(lines.contains(&"VERSION:2.0".to_owned()));
    assert!(lines.iter().any(|l| l.starts_with("PRODID:")));
    assert_eq!(
        lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(),
        2,
        "{ics}"
    );
    let uids: Vec<&String> = lines.iter().filter(|l| l.starts_with("UID:")).collect();
    assert!(
        uids[0].starts_with(&format!("UID:{concert}@")),
        "soonest first: {uids:?}"
    );
    assert!(uids[1].starts_with(&format!("UID:{football}@")));
    assert!(!ics.contains(&pending) && !ics.contains(&over));
    let utc = regex_free_utc;
    for name in ["DTSTAMP", "DTSTART", "DTEND"] {
        let values: Vec<&String> = lines
            .iter()
            .filter(|l| l.starts_with(&format!("{name}:")))
            .collect();
        assert_eq!(values.len(), 2);
        assert!(
            values.iter().all(|l| utc(&l[name.len() + 1..])),
            "{values:?}"
        );
    }
    assert!(lines.contains(&"SUMMARY:Winter concert\\; choir\\, brass".to_owned()));
    let description = lines
        .iter()
        .find(|l| l.starts_with("DESCRIPTION:Bring"))
        .unwrap();
    assert!(
        description.starts_with(
            "DESCRIPTION:Bring a friend\\,\\nand a scarf\\; it is cold \\\\ outside. Één koor\\,"
        ),
        "{description}"
    );
    assert!(
        ics.contains("\r\n "),
        "the long description is folded: {ics}"
    );
    assert!(lines.contains(&"LOCATION:Culture centre\\, Kortrijk".to_owned()));
    assert!(lines.contains(&format!("URL:{}/agenda/{concert}", app.address)));

    // The same feed again costs the client nothing.
    let unchanged = app
        .client
        .get(app.url("/agenda.ics"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);

    let (status, headers, json) = public_get(&app, "/agenda.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/ld+json")
    );
    let list: Value = serde_json::from_str(&json).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let first = &list[0];
    assert_eq!(first["@context"], "https://schema.org");
    assert_eq!(first["@type"], "Event");
    assert_eq!(first["name"], "Winter concert; choir, brass");
    assert_eq!(first["location"]["@type"], "Place");
    assert_eq!(first["location"]["name"], "Culture centre, Kortrijk");
    assert_eq!(first["organizer"]["@type"], "Organization");
    assert_eq!(first["organizer"]["name"], "Choir");
    assert_eq!(first["url"], format!("{}/agenda/{concert}", app.address));
    assert_eq!(
        first["image"],
        format!("{}/agenda/{concert}/poster", app.address)
    );
    assert_eq!(first["eventStatus"], "https://schema.org/EventScheduled");
    for field in ["startDate", "endDate", "description"] {
        assert!(first[field].is_string(), "{field} in {first}");
    }
    let start = chrono::DateTime::parse_from_rfc3339(first["startDate"].as_str().unwrap()).unwrap();
    let end = chrono::DateTime::parse_from_rfc3339(first["endDate"].as_str().unwrap()).unwrap();
    assert_eq!(end - start, Duration::hours(3));
    assert!(list[1].get("image").is_none(), "no poster, no image");

    // The filters of the page, in both feeds.
    let names = |json: &str| -> Vec<String> {
        serde_json::from_str::<Value>(json)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, _, sports) = public_get(&app, "/agenda.json?category=sports").await;
    assert_eq!(names(&sports), ["Football final"]);
    let (_, _, hall) = public_get(&app, "/agenda.json?place=Sports%20hall").await;
    assert_eq!(names(&hall), ["Football final"]);
    let football_day = (Utc::now() + Duration::days(4))
        .with_timezone(&chrono_tz::Europe::Brussels)
        .date_naive();
    let (_, _, on_day) = public_get(&app, &format!("/agenda.json?date={football_day}")).await;
    assert!(names(&on_day).contains(&"Football final".to_owned()));
    assert!(!names(&on_day).contains(&"Winter concert; choir, brass".to_owned()));
    let (_, _, today) = public_get(&app, "/agenda.json?day=today").await;
    assert!(names(&today).is_empty(), "{today}");
    let (_, _, ics_sports) = public_get(&app, "/agenda.ics?category=sports").await;
    assert_eq!(ics_sports.matches("BEGIN:VEVENT").count(), 1);
    let (status, _, _) = public_get(&app, "/agenda.json?category=bowling").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = public_get(&app, "/agenda.ics?date=2026-13-40").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The page lists the same events, in the asked language, without a cookie.
    let (status, headers, page) = public_get(&app, "/agenda?lang=en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("set-cookie").is_none());
    assert!(page.contains("Winter concert; choir, brass") && page.contains("Football final"));
    assert!(!page.contains("Quiz night") && !page.contains("Autumn fair"));
    assert!(page.contains(&format!("/agenda/{concert}/thumbnail")));
    let (_, _, filtered) = public_get(&app, "/agenda?category=sports&lang=nl").await;
    assert!(filtered.contains("Football final") && !filtered.contains("Winter concert"));
    assert!(filtered.contains("<html lang=\"nl\""));
    let (status, _, refused) = public_get(&app, "/agenda?date=someday&lang=en").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("Give a date such as 2026-12-20."));
}

/// `20261212T183000Z`.
fn regex_free_utc(value: &str) -> bool {
    value.len() == 16
        && value.ends_with('Z')
        && value.as_bytes()[8] == b'T'
        && value[..8].bytes().all(|b| b.is_ascii_digit())
        && value[9..15].bytes().all(|b| b.is_ascii_digit())
}

#[tokio::test]
async fn an_event_page_counts_the_visits_of_people_and_sets_no_cookie() {
    let app = spawn_app().await;
    let city = city(&app).await;
    let poster = app
        .upload_image(&city.choir, png(900, 1200), "image/png")
        .await;
    let mut body = event_body("Winter concert", 2, &[&city.building]);
    body["poster_media_id"] = poster["id"].clone();
    let concert = approved(&app, &city, &body).await;
    let mut pending = event_body("Quiz night", 3, &[&city.building]);
    pending["poster_media_id"] = poster["id"].clone();
    let pending = app.submit_event(&city.choir, &pending).await;
    let pending = pending["id"].as_str().unwrap().to_owned();

    for _ in 0..3 {
        let (status, headers, page) = public_get(&app, &format!("/agenda/{concert}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get("set-cookie").is_none(), "{headers:?}");
        assert!(page.contains("Winter concert") && page.contains("Choir"));
        assert!(page.contains("\"@type\":\"Event\""));
    }
    let head = app
        .client
        .head(app.url(&format!("/agenda/{concert}")))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    for robot in [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Baiduspider",
        "CCBot crawler",
    ] {
        let response = app
            .client
            .get(app.url(&format!("/agenda/{concert}")))
            .header("user-agent", robot)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    // Events that are not public are not found, and count nothing.
    for missing in [
        pending.clone(),
        Uuid::now_v7().to_string(),
        "not-an-id".into(),
    ] {
        let (status, headers, page) = public_get(&app, &format!("/agenda/{missing}?lang=en")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
        assert!(headers.get("set-cookie").is_none());
        assert!(page.contains("Event not found"), "{page}");
    }
    let pool = database(&app);
    let mut conn = pool.get().unwrap();
    assert_eq!(
        civicast_server::core::agenda::visits(&mut conn, &concert).unwrap(),
        3
    );
    // The delivery report carries them beside the event's airtime.
    let delivery = app
        .expect(
            Method::GET,
            "/api/v1/reports/delivery",
            &city.choir,
            None,
            StatusCode::OK,
        )
        .await;
    let row = delivery["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["event_id"] == concert.as_str())
        .unwrap_or_else(|| panic!("no row of the concert in {delivery}"));
    assert_eq!(row["public_page_visits"], 3);
    assert_eq!(
        civicast_server::core::agenda::visits(&mut conn, &pending).unwrap(),
        0
    );

    // The poster of a public event is public; a pending event's is not.
    let (status, headers, _) = public_get(&app, &format!("/agenda/{concert}/thumbnail")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/")
    );
    let (status, _, _) = public_get(&app, &format!("/agenda/{concert}/poster")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = public_get(&app, &format!("/agenda/{pending}/poster")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // One event as a calendar file.
    let (status, _, ics) = public_get(&app, &format!("/agenda/{concert}/event.ics")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1);
}

/// Pairs a new screen of `kind` in `building`; returns (screen id, device token).
async fn pair(app: &TestApp, building: &str, name: &str, kind: &str) -> (String, String) {
    let ticket: Value = app
        .send(
            Method::POST,
            "/api/v1/pairing",
            None,
            Some(&json!({ "width": 1080, "height": 1920, "player_version": "test" })),
        )
        .await
        .json()
        .await
        .unwrap();
    let screen = app
        .expect(
            Method::POST,
            "/api/v1/pairing/claim",
            &app.admin,
            Some(&json!({ "code": ticket["code"], "building_id": building, "name": name, "kind": kind })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(screen["kind"], kind);
    let state: Value = app
        .send(
            Method::GET,
            &format!("/api/v1/pairing/{}", ticket["secret"].as_str().unwrap()),
            None,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    (
        screen["id"].as_str().unwrap().to_owned(),
        state["token"].as_str().unwrap().to_owned(),
    )
}

/// A session of `length_s` seconds starting at `started` on the player's clock.
fn session(screen: &str, started: chrono::DateTime<Utc>, length_s: i64) -> Value {
    json!({
        "id": Uuid::now_v7(),
        "screen_id": screen,
        "started_at": started.to_rfc3339(),
        "ended_at": (started + Duration::seconds(length_s)).to_rfc3339(),
        "language": "en",
        "pages": ["whats_on", "event", "map"],
        "events_viewed": [],
        "qr_shown": 1,
        "searches": 0,
    })
}

async fn send_sessions(app: &TestApp, token: &str, sessions: &[Value]) -> Value {
    app.expect(
        Method::POST,
        "/api/v1/screen/plays",
        token,
        Some(&json!({ "plays": [], "kiosk_sessions": sessions })),
        StatusCode::OK,
    )
    .await
}

#[tokio::test]
async fn kiosk_sessions_arrive_with_proof_of_play_once_on_the_server_clock() {
    let app = spawn_app().await;
    let building = app.building("Station square").await;
    let (kiosk, kiosk_token) = pair(&app, &building, "Station kiosk", "kiosk").await;
    let (screen, screen_token) = pair(&app, &building, "Hall screen", "information_screen").await;

    // The player's clock is an hour slow: its offset says so.
    let player_start = Utc::now() - Duration::hours(1) - Duration::minutes(10);
    let mut slow = session(&kiosk, player_start, 95);
    slow["clock_offset_ms"] = json!(3_600_000);
    let plain = session(&kiosk, Utc::now() - Duration::minutes(30), 40);
    let batch = [slow.clone(), plain.clone()];
    let receipt = send_sessions(&app, &kiosk_token, &batch).await;
    assert_eq!(receipt["kiosk_sessions_settled"], 2, "{receipt}");
    assert_eq!(receipt["refused_sessions"], json!([]));
    assert_eq!(receipt["accepted"], 0);
    // The answer was lost: the same batch again is settled and stored once.
    let receipt = send_sessions(&app, &kiosk_token, &batch).await;
    assert_eq!(receipt["kiosk_sessions_settled"], 2, "{receipt}");

    let pool = database(&app);
    let stored = || {
        let mut conn = pool.get().unwrap();
        kiosk_sessions::table
            .select((
                kiosk_sessions::id,
                kiosk_sessions::started_at,
                kiosk_sessions::duration_ms,
            ))
            .load::<(String, NaiveDateTime, i64)>(&mut *conn)
            .unwrap()
    };
    let rows = stored();
    assert_eq!(rows.len(), 2);
    let slow_row = rows
        .iter()
        .find(|row| row.0 == slow["id"].as_str().unwrap())
        .unwrap();
    let expected = (player_start + Duration::hours(1)).naive_utc();
    assert!(
        (slow_row.1 - expected).num_milliseconds().abs() <= 1,
        "stored {} for {expected}",
        slow_row.1
    );
    assert_eq!(slow_row.2, 95_000);

    // Each bad session is refused with its reason; the good one beside them is kept.
    let mut backwards = session(&kiosk, Utc::now() - Duration::minutes(5), 30);
    backwards["ended_at"] = json!((Utc::now() - Duration::minutes(10)).to_rfc3339());
    let others = session(&screen, Utc::now() - Duration::minutes(5), 30);
    let stale = session(&kiosk, Utc::now() - Duration::days(40), 30);
    let good = session(&kiosk, Utc::now() - Duration::minutes(3), 30);
    let receipt = send_sessions(&app, &kiosk_token, &[backwards, others, stale, good]).await;
    assert_eq!(receipt["kiosk_sessions_settled"], 1, "{receipt}");
    let refused = receipt["refused_sessions"].as_array().unwrap();
    let reasons: Vec<(u64, &str)> = refused
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(reasons.len(), 3, "{receipt}");
    assert!(reasons[0].0 == 0 && reasons[0].1.contains("before started_at"));
    assert!(reasons[1].0 == 1 && reasons[1].1.contains("not the screen"));
    assert!(reasons[2].0 == 2 && reasons[2].1.contains("too late"));

    // A screen that is no kiosk has no visitor sessions.
    let receipt = send_sessions(
        &app,
        &screen_token,
        &[session(&screen, Utc::now() - Duration::minutes(3), 30)],
    )
    .await;
    assert_eq!(receipt["kiosk_sessions_settled"], 0);
    assert!(
        receipt["refused_sessions"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("not a kiosk"),
        "{receipt}"
    );
    assert_eq!(stored().len(), 3);
}

#[tokio::test]
async fn the_kiosk_report_hides_a_kiosk_and_daypart_of_fewer_than_10_sessions() {
    let app = spawn_app().await;
    let city = city(&app).await;
    let concert = approved(
        &app,
        &city,
        &event_body("Winter concert", 2, &[&city.building]),
    )
    .await;
    let (station, station_token) = pair(&app, &city.building, "Station kiosk", "kiosk").await;
    let (harbour, harbour_token) = pair(&app, &city.building, "Harbour kiosk", "kiosk").await;

    // Yesterday at 09:30 and 14:30 UTC: 10:30 and 15:30 in Brussels (dayparts 09-12, 14-17).
    let yesterday = (Utc::now() - Duration::days(1)).date_naive();
    let at = |hour: u32, n: i64| {
        yesterday.and_hms_opt(hour, 30, 0).unwrap().and_utc() + Duration::seconds(n * 60)
    };
    let sessions = |screen: &str, hour: u32, count: i64| -> Vec<Value> {
        (0..count)
            .map(|n| {
                let mut one = session(screen, at(hour, n), 30 + n * 10);
                one["events_viewed"] = json!([concert]);
                one["language"] = json!(if n % 4 == 0 { "nl" } else { "en" });
                one["searches"] = json!(n % 2);
                one
            })
            .collect()
    };
    let mut station_batch = sessions(&station, 9, 12);
    station_batch.extend(sessions(&station, 14, 3));
    let mut harbour_batch = sessions(&harbour, 9, 10);
    harbour_batch.extend(sessions(&harbour, 14, 4));
    assert_eq!(
        send_sessions(&app, &station_token, &station_batch).await["kiosk_sessions_settled"],
        15
    );
    assert_eq!(
        send_sessions(&app, &harbour_token, &harbour_batch).await["kiosk_sessions_settled"],
        14
    );

    let report = app
        .expect(
            Method::GET,
            "/api/v1/reports/kiosks",
            &city.staff,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(report["total_sessions"], 29.0, "{report}");
    let rows = report["rows"].as_array().unwrap();
    let cell = |kiosk: &str, daypart: &str| -> &Value {
        rows.iter()
            .find(|r| r["kiosk"] == kiosk && r["daypart"] == daypart)
            .unwrap_or_else(|| panic!("no {kiosk} {daypart} in {report}"))
    };
    // By kiosk name, then daypart.
    let order: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["kiosk"].as_str().unwrap(), r["daypart"].as_str().unwrap()))
        .collect();
    assert_eq!(
        order,
        [
            ("Harbour kiosk", "09-12"),
            ("Harbour kiosk", "14-17"),
            ("Station kiosk", "09-12"),
            ("Station kiosk", "14-17")
        ]
    );
    let shown = cell("Station kiosk", "09-12");
    assert_eq!(shown["sessions"], 12.0);
    assert_eq!(shown["building"], "Library");
    // 30, 40 ... 140 s: the median is (80 + 90) / 2.
    assert_eq!(shown["median_duration_s"], 85.0);
    assert_eq!(shown["average_duration_s"], 85.0);
    assert_eq!(shown["pages"]["whats_on"], 12.0);
    assert_eq!(shown["pages"]["event"], 12.0);
    assert_eq!(shown["pages"]["services"], 0.0);
    assert_eq!(shown["qr_shown"], 12.0);
    assert_eq!(shown["searches"], 6.0);
    assert_eq!(shown["languages_pct"]["nl"], 25.0);
    assert_eq!(shown["languages_pct"]["en"], 75.0);
    assert_eq!(shown["top_events"][0]["title"], "Winter concert");
    assert_eq!(shown["top_events"][0]["sessions"], 12);
    assert_eq!(cell("Harbour kiosk", "09-12")["sessions"], 10.0);
    for (kiosk, daypart) in [("Station kiosk", "14-17"), ("Harbour kiosk", "14-17")] {
        let hidden = cell(kiosk, daypart);
        for figure in [
            "sessions",
            "median_duration_s",
            "average_duration_s",
            "qr_shown",
            "searches",
        ] {
            assert_eq!(hidden[figure], "<10", "{figure} of {kiosk} {daypart}");
        }
        assert_eq!(hidden["pages"]["event"], "<10");
        assert_eq!(hidden["top_events"], json!([]));
        assert_eq!(hidden["languages_pct"], json!({}));
    }

    // A period without sessions is empty; associations do not read the kiosks.
    let long_ago = app
        .expect(
            Method::GET,
            "/api/v1/reports/kiosks?from=2026-01-01T00:00:00Z&to=2026-01-31T00:00:00Z",
            &city.staff,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(long_ago["rows"], json!([]));
    app.expect(
        Method::GET,
        "/api/v1/reports/kiosks",
        &city.choir,
        None,
        StatusCode::FORBIDDEN,
    )
    .await;
}
