//! E-mail notifications against a real SMTP server (tests/src/smtp_server.py): each message of
//! the event flow arrives once, in the recipient's language, with links to the public URL; the
//! invitation and reset links work once and expire; preferences hold mail back or gather it in a
//! digest; and the outbox survives an SMTP server that is down, refuses (5xx) or defers (4xx), and
//! two instances on PostgreSQL.

use std::collections::{HashMap, HashSet};
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use civicast_server::app::jobs::{Jobs, Task};
use civicast_server::settings::Settings;
use civicast_tests::smtp::{Received, SmtpServer};
use civicast_tests::{TestApp, on_postgres, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::event_body;
use crate::generated::portal_session;

const PUBLIC: &str = "http://civicast.test";
const PASSWORD: &str = "a long enough password";

fn with_smtp(smtp: &SmtpServer) -> impl FnOnce(&mut Settings) + use<> {
    let url = smtp.url();
    move |settings: &mut Settings| {
        settings.smtp_url = Some(url);
        settings.public_url = Some(PUBLIC.into());
        settings.mail_retry_max_seconds = 1;
    }
}

async fn mail_app(smtp: &SmtpServer) -> TestApp {
    spawn_app_with(with_smtp(smtp)).await
}

/// Creates a user with a password; returns (id, token).
async fn user(
    app: &TestApp,
    email: &str,
    role: &str,
    organisation: Option<&str>,
    language: &str,
) -> (String, String) {
    let created = app
        .expect(
            Method::POST,
            "/api/v1/users",
            &app.admin,
            Some(&json!({
                "email": email, "display_name": email, "password": PASSWORD,
                "role": role, "organisation_id": organisation, "language": language
            })),
            StatusCode::CREATED,
        )
        .await;
    let id = created["id"].as_str().expect("an id").to_owned();
    (id, app.login(email, PASSWORD).await)
}

fn to<'a>(messages: &'a [Received], address: &str) -> Vec<&'a Received> {
    messages
        .iter()
        .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
        .collect()
}

/// The one message to `address` whose subject contains `needle`.
fn one<'a>(messages: &'a [Received], address: &str, needle: &str) -> &'a Received {
    let found: Vec<&Received> = to(messages, address)
        .into_iter()
        .filter(|m| m.subject.contains(needle))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{address} got {} messages with {needle:?} in the subject: {:#?}",
        found.len(),
        to(messages, address)
            .iter()
            .map(|m| &m.subject)
            .collect::<Vec<_>>()
    );
    found[0]
}

/// Waits for `count` messages, then a moment longer, and checks that no more came.
async fn exactly(smtp: &SmtpServer, count: usize) -> Vec<Received> {
    smtp.wait_for(count, StdDuration::from_secs(20)).await;
    tokio::time::sleep(StdDuration::from_millis(1500)).await;
    let messages = smtp.messages();
    assert_eq!(
        messages.len(),
        count,
        "more messages than expected: {:#?}",
        messages
            .iter()
            .map(|m| format!("to {:?}: {}", m.to, m.subject))
            .collect::<Vec<_>>()
    );
    messages
}

/// Every link starts with the public URL; the message ends with why it was sent.
fn check_message(message: &Received, dutch: bool, choosable: bool) {
    assert!(
        !message.links.is_empty(),
        "{:?} has no links: {}",
        message.subject,
        message.text
    );
    for link in &message.links {
        assert!(
            link.starts_with(PUBLIC),
            "{:?} links to {link}, not under {PUBLIC}",
            message.subject
        );
    }
    let why = if dutch {
        "U krijgt dit bericht omdat"
    } else {
        "You get this message because"
    };
    assert!(
        message.text.contains(why),
        "{:?} does not say why it was sent: {}",
        message.subject,
        message.text
    );
    if choosable {
        let preferences = format!("{PUBLIC}/account#notifications");
        assert!(
            message.links.contains(&preferences),
            "{:?} has no link to the preferences: {:?}",
            message.subject,
            message.links
        );
    }
    assert!(
        !message.html.is_empty(),
        "{:?} has no HTML part",
        message.subject
    );
    assert!(
        !message.message_id.is_empty(),
        "{:?} has no Message-ID",
        message.subject
    );
}

/// The action link (the first that is not the preferences page).
fn action(message: &Received) -> String {
    message
        .links
        .iter()
        .find(|l| !l.contains("/account#"))
        .unwrap_or_else(|| panic!("{:?} has no action link", message.subject))
        .clone()
}

/// The link's path on the running server.
fn local(app: &TestApp, link: &str) -> String {
    let path = link
        .strip_prefix(PUBLIC)
        .expect("a link under the public URL");
    app.url(path.split('#').next().unwrap_or(path))
}

async fn page_status(app: &TestApp, link: &str, cookies: Option<&str>) -> StatusCode {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.get(local(app, link));
    if let Some(cookies) = cookies {
        request = request.header("cookie", cookies);
    }
    request.send().await.expect("the server answers").status()
}

async fn inbox(app: &TestApp, token: &str) -> Value {
    app.expect(
        Method::GET,
        "/api/v1/notifications",
        token,
        None,
        StatusCode::OK,
    )
    .await
}

