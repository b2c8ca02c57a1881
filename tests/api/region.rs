//! A region: two instances with their own data directories on one database and one object store
//! (s3s-fs on 127.0.0.1). What one instance receives, the other serves: posters, renditions, the
//! portal's preview, emergency images; a shared hot folder imports each file once; and
//! `media migrate` moves a data directory's media into the object store, checking every hash.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use civicast_server::Settings;
use civicast_server::core::media::MediaStore;
use civicast_server::core::media::inbox::{self, Imported};
use civicast_server::core::media::migrate::migrate;
use civicast_server::core::media::objects::ObjectStorage;
use civicast_tests::s3::S3Server;
use civicast_tests::{TestApp, png, spawn_app_with};
use image::{ImageFormat, Rgb, RgbImage};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A JPEG with a gradient, different for each `seed`.
fn jpeg(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, seed])
    });
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, ImageFormat::Jpeg).unwrap();
    bytes.into_inner()
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The database the first instance uses, as a URL another instance can open.
fn database_of(first: &TestApp) -> String {
    first.settings.database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}",
            first.settings.data_dir.join("civicast.db").display()
        )
    })
}

/// A second instance on the first one's database, with its own data directory, after `adjust`.
async fn second_instance(first: &TestApp, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let database = database_of(first);
    let password = first.settings.initial_password_file();
    spawn_app_with(move |settings| {
        settings.database_url = Some(database);
        // The administrator was made by the first start; the harness signs in with its password.
        std::fs::copy(&password, settings.initial_password_file())
            .expect("the first instance's admin password");
        adjust(settings);
    })
    .await
}

fn local_copy(app: &TestApp, sha: &str) -> PathBuf {
    app.settings
        .data_dir
        .join("media")
        .join(&sha[..2])
        .join(sha)
}

/// A media file as a screen downloads it: in two ranges, joined.
async fn download_in_ranges(app: &TestApp, screen: &str, sha: &str) -> Vec<u8> {
    let path = format!("/api/v1/screen/media/{sha}");
    let first = app
        .client
        .get(app.url(&path))
        .bearer_auth(screen)
        .header("range", "bytes=0-999")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::PARTIAL_CONTENT, "{path}");
    assert!(first.headers().contains_key("etag"));
    let total: usize = first.headers()["content-range"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut bytes = first.bytes().await.unwrap().to_vec();
    let rest = app
        .client
        .get(app.url(&path))
        .bearer_auth(screen)
        .header("range", "bytes=1000-")
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), StatusCode::PARTIAL_CONTENT);
    bytes.extend_from_slice(&rest.bytes().await.unwrap());
    assert_eq!(bytes.len(), total);
    bytes
}

async fn manifest_media(app: &TestApp, screen: &str) -> String {
    let manifest: Value = app
        .send(Method::GET, "/api/v1/screen/manifest", Some(screen), None)
        .await
        .json()
        .await
        .unwrap();
    manifest["items"][0]["media"]["sha256"]
        .as_str()
        .unwrap_or_else(|| panic!("a media item in {manifest}"))
        .to_owned()
}

