//! Issue 22's findings on signing in, registering and the portal's forms, each attack played
//! against the real server: a guesser cannot lock the administrator out (#2) nor escape the
//! throttle with a forged X-Forwarded-For; registration tells nothing of which addresses have
//! accounts and is limited per address (#9); every answer says nosniff, a CSRF pair not bound to
//! the session is refused, and cookies are Secure only when a trusted proxy says HTTPS (#10).

use civicast_tests::{TestApp, spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

/// A client that connects from `local` (any 127.x.y.z address is this machine's loopback) and
/// does not follow redirects, so that each answer can be read.
pub(crate) fn client_from(local: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(local.parse::<std::net::IpAddr>().expect("an address"))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

async fn sign_in(
    app: &TestApp,
    client: &reqwest::Client,
    forwarded_for: Option<&str>,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let mut request = client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": email, "password": password }));
    if let Some(forwarded_for) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded_for);
    }
    request.send().await.expect("the server answers")
}

/// The `name=value` of each cookie an answer sets.
fn cookies_of(response: &reqwest::Response) -> Vec<String> {
    set_cookies(response)
        .iter()
        .filter_map(|v| v.split(';').next())
        .map(str::to_owned)
        .collect()
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

/// The value of the first hidden `csrf` input of a page.
fn csrf_field(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    page[start..].split('"').next().expect("a value").to_owned()
}

/// A browser's first visit to a signed-out form: its cookies and the form's CSRF token.
async fn open_form(app: &TestApp, client: &reqwest::Client, path: &str) -> (String, String) {
    let page = client
        .get(app.url(path))
        .header(header::ACCEPT_LANGUAGE, "en")
        .send()
        .await
        .expect("the page");
    let cookies = cookies_of(&page).join("; ");
    let csrf = csrf_field(&page.text().await.expect("a page"));
    (cookies, csrf)
}

#[tokio::test]
async fn a_guesser_elsewhere_cannot_lock_the_administrator_out() {
    // Behind a reverse proxy on 127.0.0.1, which names each client in X-Forwarded-For.
    let app = spawn_app_with(|s| s.trusted_proxies = vec!["127.0.0.1".into()]).await;
    let proxy = client_from("127.0.0.1");
    let guesser = Some("203.0.113.66");
    for n in 0..5 {
        let wrong = sign_in(
            &app,
            &proxy,
            guesser,
            &app.admin_email,
            &format!("guess {n}"),
        )
        .await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    // The guesser is refused from now on, with the time to wait, even with the right password.
    for password in ["guess 5", app.admin_password.as_str()] {
        let refused = sign_in(&app, &proxy, guesser, &app.admin_email, password).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"], "too_many_requests");
        assert_eq!(
            body["message"],
            "too many failed sign-ins; try again in 15 minutes"
        );
    }
    // The administrator, at another address, signs in while the guessing goes on.
    let guessing = async {
        for n in 0..10 {
            let status = sign_in(
                &app,
                &proxy,
                guesser,
                &app.admin_email,
                &format!("more {n}"),
            )
            .await
            .status();
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        }
    };
    let admin = sign_in(
        &app,
        &proxy,
        Some("198.51.100.20"),
        &app.admin_email,
        &app.admin_password,
    );
    let ((), admin) = tokio::join!(guessing, admin);
    assert_eq!(admin.status(), StatusCode::OK, "the administrator gets in");

    // The portal's sign-in form says the same in the visitor's language.
    let (cookies, csrf) = open_form(&app, &proxy, "/login").await;
    let page = proxy
        .post(app.url("/login"))
        .header("x-forwarded-for", "203.0.113.66")
        .header(header::COOKIE, format!("{cookies}; civicast_lang=nl"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", app.admin_email.as_str()),
            ("password", "guess 6"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Te veel mislukte aanmeldpogingen; probeer opnieuw over 15 minuten.")
    );
}

#[tokio::test]
async fn without_a_proxy_each_address_is_counted_on_its_own() {
    let app = spawn_app().await;
    let guesser = client_from("127.0.0.2");
    for n in 0..5 {
        let wrong = sign_in(
            &app,
            &guesser,
            None,
            &app.admin_email,
            &format!("guess {n}"),
        )
        .await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        sign_in(&app, &guesser, None, &app.admin_email, "guess 5")
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let owner = client_from("127.0.0.3");
    let admin = sign_in(&app, &owner, None, &app.admin_email, &app.admin_password).await;
    assert_eq!(admin.status(), StatusCode::OK);
}

/// Five wrong guesses for the admin through `client`, the n-th with the forwarded header
/// `hops(n)`, then a sixth with `hops(99)`: refused.
async fn five_guesses_then_refused(
    app: &TestApp,
    client: &reqwest::Client,
    hops: impl Fn(u32) -> String,
) {
    for n in 0..5 {
        let wrong = sign_in(app, client, Some(&hops(n)), &app.admin_email, "guess").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let refused = sign_in(app, client, Some(&hops(99)), &app.admin_email, "guess").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_forged_forwarded_for_does_not_escape_the_throttle() {
    // No trusted proxy: the header is the client's own words.
    let app = spawn_app().await;
    five_guesses_then_refused(&app, &client_from("127.0.0.4"), |n| format!("192.0.2.{n}")).await;

    // Behind a trusted proxy, only the hop the proxy appended counts, not what the client put
    // in front of it.
    let app = spawn_app_with(|s| s.trusted_proxies = vec!["127.0.0.1".into()]).await;
    five_guesses_then_refused(&app, &client_from("127.0.0.1"), |n| {
        format!("192.0.2.{n}, 203.0.113.9")
    })
    .await;
}

/// Posts the registration form from `client` (a fresh browser each time); returns the answer.
pub(crate) async fn register(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let (cookies, csrf) = open_form(app, client, "/register").await;
    client
        .post(app.url("/register"))
        .header(header::COOKIE, cookies)
        .header(header::ACCEPT_LANGUAGE, "en")
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", name),
            ("contact_name", "Contact"),
            ("contact_email", email),
            ("description", ""),
            ("password", password),
            ("password_again", password),
        ])
        .send()
        .await
        .expect("the server answers")
}

/// Status, where it leads and the page there, for comparing two answers.
pub(crate) async fn answer(
    app: &TestApp,
    client: &reqwest::Client,
    response: reqwest::Response,
) -> Value {
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let cookies = set_cookies(&response).len();
    let page = client
        .get(app.url(&location))
        .header(header::ACCEPT_LANGUAGE, "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The CSRF field differs from browser to browser.
    let page = page.replace(&csrf_field(&page), "");
    json!({ "status": status, "location": location, "cookies": cookies, "page": page })
}

async fn organisation_names(app: &TestApp) -> Vec<String> {
    let list = app
        .expect(
            Method::GET,
            "/api/v1/organisations",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    let items = list.get("items").unwrap_or(&list);
    items
        .as_array()
        .expect("a list")
        .iter()
        .map(|o| o["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn registration_tells_nothing_of_known_addresses_and_is_limited_per_address() {
    let app = spawn_app().await;
    let browser = client_from("127.0.0.5");

    let new = register(
        &app,
        &browser,
        "Choir One",
        "one@example.org",
        "first password 1",
    )
    .await;
    let new = answer(&app, &browser, new).await;
    let taken = register(
        &app,
        &browser,
        "Choir Two",
        &app.admin_email,
        "attacker password",
    )
    .await;
    let taken = answer(&app, &browser, taken).await;
    assert_eq!(new, taken, "the same answer for a new and a known address");
    assert_eq!(new["status"], 303);
    assert_eq!(new["location"], "/login?done=registered");
    assert_eq!(new["cookies"], 0, "nobody is signed in by registering");
    assert!(
        new["page"]
            .as_str()
            .unwrap()
            .contains("your registration was received. Sign in with your e-mail address")
    );

    // Only the new address was stored; the known one keeps its own password.
    let names = organisation_names(&app).await;
    assert!(names.contains(&"Choir One".to_owned()));
    assert!(!names.contains(&"Choir Two".to_owned()), "{names:?}");
    let owner = client_from("127.0.0.6");
    let member = sign_in(&app, &owner, None, "one@example.org", "first password 1").await;
    assert_eq!(member.status(), StatusCode::OK);
    let attacker = sign_in(&app, &owner, None, &app.admin_email, "attacker password").await;
    assert_eq!(attacker.status(), StatusCode::UNAUTHORIZED);
    let admin = sign_in(&app, &owner, None, &app.admin_email, &app.admin_password).await;
    assert_eq!(admin.status(), StatusCode::OK);

    // A form with mistakes still says what is wrong, and does not count towards the limit.
    let mistaken = register(&app, &browser, "", "not-an-address", "short").await;
    assert_eq!(mistaken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mistaken.text().await.unwrap().contains("is required"));

    // Ten registrations an hour from one address; the eleventh is refused with when to return.
    for n in 3..=10 {
        let email = format!("club{n}@example.org");
        let accepted = register(
            &app,
            &browser,
            &format!("Club {n}"),
            &email,
            "a long password",
        )
        .await;
        assert_eq!(accepted.status(), StatusCode::SEE_OTHER, "registration {n}");
    }
    let refused = register(
        &app,
        &browser,
        "Club 11",
        "club11@example.org",
        "a long password",
    )
    .await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("too many registrations from this address; try again in 60 minutes")
    );
    assert!(
        !organisation_names(&app)
            .await
            .contains(&"Club 11".to_owned())
    );
    // Another address may still register.
    let elsewhere = register(
        &app,
        &owner,
        "Club 12",
        "club12@example.org",
        "a long password",
    )
    .await;
    assert_eq!(elsewhere.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn every_answer_says_nosniff() {
    let app = spawn_app().await;
    let answers = [
        app.get("/api/v1/auth/me", &app.admin).await,
        app.send(Method::GET, "/api/v1/auth/me", None, None).await,
        app.send(Method::GET, "/api/v1/no-such-route", None, None)
            .await,
        app.send(Method::GET, "/healthz", None, None).await,
        app.send(Method::GET, "/api/v1/openapi.json", None, None)
            .await,
        app.send(Method::GET, "/login", None, None).await,
    ];
    for response in answers {
        assert_eq!(
            response
                .headers()
                .get(header::X_CONTENT_TYPE_OPTIONS)
                .map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{}",
            response.url()
        );
    }
}

#[tokio::test]
async fn a_csrf_pair_not_bound_to_the_session_is_refused() {
    let app = spawn_app().await;
    let browser = client_from("127.0.0.7");
    let (cookies, csrf) = open_form(&app, &browser, "/login").await;
    let signed_in = browser
        .post(app.url("/login"))
        .header(header::COOKIE, cookies)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", app.admin_email.as_str()),
            ("password", app.admin_password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let session = cookies_of(&signed_in)
        .into_iter()
        .find(|c| c.starts_with("civicast_session="))
        .expect("a session cookie");

    // A sibling subdomain planted a CSRF cookie of its choosing and forges a form with it.
    let planted = "p".repeat(43);
    let forged = browser
        .post(app.url("/logout"))
        .header(
            header::COOKIE,
            format!("{session}; civicast_csrf={planted}"),
        )
        .form(&[("csrf", planted.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let still = browser
        .get(app.url("/"))
        .header(header::COOKIE, &session)
        .send()
        .await
        .unwrap();
    // Still signed in: the dashboard, not a redirect to the sign-in page.
    assert_eq!(still.status(), StatusCode::OK, "the session is still open");

    // The page's own token, bound to the session, works (whatever CSRF cookie is around).
    let page = browser
        .get(app.url("/moderation"))
        .header(
            header::COOKIE,
            format!("{session}; civicast_csrf={planted}"),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_field(&page);
    assert_ne!(token, planted);
    let logout = browser
        .post(app.url("/logout"))
        .header(
            header::COOKIE,
            format!("{session}; civicast_csrf={planted}"),
        )
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    assert_eq!(logout.headers()[header::LOCATION], "/login");
    let gone = browser
        .get(app.url("/"))
        .header(header::COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.headers()[header::LOCATION], "/login");
}

/// Whether the pre-session cookie of the sign-in page is marked Secure.
async fn cookie_is_secure(app: &TestApp, proto: Option<&str>) -> bool {
    let mut request = client_from("127.0.0.1").get(app.url("/login"));
    if let Some(proto) = proto {
        request = request.header("x-forwarded-proto", proto);
    }
    let response = request.send().await.unwrap();
    let cookies = set_cookies(&response);
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("civicast_csrf="))
        .expect("a CSRF cookie");
    csrf.split(';').any(|part| part.trim() == "Secure")
}

#[tokio::test]
async fn cookies_are_secure_only_when_a_trusted_proxy_says_https() {
    let behind_proxy = spawn_app_with(|s| s.trusted_proxies = vec!["127.0.0.0/8".into()]).await;
    assert!(cookie_is_secure(&behind_proxy, Some("https")).await);
    assert!(!cookie_is_secure(&behind_proxy, Some("http")).await);
    assert!(!cookie_is_secure(&behind_proxy, None).await);

    // Anyone else saying https is not believed.
    let direct = spawn_app().await;
    assert!(!cookie_is_secure(&direct, Some("https")).await);
    let elsewhere = spawn_app_with(|s| s.trusted_proxies = vec!["10.0.0.0/8".into()]).await;
    assert!(!cookie_is_secure(&elsewhere, Some("https")).await);
}