async fn outbox(app: &TestApp) -> Value {
    app.expect(
        Method::GET,
        "/api/v1/mail/outbox",
        &app.admin,
        None,
        StatusCode::OK,
    )
    .await
}

async fn test_mail(app: &TestApp, address: &str) {
    app.expect(
        Method::POST,
        "/api/v1/mail/test",
        &app.admin,
        Some(&json!({ "to": address })),
        StatusCode::ACCEPTED,
    )
    .await;
}

fn mails_to<'a>(outbox: &'a Value, address: &str) -> Vec<&'a Value> {
    outbox["mails"]
        .as_array()
        .expect("mails")
        .iter()
        .filter(|m| m["recipient"].as_str() == Some(address))
        .collect()
}

/// Polls the outbox until `check` holds for it; panics with the last outbox after `seconds`.
async fn outbox_until(
    app: &TestApp,
    seconds: u64,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + StdDuration::from_secs(seconds);
    loop {
        let current = outbox(app).await;
        if check(&current) {
            return current;
        }
        assert!(
            Instant::now() < deadline,
            "the outbox did not get to {what} within {seconds} s: {current:#}"
        );
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
}

async fn metric(app: &TestApp, outcome: &str) -> f64 {
    let text = app.metrics().await;
    let prefix = format!("civicast_mails_total{{outcome=\"{outcome}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(prefix.as_str()))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {prefix} in /metrics"))
}

