//! Screenshots on request: staff ask, the screen hears of it on its push channel, uploads a
//! JPEG, and staff see it. Only whole JPEGs from the screen itself are kept.

use std::io::Cursor;

use civicast_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::emergency::{next_push, open_stream};

fn jpeg(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image::RgbImage::from_pixel(width, height, image::Rgb(rgb))
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

async fn upload(
    app: &civicast_tests::TestApp,
    token: &str,
    body: Vec<u8>,
    content_type: &str,
) -> reqwest::Response {
    app.client
        .put(app.url("/api/v1/screen/screenshot"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn staff_ask_the_screen_sends_a_whole_jpeg_and_staff_see_it() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let (screen, token) = app.pair_screen(&library, "Entrance", 1920, 1080).await;
    let (_, other_token) = app.pair_screen(&library, "Desk", 1080, 1920).await;
    let path = format!("/api/v1/screens/{screen}/screenshot");

    // Nothing yet.
    let info = app
        .expect(Method::GET, &path, &app.admin, None, StatusCode::OK)
        .await;
    assert!(info["taken_at"].is_null() && info["requested_at"].is_null());
    assert_eq!(
        app.get(&format!("{path}.jpg"), &app.admin).await.status(),
        StatusCode::NOT_FOUND
    );

    // Associations may not ask or look; nor may a screen.
    let (_, member) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    for token in [&member, &token] {
        assert_eq!(
            app.send(Method::POST, &path, Some(token), None)
                .await
                .status(),
            StatusCode::FORBIDDEN,
        );
    }
    assert_eq!(
        app.get(&format!("{path}.jpg"), &member).await.status(),
        StatusCode::FORBIDDEN
    );
    let unknown = "/api/v1/screens/0190f0a0-0000-7000-8000-000000000000/screenshot";
    app.expect(
        Method::POST,
        unknown,
        &app.admin,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;

    // The screen's push channel carries the request, the other screen's does not.
    let mut stream = open_stream(&app, &token).await;
    let mut other = open_stream(&app, &other_token).await;
    let (mut buffer, mut other_buffer) = (String::new(), String::new());
    next_push(&mut stream, &mut buffer, "emergency").await;
    next_push(&mut other, &mut other_buffer, "emergency").await;
    let asked = app
        .expect(Method::POST, &path, &app.admin, None, StatusCode::ACCEPTED)
        .await;
    let pushed = next_push(&mut stream, &mut buffer, "screenshot").await;
    assert_eq!(pushed["requested_at"], asked["requested_at"]);
    // A screen that connects while a request is open hears of it at once.
    let mut late = open_stream(&app, &token).await;
    let mut late_buffer = String::new();
    let heard = next_push(&mut late, &mut late_buffer, "screenshot").await;
    assert_eq!(heard["requested_at"], asked["requested_at"]);

    // Refused, each with its reason; nothing is stored and the request stays open.
    let whole = jpeg(1920, 1080, [0, 120, 0]);
    for (body, content_type, status, says) in [
        (
            tests_png(),
            "image/jpeg",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "JPEG",
        ),
        (
            whole[..whole.len() / 2].to_vec(),
            "image/jpeg",
            StatusCode::UNPROCESSABLE_ENTITY,
            "cut off",
        ),
        (
            b"GIF89a".to_vec(),
            "image/jpeg",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "JPEG",
        ),
        (
            vec![0; 9 * 1024 * 1024],
            "image/jpeg",
            StatusCode::PAYLOAD_TOO_LARGE,
            "larger",
        ),
    ] {
        let response = upload(&app, &token, body, content_type).await;
        assert_eq!(response.status(), status);
        let body: Value = response.json().await.unwrap();
        assert!(body.to_string().contains(says), "{body}");
    }
    let info = app
        .expect(Method::GET, &path, &app.admin, None, StatusCode::OK)
        .await;
    assert!(info["taken_at"].is_null());
    assert_eq!(info["requested_at"], asked["requested_at"]);
    // A user token is not a screen's.
    assert_eq!(
        upload(&app, &app.admin, whole.clone(), "image/jpeg")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // The screen's JPEG is kept, the request answered.
    assert_eq!(
        upload(&app, &token, whole.clone(), "image/jpeg")
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let info = app
        .expect(Method::GET, &path, &app.admin, None, StatusCode::OK)
        .await;
    assert!(info["requested_at"].is_null(), "{info}");
    assert!(info["taken_at"].is_string());
    assert_eq!(
        (info["width"].as_u64(), info["height"].as_u64()),
        (Some(1920), Some(1080))
    );
    let image = app.get(&format!("{path}.jpg"), &app.admin).await;
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(image.headers()["cache-control"], "no-store");
    assert_eq!(image.bytes().await.unwrap().as_ref(), whole.as_slice());

    // A new one replaces it.
    let newer = jpeg(1280, 720, [200, 0, 0]);
    upload(&app, &token, newer.clone(), "image/jpeg").await;
    let image = app.get(&format!("{path}.jpg"), &app.admin).await;
    assert_eq!(image.bytes().await.unwrap().as_ref(), newer.as_slice());
}

fn tests_png() -> Vec<u8> {
    civicast_tests::png(64, 64)
}