#[tokio::test]
async fn what_one_instance_receives_the_other_serves() {
    let s3 = S3Server::start("civicast-media");
    let a = spawn_app_with(|settings| s3.use_in(settings, "region")).await;
    let b = second_instance(&a, |settings| s3.use_in(settings, "region")).await;

    let original = jpeg(3840, 2160, 7);
    let poster = a
        .upload_image(&a.admin, original.clone(), "image/jpeg")
        .await;
    let id = poster["id"].as_str().unwrap().to_owned();
    let sha = poster["sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha, sha256(&original));
    let renditions = poster["renditions"].as_array().unwrap().clone();
    assert_eq!(renditions.len(), 2, "{poster}");
    // In the object store: the original and its renditions, named like the local store.
    let keys = s3.keys();
    for file in std::iter::once(sha.as_str())
        .chain(renditions.iter().map(|r| r["sha256"].as_str().unwrap()))
    {
        assert!(
            keys.contains(&format!("region/{}/{file}", &file[..2])),
            "{file} not in {keys:?}"
        );
        assert!(!local_copy(&b, file).exists());
    }

    // A 4K screen behind B gets the original, a 1080p one the rendition, both in ranges.
    let hall = b.building("Town hall").await;
    let playlist = b.playlist(&hall, "Hall").await;
    b.add_item(
        &playlist,
        &json!({ "kind": "slide", "media_id": id, "duration_ms": 8000 }),
    )
    .await;
    let (_, wall) = b.pair_screen(&hall, "Wall", 3840, 2160).await;
    assert_eq!(manifest_media(&b, &wall).await, sha);
    let downloaded = download_in_ranges(&b, &wall, &sha).await;
    assert_eq!(sha256(&downloaded), sha);
    assert!(local_copy(&b, &sha).exists(), "B keeps what it fetched");
    let (_, entrance) = b.pair_screen(&hall, "Entrance", 1920, 1080).await;
    let rendition = manifest_media(&b, &entrance).await;
    assert_eq!(rendition, renditions[0]["sha256"].as_str().unwrap());
    let downloaded = download_in_ranges(&b, &entrance, &rendition).await;
    assert_eq!(sha256(&downloaded), rendition);

    // The library's thumbnail and the portal's preview, through B.
    let thumbnail = b
        .get(
            &format!("/api/v1/media/{id}/renditions/thumbnail"),
            &b.admin,
        )
        .await;
    assert_eq!(thumbnail.status(), StatusCode::OK);
    assert_eq!(
        sha256(&thumbnail.bytes().await.unwrap()),
        renditions[1]["sha256"].as_str().unwrap()
    );
    let portal = crate::generated::portal_session(&b, &b.admin_email, &b.admin_password).await;
    let preview = b
        .client
        .get(b.url(&format!("/posters/{id}")))
        .header("cookie", &portal.cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(preview.status(), StatusCode::OK);
    assert_eq!(sha256(&preview.bytes().await.unwrap()), sha);

    // An emergency image posted on A reaches the screens behind B.
    let image = png(640, 360);
    let emergency_media = a.upload_image(&a.admin, image.clone(), "image/png").await;
    let image_sha = sha256(&image);
    a.expect(
        Method::POST,
        "/api/v1/emergency",
        &a.admin,
        Some(&json!({ "text": "The square is closed", "media_id": emergency_media["id"] })),
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/api/v1/screen/media/{image_sha}");
    let waited = Instant::now();
    let served = loop {
        // B learns of the message from the database within a moment.
        let response = b.get(&path, &entrance).await;
        if response.status() == StatusCode::OK {
            break response.bytes().await.unwrap();
        }
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "B never served the emergency image"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(sha256(&served), image_sha);
}

#[tokio::test]
async fn a_store_that_is_away_is_a_503_that_says_what_to_check_and_leaves_nothing_behind() {
    let s3 = S3Server::start("civicast-media");
    let a = spawn_app_with(|settings| s3.use_in(settings, "away")).await;
    let kept = a
        .upload_image(&a.admin, jpeg(800, 600, 1), "image/jpeg")
        .await;
    let b = second_instance(&a, |settings| s3.use_in(settings, "away")).await;
    drop(s3);

    let refused = a
        .client
        .post(a.url("/api/v1/media?filename=late"))
        .bearer_auth(&a.admin)
        .header("content-type", "image/jpeg")
        .body(jpeg(3840, 2160, 2))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = refused.json().await.unwrap();
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("s3://civicast-media/away"), "{message}");
    assert!(message.contains("AWS_ACCESS_KEY_ID"), "{message}");
    // Nothing of the refused upload stays: only the file uploaded before and its thumbnail.
    let mut files = Vec::new();
    collect_files(&a.settings.data_dir.join("media"), &mut files);
    let kept_sha = kept["sha256"].as_str().unwrap();
    let mut expected: Vec<PathBuf> = std::iter::once(kept_sha)
        .chain(
            kept["renditions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["sha256"].as_str().unwrap()),
        )
        .map(|sha| local_copy(&a, sha))
        .collect();
    expected.sort();
    assert_eq!(files, expected);

    // B never held the file and cannot fetch it now.
    let content = b
        .get(
            &format!("/api/v1/media/{}/content", kept["id"].as_str().unwrap()),
            &b.admin,
        )
        .await;
    assert_eq!(content.status(), StatusCode::SERVICE_UNAVAILABLE);
}

/// Every file under `folder`, sorted, without the empty folders.
fn collect_files(folder: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
    files.sort();
}

#[tokio::test]
async fn instances_sharing_a_hot_folder_import_each_file_once() {
    let s3 = S3Server::start("civicast-media");
    let shared = tempfile::tempdir().unwrap();
    let inbox_dir = shared.path().join("inbox");
    let a = spawn_app_with(|settings| {
        s3.use_in(settings, "hot");
        settings.inbox_dir = Some(inbox_dir.clone());
    })
    .await;

    // Two instances' imports of one file, side by side: one imports it, the other skips it.
    let store_of = |app: &TestApp| {
        MediaStore::open(&app.settings.data_dir, 32 << 20, 100, 512)
            .unwrap()
            .with_object_storage(ObjectStorage::from_settings(&app.settings).unwrap())
    };
    let other_dir = tempfile::tempdir().unwrap();
    let mut other_settings = a.settings.clone();
    other_settings.data_dir = other_dir.path().to_owned();
    let (first, second) = (store_of(&a), {
        let mut other = MediaStore::open(other_dir.path(), 32 << 20, 100, 512).unwrap();
        other = other.with_object_storage(ObjectStorage::from_settings(&other_settings).unwrap());
        other
    });
    let pool = civicast_server::db::open(
        &civicast_server::db::DatabaseUrl::parse(&database_of(&a)).unwrap(),
    )
    .unwrap();
    let quiet = tempfile::tempdir().unwrap();
    let file = quiet.path().join("race.png");
    std::fs::write(&file, png(320, 200)).unwrap();
    let (one, two) = tokio::join!(
        inbox::import(&pool, &first, quiet.path(), &file, true),
        inbox::import(&pool, &second, quiet.path(), &file, true),
    );
    let outcomes = [one.unwrap(), two.unwrap()];
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, Imported::Added(_)))
            .count(),
        1,
        "{outcomes:?}"
    );
    assert!(outcomes.contains(&Imported::TakenByAnother), "{outcomes:?}");
    assert!(!file.exists());

    // The running instances, both watching the shared inbox.
    let b = second_instance(&a, |settings| {
        s3.use_in(settings, "hot");
        settings.inbox_dir = Some(inbox_dir.clone());
    })
    .await;
    let names: Vec<String> = (0..6).map(|n| format!("drop-{n}.png")).collect();
    for (n, name) in names.iter().enumerate() {
        std::fs::write(inbox_dir.join(name), png(300 + n as u32, 200)).unwrap();
    }
    let waited = Instant::now();
    let imported = loop {
        let library = a
            .expect(Method::GET, "/api/v1/media", &a.admin, None, StatusCode::OK)
            .await;
        let imported: Vec<Value> = library["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|item| {
                item["original_name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("drop-"))
            })
            .cloned()
            .collect();
        let inbox_empty = std::fs::read_dir(&inbox_dir)
            .unwrap()
            .flatten()
            .all(|entry| entry.path().is_dir());
        if imported.len() >= names.len() && inbox_empty {
            break imported;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "not imported: {imported:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut imported_names: Vec<&str> = imported
        .iter()
        .map(|item| item["original_name"].as_str().unwrap())
        .collect();
    imported_names.sort();
    assert_eq!(imported_names, names, "each file once");
    assert!(!inbox_dir.join("refused").exists());
    let mut left = Vec::new();
    collect_files(&inbox_dir.join("claimed"), &mut left);
    assert!(left.is_empty(), "{left:?}");
    // Both instances serve each of them.
    for item in &imported {
        let path = format!("/api/v1/media/{}/content", item["id"].as_str().unwrap());
        for app in [&a, &b] {
            let response = app.get(&path, &app.admin).await;
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(
                sha256(&response.bytes().await.unwrap()),
                item["sha256"].as_str().unwrap()
            );
        }
    }
}

#[tokio::test]
async fn migrate_moves_a_local_store_into_the_object_store_and_checks_every_hash() {
    let s3 = S3Server::start("civicast-media");
    // An instance from before the region: media in its data directory only.
    let local = spawn_app_with(|_| {}).await;
    let poster = local
        .upload_image(&local.admin, jpeg(3840, 2160, 3), "image/jpeg")
        .await;
    let small = local
        .upload_image(&local.admin, jpeg(400, 300, 4), "image/jpeg")
        .await;
    let mut settings = local.settings.clone();
    s3.use_in(&mut settings, "moved");
    let media = MediaStore::open(&settings.data_dir, 32 << 20, 100, 512)
        .unwrap()
        .with_object_storage(ObjectStorage::from_settings(&settings).unwrap());
    let pool = civicast_server::db::open(&settings.database().unwrap()).unwrap();

    // The originals and their renditions (the 4K poster's two, the small image's thumbnail).
    let files = 2
        + poster["renditions"].as_array().unwrap().len()
        + small["renditions"].as_array().unwrap().len();
    assert_eq!(files, 5);
    let moved = migrate(&pool, &media).await.unwrap();
    assert_eq!(
        (moved.referenced, moved.uploaded, moved.already_there),
        (files, files, 0),
        "{moved:?}"
    );
    assert!(moved.succeeded(), "{moved:?}");
    assert_eq!(s3.keys().len(), files);

    // Again: everything is there and whole, so nothing moves.
    let again = migrate(&pool, &media).await.unwrap();
    assert_eq!(
        (again.uploaded, again.already_there),
        (0, files),
        "{again:?}"
    );

    // A damaged object is replaced from the local copy.
    let poster_sha = poster["sha256"].as_str().unwrap();
    let object = s3.object_file(&format!("moved/{}/{poster_sha}", &poster_sha[..2]));
    let mut bytes = std::fs::read(&object).unwrap();
    bytes[500] ^= 0xff;
    std::fs::write(&object, &bytes).unwrap();
    let repaired = migrate(&pool, &media).await.unwrap();
    assert_eq!(
        (repaired.repaired, repaired.already_there),
        (1, files - 1),
        "{repaired:?}"
    );
    assert!(repaired.succeeded());

    // A damaged local file is never sent: the run fails and names it.
    let small_sha = small["sha256"].as_str().unwrap();
    let small_object = s3.object_file(&format!("moved/{}/{small_sha}", &small_sha[..2]));
    std::fs::remove_file(&small_object).unwrap();
    let mut damaged = std::fs::read(local_copy(&local, small_sha)).unwrap();
    damaged[200] ^= 0xff;
    std::fs::write(local_copy(&local, small_sha), &damaged).unwrap();
    let failed = migrate(&pool, &media).await.unwrap();
    assert!(!failed.succeeded());
    assert_eq!(failed.failed.len(), 1, "{failed:?}");
    assert_eq!(failed.failed[0].0, small_sha);
    assert!(failed.failed[0].1.contains("damaged"), "{failed:?}");
    assert!(!small_object.exists());

    // A new instance on the object store serves the migrated poster without a local copy.
    let region = second_instance(&local, |settings| s3.use_in(settings, "moved")).await;
    let content = region
        .get(
            &format!("/api/v1/media/{}/content", poster["id"].as_str().unwrap()),
            &region.admin,
        )
        .await;
    assert_eq!(content.status(), StatusCode::OK);
    assert_eq!(sha256(&content.bytes().await.unwrap()), poster_sha);
}