/// Creates an organisation that is not verified yet; returns its id.
async fn unverified_organisation(app: &TestApp, name: &str) -> String {
    let organisation = app
        .expect(
            Method::POST,
            "/api/v1/organisations",
            &app.admin,
            Some(&json!({
                "name": name, "kind": "association", "contact_name": "Contact",
                "contact_email": "contact@example.org", "description": ""
            })),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(organisation["verified"], false, "{organisation}");
    organisation["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn each_message_of_the_event_flow_arrives_once_in_the_recipients_language() {
    let smtp = SmtpServer::start();
    let app = mail_app(&smtp).await;
    let library = app.building("Library").await;
    let (_, staff) = app
        .organisation_with_member("Communications", "city_department", "staff")
        .await;
    let staff_email = "communications@example.org";
    let organisation = unverified_organisation(&app, "Choir").await;
    let (nl, nl_token) = (
        "an@example.org",
        user(
            &app,
            "an@example.org",
            "association",
            Some(&organisation),
            "nl",
        )
        .await
        .1,
    );
    let (en, en_token) = (
        "ben@example.org",
        user(
            &app,
            "ben@example.org",
            "association",
            Some(&organisation),
            "en",
        )
        .await
        .1,
    );
    let before = smtp.count();

    app.expect(
        Method::POST,
        &format!("/api/v1/organisations/{organisation}/verify"),
        &app.admin,
        None,
        StatusCode::OK,
    )
    .await;
    let approve_me = app
        .submit_event(&nl_token, &event_body("Spring concert", 10, &[&library]))
        .await;
    let change_me = app
        .submit_event(&en_token, &event_body("Summer fair", 20, &[&library]))
        .await;
    let reject_me = app
        .submit_event(&nl_token, &event_body("Autumn quiz", 30, &[&library]))
        .await;
    let id = |event: &Value| event["id"].as_str().unwrap().to_owned();
    app.expect(
        Method::POST,
        &format!("/api/v1/events/{}/approve", id(&approve_me)),
        &staff,
        Some(&json!({ "building_ids": [library] })),
        StatusCode::OK,
    )
    .await;
    app.expect(
        Method::POST,
        &format!("/api/v1/events/{}/request-changes", id(&change_me)),
        &staff,
        Some(&json!({ "reason": "Please add the start time" })),
        StatusCode::OK,
    )
    .await;
    app.expect(
        Method::POST,
        &format!("/api/v1/events/{}/reject", id(&reject_me)),
        &staff,
        Some(&json!({ "reason": "Not a public event" })),
        StatusCode::OK,
    )
    .await;

    // Each member: verified, approved, changes requested, rejected. Staff and the admin: three
    // submissions each.
    let all = exactly(&smtp, before + 4 + 4 + 3 + 3).await;
    let all = &all[before..];
    for (address, dutch) in [(nl, true), (en, false)] {
        assert_eq!(to(all, address).len(), 4, "{address}");
        let tr = |english: &str, dutch_text: &str| {
            if dutch {
                dutch_text.to_owned()
            } else {
                english.to_owned()
            }
        };
        let verified = one(
            all,
            address,
            &tr("Choir is verified", "Choir is geverifieerd"),
        );
        check_message(verified, dutch, true);
        let approved = one(
            all,
            address,
            &tr("Approved: Spring concert", "Goedgekeurd: Spring concert"),
        );
        check_message(approved, dutch, true);
        assert!(approved.text.contains("Library"), "{}", approved.text);
        let changes = one(all, address, "Summer fair");
        check_message(changes, dutch, true);
        if !dutch {
            assert_eq!(changes.subject, "Changes requested: Summer fair");
        } else {
            assert!(
                !changes.subject.starts_with("Changes requested"),
                "{}",
                changes.subject
            );
        }
        assert!(
            changes.text.contains("Please add the start time"),
            "{}",
            changes.text
        );
        assert!(
            changes
                .links
                .contains(&format!("{PUBLIC}/events/{}/edit", id(&change_me))),
            "{:?}",
            changes.links
        );
        let rejected = one(
            all,
            address,
            &tr("Not approved: Autumn quiz", "Niet goedgekeurd: Autumn quiz"),
        );
        check_message(rejected, dutch, true);
        assert!(
            rejected.text.contains("Not a public event"),
            "{}",
            rejected.text
        );
    }
    // Staff and the admin were made without a language: Dutch, the city's.
    for address in [staff_email, app.admin_email.as_str()] {
        assert_eq!(to(all, address).len(), 3, "{address}");
        for title in ["Spring concert", "Summer fair", "Autumn quiz"] {
            let submitted = one(
                all,
                address,
                &format!("Nieuwe activiteit na te kijken: {title}"),
            );
            check_message(submitted, true, true);
        }
    }
    // Every message carries its own Message-ID.
    let ids: HashSet<&str> = all.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), all.len());

    // The member edits the event sent back for changes: staff hear it is back, once; a second
    // edit while it waits tells nobody again.
    let count = before + 4 + 4 + 3 + 3;
    for time in ["19:00", "19:30"] {
        let mut body = event_body("Summer fair", 20, &[&library]);
        body["description"] = json!(format!("Starts at {time}"));
        app.expect(
            Method::PUT,
            &format!("/api/v1/events/{}", id(&change_me)),
            &en_token,
            Some(&body),
            StatusCode::OK,
        )
        .await;
    }
    let resubmitted = exactly(&smtp, count + 2).await;
    let resubmitted = &resubmitted[count..];
    for address in [staff_email, app.admin_email.as_str()] {
        let again = one(resubmitted, address, "Opnieuw ingediend: Summer fair");
        check_message(again, true, true);
    }

    // The inbox holds the same, in the user's language; mark read works, for one's own only.
    let dutch_inbox = inbox(&app, &nl_token).await;
    assert_eq!(dutch_inbox["unread"], 4, "{dutch_inbox:#}");
    let items = dutch_inbox["notifications"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert!(
        items
            .iter()
            .any(|n| n["subject"] == "Goedgekeurd: Spring concert"),
        "{dutch_inbox:#}"
    );
    assert!(
        items
            .iter()
            .any(|n| n["subject"] == "Choir is geverifieerd"),
        "{dutch_inbox:#}"
    );
    let english_inbox = inbox(&app, &en_token).await;
    assert!(
        english_inbox["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["subject"] == "Approved: Spring concert"),
        "{english_inbox:#}"
    );
    let first = items[0]["id"].as_str().unwrap();
    let read = app
        .expect(
            Method::POST,
            &format!("/api/v1/notifications/{first}/read"),
            &nl_token,
            None,
            StatusCode::OK,
        )
        .await;
    assert!(read["read_at"].is_string(), "{read}");
    assert_eq!(inbox(&app, &nl_token).await["unread"], 3);
    app.expect(
        Method::POST,
        &format!("/api/v1/notifications/{first}/read"),
        &en_token,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(inbox(&app, &en_token).await["unread"], 4);
    app.expect(
        Method::POST,
        "/api/v1/notifications/read",
        &nl_token,
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    assert_eq!(inbox(&app, &nl_token).await["unread"], 0);

    // The links open the portal's pages for the member signed in there.
    let portal = portal_session(&app, en, PASSWORD).await;
    for subject in ["Approved: Spring concert", "Changes requested: Summer fair"] {
        let link = action(one(all, en, subject));
        let status = page_status(&app, &link, Some(&portal.cookies)).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{link} (from {subject:?}) answered {status}"
        );
    }
    let preferences = format!("{PUBLIC}/account#notifications");
    let status = page_status(&app, &preferences, Some(&portal.cookies)).await;
    assert_eq!(status, StatusCode::OK, "{preferences} answered {status}");
}

#[tokio::test]
async fn an_invitation_link_sets_the_password_once_and_the_user_signs_in() {
    let smtp = SmtpServer::start();
    let app = mail_app(&smtp).await;
    let (organisation, _) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let before = smtp.count();
    let invited = app
        .expect(
            Method::POST,
            "/api/v1/users",
            &app.admin,
            Some(&json!({
                "email": "new@example.org", "display_name": "New member",
                "role": "association", "organisation_id": organisation, "language": "en"
            })),
            StatusCode::CREATED,
        )
        .await;
    assert!(invited["id"].is_string(), "{invited}");
    let all = exactly(&smtp, before + 1).await;
    let invitation = one(
        &all[before..],
        "new@example.org",
        "You are invited to Civicast",
    );
    check_message(invitation, false, false);
    let link = invitation
        .links
        .iter()
        .find(|l| l.starts_with(&format!("{PUBLIC}/password/")))
        .unwrap_or_else(|| panic!("no /password/ link: {:?}", invitation.links))
        .clone();
    let token = link.rsplit('/').next().unwrap().to_owned();
    // The page the link opens (before it is used).
    let page = page_status(&app, &link, None).await;

    // No password yet: signing in fails.
    let refused = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(&json!({ "email": "new@example.org", "password": "my own chosen password" })),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let set = |password: &str| json!({ "token": token, "password": password });
    let first = app
        .send(
            Method::POST,
            "/api/v1/auth/password",
            None,
            Some(&set("my own chosen password")),
        )
        .await;
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    let again = app
        .send(
            Method::POST,
            "/api/v1/auth/password",
            None,
            Some(&set("another chosen password")),
        )
        .await;
    assert_eq!(
        again.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the link works once"
    );
    let token = app.login("new@example.org", "my own chosen password").await;
    // Account mails are not in the inbox.
    let own = inbox(&app, &token).await;
    assert_eq!(own["notifications"], json!([]), "{own:#}");

    assert_eq!(
        page,
        StatusCode::OK,
        "the invitation link {link} answered {page}"
    );
}

#[tokio::test]
async fn a_reset_link_works_once_expires_and_does_not_tell_which_addresses_have_accounts() {
    use civicast_server::db::schema::password_links;
    use diesel::prelude::*;

    let smtp = SmtpServer::start();
    let app = mail_app(&smtp).await;
    let (ann_id, _) = user(&app, "ann@example.org", "staff", None, "en").await;
    let (_, _) = user(&app, "bert@example.org", "staff", None, "nl").await;
    let before = smtp.count();

    let ask = |email: &str| json!({ "email": email });
    let unknown = app
        .send(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(&ask("nobody@example.org")),
        )
        .await;
    let unknown = (unknown.status(), unknown.text().await.unwrap());
    let known = app
        .send(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(&ask("ann@example.org")),
        )
        .await;
    let known = (known.status(), known.text().await.unwrap());
    assert_eq!(unknown.0, StatusCode::ACCEPTED);
    assert_eq!(unknown, known, "the answers tell known addresses apart");
    // Again within two minutes: the same answer, no second mail.
    let again = app
        .send(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(&ask("ann@example.org")),
        )
        .await;
    assert_eq!((again.status(), again.text().await.unwrap()), known);
    let all = exactly(&smtp, before + 1).await;
    assert!(to(&all, "nobody@example.org").is_empty());
    let reset = one(
        &all[before..],
        "ann@example.org",
        "Choose a new Civicast password",
    );
    check_message(reset, false, false);
    let link = reset
        .links
        .iter()
        .find(|l| l.starts_with(&format!("{PUBLIC}/password/")))
        .unwrap_or_else(|| panic!("no /password/ link: {:?}", reset.links))
        .clone();
    let page = page_status(&app, &link, None).await;
    let token = link.rsplit('/').next().unwrap().to_owned();
    let set = |password: &str| json!({ "token": token, "password": password });
    let used = app
        .send(
            Method::POST,
            "/api/v1/auth/password",
            None,
            Some(&set("a brand new password")),
        )
        .await;
    assert_eq!(used.status(), StatusCode::NO_CONTENT);
    let twice = app
        .send(
            Method::POST,
            "/api/v1/auth/password",
            None,
            Some(&set("yet another password")),
        )
        .await;
    assert_eq!(
        twice.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the link works once"
    );
    let old = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(&json!({ "email": "ann@example.org", "password": PASSWORD })),
        )
        .await;
    assert_eq!(
        old.status(),
        StatusCode::UNAUTHORIZED,
        "the old password still works"
    );
    let ann = app.login("ann@example.org", "a brand new password").await;
    let all = exactly(&smtp, before + 2).await;
    let changed = one(
        &all[before..],
        "ann@example.org",
        "Your Civicast password was changed",
    );
    check_message(changed, false, false);

    // Changing it while signed in: another notice.
    app.expect(
        Method::PUT,
        "/api/v1/auth/password",
        &ann,
        Some(&json!({ "current_password": "a brand new password", "new_password": "the third password" })),
        StatusCode::NO_CONTENT,
    )
    .await;
    let all = exactly(&smtp, before + 3).await;
    assert_eq!(
        to(&all[before..], "ann@example.org")
            .iter()
            .filter(|m| m.subject == "Your Civicast password was changed")
            .count(),
        2
    );

    // A new address: the old one is told.
    app.expect(
        Method::PUT,
        &format!("/api/v1/users/{ann_id}"),
        &app.admin,
        Some(&json!({ "display_name": "Ann", "role": "staff", "email": "ann@new.example.org" })),
        StatusCode::OK,
    )
    .await;
    let all = exactly(&smtp, before + 4).await;
    let moved = one(
        &all[before..],
        "ann@example.org",
        "The e-mail address of your Civicast account changed",
    );
    assert!(moved.text.contains("ann@new.example.org"), "{}", moved.text);
    assert!(to(&all, "ann@new.example.org").is_empty());

    // Expired: Bert's link, made to have expired an hour ago.
    app.send(
        Method::POST,
        "/api/v1/auth/password-reset",
        None,
        Some(&ask("bert@example.org")),
    )
    .await;
    let all = exactly(&smtp, before + 5).await;
    let bert = one(
        &all[before..],
        "bert@example.org",
        "Kies een nieuw Civicast-wachtwoord",
    );
    check_message(bert, true, false);
    let bert_link = bert
        .links
        .iter()
        .find(|l| l.starts_with(&format!("{PUBLIC}/password/")))
        .unwrap()
        .clone();
    let pool = civicast_server::db::open(&app.settings.database().unwrap()).unwrap();
    let moved = diesel::update(password_links::table.filter(password_links::used_at.is_null()))
        .set(password_links::expires_at.eq((Utc::now() - Duration::hours(1)).naive_utc()))
        .execute(&mut *pool.get().unwrap())
        .unwrap();
    assert_eq!(moved, 1, "Bert's link is the one unused");
    let expired = app
        .send(
            Method::POST,
            "/api/v1/auth/password",
            None,
            Some(&json!({ "token": bert_link.rsplit('/').next().unwrap(), "password": "too late a password" })),
        )
        .await;
    assert_eq!(
        expired.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an expired link still works"
    );
    app.login("bert@example.org", PASSWORD).await;

    assert_eq!(
        page,
        StatusCode::OK,
        "the reset link {link} answered {page}"
    );
}

#[tokio::test]
async fn in_app_keeps_mail_back_and_a_digest_gathers_it_when_its_job_runs() {
    let smtp = SmtpServer::start();
    let app = mail_app(&smtp).await;
    let library = app.building("Library").await;
    let organisation = unverified_organisation(&app, "Choir").await;
    app.expect(
        Method::POST,
        &format!("/api/v1/organisations/{organisation}/verify"),
        &app.admin,
        None,
        StatusCode::OK,
    )
    .await;
    let member_email = "member@example.org";
    let (_, member) = user(&app, member_email, "association", Some(&organisation), "en").await;
    let choose = |delivery: &str| json!({ "preferences": [{ "kind": "event_decision", "delivery": delivery }] });
    let chosen = app
        .expect(
            Method::PUT,
            "/api/v1/notifications/preferences",
            &member,
            Some(&choose("in_app")),
            StatusCode::OK,
        )
        .await;
    assert!(
        chosen["preferences"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kind"] == "event_decision" && p["delivery"] == "in_app"),
        "{chosen:#}"
    );
    let kept = app
        .expect(
            Method::GET,
            "/api/v1/notifications/preferences",
            &member,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(kept, chosen);
    // A staff kind is not the member's to choose.
    app.expect(
        Method::PUT,
        "/api/v1/notifications/preferences",
        &member,
        Some(&json!({ "preferences": [{ "kind": "submission", "delivery": "digest" }] })),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    let decide = |title: &'static str, verb: &'static str| {
        let app = &app;
        let member = &member;
        let library = library.clone();
        async move {
            let event = app
                .submit_event(member, &event_body(title, 10, &[&library]))
                .await;
            let body = if verb == "approve" {
                json!({ "building_ids": [library] })
            } else {
                json!({ "reason": "Not a public event" })
            };
            app.expect(
                Method::POST,
                &format!("/api/v1/events/{}/{verb}", event["id"].as_str().unwrap()),
                &app.admin,
                Some(&body),
                StatusCode::OK,
            )
            .await;
        }
    };
    decide("Spring concert", "approve").await;
    // The admin's submission mail arrives; nothing for the member.
    let all = exactly(&smtp, 1).await;
    assert!(to(&all, member_email).is_empty());
    let own = inbox(&app, &member).await;
    assert_eq!(own["unread"], 1, "{own:#}");
    assert_eq!(
        own["notifications"][0]["subject"],
        "Approved: Spring concert"
    );

    app.expect(
        Method::PUT,
        "/api/v1/notifications/preferences",
        &member,
        Some(&choose("digest")),
        StatusCode::OK,
    )
    .await;
    decide("Summer fair", "approve").await;
    decide("Autumn quiz", "reject").await;
    let all = exactly(&smtp, 3).await;
    assert!(
        to(&all, member_email).is_empty(),
        "mailed before the digest"
    );
    assert_eq!(inbox(&app, &member).await["unread"], 3);

    // The digest job's time comes: one mail with the two held back (not the in-app one).
    let pool = civicast_server::db::open(&app.settings.database().unwrap()).unwrap();
    let mut conn = pool.get().unwrap();
    let jobs = Jobs::from_settings(&app.settings).unwrap();
    let start = Utc::now();
    let runs = jobs
        .run_due(&mut conn, start, start + Duration::days(1))
        .unwrap();
    assert!(runs.iter().any(|r| r.task == Task::SendDigests), "{runs:?}");
    let all = exactly(&smtp, 4).await;
    let digests = to(&all, member_email);
    assert_eq!(digests.len(), 1);
    let digest = digests[0];
    assert!(
        digest.subject.contains("digest") && digest.subject.contains('2'),
        "{}",
        digest.subject
    );
    assert!(
        digest.text.contains("Approved: Summer fair"),
        "{}",
        digest.text
    );
    assert!(
        digest.text.contains("Not approved: Autumn quiz"),
        "{}",
        digest.text
    );
    assert!(!digest.text.contains("Spring concert"), "{}", digest.text);
    check_message(digest, false, true);
    // The next day's digest has nothing new: no mail.
    let later = start + Duration::days(1);
    jobs.run_due(&mut conn, later, later + Duration::days(1))
        .unwrap();
    exactly(&smtp, 4).await;
}

#[tokio::test]
async fn queued_mail_waits_for_a_stopped_smtp_server_and_arrives_once() {
    let mut smtp = SmtpServer::start();
    let app = mail_app(&smtp).await;
    smtp.stop();
    let addresses: Vec<String> = (1..=5).map(|n| format!("reader{n}@example.org")).collect();
    for address in &addresses {
        test_mail(&app, address).await;
    }
    let waiting = outbox_until(&app, 20, "five mails tried with an error", |o| {
        addresses.iter().all(|a| {
            let mails = mails_to(o, a);
            mails.len() == 1
                && mails[0]["status"] != "sent"
                && mails[0]["attempts"].as_i64().unwrap_or(0) >= 1
                && mails[0]["last_error"].is_string()
        })
    })
    .await;
    assert_eq!(waiting["smtp_configured"], true);
    let attempts = |o: &Value| -> i64 {
        addresses
            .iter()
            .map(|a| mails_to(o, a)[0]["attempts"].as_i64().unwrap())
            .sum()
    };
    let first_attempts = attempts(&waiting);
    let retried = outbox_until(&app, 20, "more attempts", |o| attempts(o) > first_attempts).await;
    assert!(
        retried["queued"].as_i64().unwrap() + retried["sending"].as_i64().unwrap() >= 5,
        "{retried:#}"
    );
    assert_eq!(smtp.count(), 0);

    smtp.start_again();
    let all = exactly(&smtp, 5).await;
    let ids: HashSet<&str> = all.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), 5, "a message arrived twice");
    for address in &addresses {
        one(&all, address, "test");
    }
    let done = outbox_until(&app, 10, "five sent", |o| {
        addresses
            .iter()
            .all(|a| mails_to(o, a)[0]["status"] == "sent")
    })
    .await;
    assert_eq!(done["sent"], 5, "{done:#}");
}

#[tokio::test]
async fn a_5xx_answer_fails_the_mail_for_admins_to_see_and_a_4xx_one_is_retried() {
    let smtp = SmtpServer::start();
    let app = mail_app(&smtp).await;
    let failed_before = metric(&app, "failed").await;
    smtp.set_mode("reject");
    test_mail(&app, "refused@example.org").await;
    let failed = outbox_until(&app, 20, "a failed mail", |o| {
        mails_to(o, "refused@example.org")
            .first()
            .is_some_and(|m| m["status"] == "failed")
    })
    .await;
    let mail = mails_to(&failed, "refused@example.org")[0];
    assert!(
        mail["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("550"),
        "the 550 answer is not kept: {mail:#}"
    );
    assert_eq!(mail["attempts"], 1, "a 5xx answer is not retried: {mail:#}");
    assert!(failed["failed"].as_i64().unwrap() >= 1);
    assert!(metric(&app, "failed").await >= failed_before + 1.0);

    let retried_before = metric(&app, "retried").await;
    smtp.set_mode("tempfail");
    test_mail(&app, "deferred@example.org").await;
    let deferred = outbox_until(&app, 20, "a mail tried twice", |o| {
        mails_to(o, "deferred@example.org")
            .first()
            .is_some_and(|m| m["attempts"].as_i64().unwrap_or(0) >= 2)
    })
    .await;
    let mail = mails_to(&deferred, "deferred@example.org")[0];
    assert_ne!(
        mail["status"], "failed",
        "a 4xx answer failed the mail: {mail:#}"
    );
    assert!(
        mail["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("451"),
        "the 451 answer is not kept: {mail:#}"
    );
    assert!(metric(&app, "retried").await >= retried_before + 1.0);
    smtp.set_mode("accept");
    let all = exactly(&smtp, 1).await;
    one(&all, "deferred@example.org", "test");
    assert!(to(&all, "refused@example.org").is_empty());
    outbox_until(&app, 10, "the deferred mail sent", |o| {
        mails_to(o, "deferred@example.org")[0]["status"] == "sent"
    })
    .await;
    assert!(metric(&app, "sent").await >= 1.0);
}

#[tokio::test]
async fn two_instances_on_postgresql_send_each_message_once() {
    if !on_postgres() {
        return;
    }
    let smtp = SmtpServer::start();
    let first = mail_app(&smtp).await;
    let data_dir = first.settings.data_dir.clone();
    let database_url = first.settings.database_url.clone();
    let adjust = with_smtp(&smtp);
    let second = spawn_app_with(move |settings| {
        adjust(settings);
        settings.data_dir = data_dir;
        settings.database_url = database_url;
    })
    .await;
    let started = Instant::now();
    for n in 0..200 {
        let app = if n % 2 == 0 { &first } else { &second };
        test_mail(app, &format!("reader{n}@example.org")).await;
    }
    let all = smtp.wait_for(200, StdDuration::from_secs(60)).await;
    tokio::time::sleep(StdDuration::from_secs(3)).await;
    let all = if smtp.count() > all.len() {
        smtp.messages()
    } else {
        all
    };
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for message in &all {
        *by_id.entry(message.message_id.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = by_id.iter().filter(|(_, n)| **n > 1).collect();
    println!(
        "two instances: {} messages, {} distinct, in {:?}",
        all.len(),
        by_id.len(),
        started.elapsed()
    );
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    assert_eq!(all.len(), 200);
    let recipients: HashSet<&String> = all.iter().flat_map(|m| m.to.iter()).collect();
    assert_eq!(recipients.len(), 200);
    second.stop().await;
}

/// Registration: the new contact is told their registration arrived; the owner of an address
/// that already has an account is told someone used it; the one who registered sees the same
/// answer either way.
#[tokio::test]
async fn registration_mails_the_new_contact_and_warns_the_owner_of_a_known_address() {
    use crate::hardening_auth::{answer, client_from, register};
    let smtp = SmtpServer::start();
    let app = mail_app(&smtp).await;
    let browser = client_from("127.0.0.7");
    let new = register(&app, &browser, "Chess Club", "chess@example.org", PASSWORD).await;
    let new = answer(&app, &browser, new).await;
    let known = register(&app, &browser, "Fake Club", &app.admin_email, PASSWORD).await;
    let known = answer(&app, &browser, known).await;
    assert_eq!(new, known, "the same answer for a new and a known address");

    let messages = exactly(&smtp, 2).await;
    // The form was posted in English (Accept-Language: en): the contact reads English.
    let received = one(
        &messages,
        "chess@example.org",
        "We received the registration of Chess Club",
    );
    check_message(received, false, false);
    // The administrator's account is Dutch.
    let warned = one(
        &messages,
        &app.admin_email,
        "Iemand probeerde zich te registreren",
    );
    assert!(warned.text.contains("/password/forgot"), "{}", warned.text);
    assert!(
        !warned.text.contains("Fake Club"),
        "the owner is not told what was typed"
    );
}

/// Refusing a registration tells its members why, by e-mail, and removes it.
#[tokio::test]
async fn a_refused_association_is_told_why_and_removed() {
    let smtp = SmtpServer::start();
    let app = mail_app(&smtp).await;
    let organisation = unverified_organisation(&app, "Totally Real Club").await;
    user(
        &app,
        "fake@example.org",
        "association",
        Some(&organisation),
        "en",
    )
    .await;
    let empty = app
        .expect(
            Method::POST,
            &format!("/api/v1/organisations/{organisation}/refuse"),
            &app.admin,
            Some(&json!({ "reason": "   " })),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(empty.to_string().contains("reason"), "{empty}");
    app.expect(
        Method::POST,
        &format!("/api/v1/organisations/{organisation}/refuse"),
        &app.admin,
        Some(&json!({ "reason": "This is not an association of our city." })),
        StatusCode::NO_CONTENT,
    )
    .await;
    let messages = exactly(&smtp, 1).await;
    let refused = one(&messages, "fake@example.org", "was refused");
    assert!(
        refused
            .text
            .contains("Reason: This is not an association of our city."),
        "{}",
        refused.text
    );
    assert_eq!(
        app.get(&format!("/api/v1/organisations/{organisation}"), &app.admin)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let (status, _) = (
        app.client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({ "email": "fake@example.org", "password": PASSWORD }))
            .send()
            .await
            .unwrap()
            .status(),
        (),
    );
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the member's account is gone"
    );
}

/// Time-driven notices: the daily reminder of events starting soon that still wait, a screen
/// silent in opening hours and back again (to staff who asked for e-mail), and an event's first
/// play and, once it is over, its reach.
#[tokio::test]
async fn staff_and_associations_hear_what_time_brings() {
    let smtp = SmtpServer::start();
    let app = spawn_app_with(|settings| {
        with_smtp(&smtp)(settings);
        // One run of each job a day at noon UTC, so that a window of a day holds one.
        settings.city_time_zone = chrono_tz::UTC;
        settings.remind_pending_cron = "0 0 12 * * *".into();
        settings.notice_events_cron = "0 0 12 * * *".into();
        // The screen watch is driven below, not by these windows of days.
        settings.watch_screens_cron = "0 0 0 1 1 * 2100".into();
    })
    .await;
    let (_, staff) = app
        .organisation_with_member("Communications", "city_department", "staff")
        .await;
    app.expect(
        Method::PUT,
        "/api/v1/notifications/preferences",
        &staff,
        Some(&json!({ "preferences": [
            { "kind": "screen_offline", "delivery": "immediately" },
            { "kind": "submission", "delivery": "in_app" },
        ] })),
        StatusCode::OK,
    )
    .await;
    app.expect(
        Method::PUT,
        "/api/v1/notifications/preferences",
        &app.admin,
        Some(&json!({ "preferences": [{ "kind": "submission", "delivery": "in_app" }] })),
        StatusCode::OK,
    )
    .await;
    let (_, member) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let library = app.building("Library").await;
    let (screen, screen_token) = app.pair_screen(&library, "Entrance", 1920, 1080).await;
    let pending = app
        .submit_event(&member, &event_body("Pending soon", 3, &[&library]))
        .await;
    let shown = app
        .submit_event(&member, &event_body("Shown concert", 1, &[&library]))
        .await;
    let shown_id = shown["id"].as_str().unwrap().to_owned();
    app.expect(
        Method::POST,
        &format!("/api/v1/events/{shown_id}/approve"),
        &staff,
        Some(&json!({ "building_ids": [library] })),
        StatusCode::OK,
    )
    .await;
    let before = exactly(&smtp, 1).await;
    one(&before, "choir@example.org", "Goedgekeurd: Shown concert");

    // The event's item on the library's playlist, played 12 times on the screen.
    let manifest = app
        .expect(
            Method::GET,
            "/api/v1/screen/manifest",
            &screen_token,
            None,
            StatusCode::OK,
        )
        .await;
    let item = manifest["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["kind"] == "event" && item["event"]["title"] == "Shown concert")
        .unwrap_or_else(|| panic!("the event is in the manifest: {manifest}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let plays: Vec<Value> = (0..12)
        .map(|n| {
            let ended = Utc::now() - Duration::seconds(600 - n * 20);
            json!({
                "id": uuid::Uuid::now_v7(), "schema_version": 1, "seq": n + 1,
                "screen_id": screen, "item_id": item, "kind": "event",
                "content_hash": "ab".repeat(32),
                "started_at": (ended - Duration::seconds(10)).to_rfc3339(),
                "ended_at": ended.to_rfc3339(),
                "planned_ms": 10_000, "played_ms": 10_000, "clock_offset_ms": 0,
                "outcome": "complete", "display_on": true, "player_version": "test",
            })
        })
        .collect();
    app.expect(
        Method::POST,
        "/api/v1/screen/plays",
        &screen_token,
        Some(&json!({ "plays": plays })),
        StatusCode::OK,
    )
    .await;

    let pool = civicast_server::db::open(&app.settings.database().unwrap()).unwrap();
    let mut conn = pool.get().unwrap();
    let jobs = Jobs::from_settings(&app.settings).unwrap();
    // The next noon: the pending event starts within 7 days; the shown one was played.
    let now = Utc::now();
    let runs = jobs
        .run_due(&mut conn, now, now + Duration::days(1))
        .unwrap();
    assert!(
        runs.iter().any(|r| r.task == Task::RemindPending),
        "{runs:?}"
    );
    let after_a_day = exactly(&smtp, 4).await;
    for address in ["communications@example.org", &app.admin_email] {
        let reminder = one(&after_a_day, address, "1 activiteit die binnenkort begint");
        assert!(reminder.text.contains("Pending soon"), "{}", reminder.text);
        check_message(reminder, true, true);
    }
    let first_play = one(
        &after_a_day,
        "choir@example.org",
        "Nu op het scherm: Shown concert",
    );
    assert!(first_play.text.contains("Library"), "{}", first_play.text);
    let _ = pending;

    // Days later the event is over: its reach, once.
    let later = now + Duration::days(5);
    jobs.run_due(&mut conn, later, later + Duration::days(1))
        .unwrap();
    let reach_mails = exactly(&smtp, 5).await;
    let reach = one(
        &reach_mails,
        "choir@example.org",
        "Het bereik van Shown concert",
    );
    assert!(
        reach.text.contains("12 keer getoond op 1 scherm"),
        "{}",
        reach.text
    );
    // The screen's alert: raised in opening hours (always open without hours) after silence,
    // told to the staff member who asked for e-mail; resolved when it calls again.
    use civicast_server::core::alerts::watch_screens;
    let quiet = watch_screens(
        &mut conn,
        Utc::now() + Duration::minutes(10),
        Duration::minutes(5),
    )
    .unwrap();
    if quiet.raised == 1 {
        let offline = exactly(&smtp, 6).await;
        one(
            &offline,
            "communications@example.org",
            "Scherm offline: Entrance in Library",
        );
        app.expect(
            Method::GET,
            "/api/v1/screen/emergency",
            &screen_token,
            None,
            StatusCode::OK,
        )
        .await;
        watch_screens(
            &mut conn,
            Utc::now() + Duration::minutes(1),
            Duration::minutes(5),
        )
        .unwrap();
        let back = exactly(&smtp, 7).await;
        one(
            &back,
            "communications@example.org",
            "Scherm terug online: Entrance in Library",
        );
        // The admin kept the default (in the portal only): no mail, but the inbox has it.
        let inbox = inbox(&app, &app.admin).await;
        assert!(
            inbox
                .to_string()
                .contains("Scherm offline: Entrance in Library"),
            "{inbox}"
        );
    } else {
        panic!("a building without opening hours counts as open: {quiet:?}");
    }
}
