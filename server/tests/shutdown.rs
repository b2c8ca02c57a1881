//! The real server binary stops gracefully on SIGTERM (what systemd sends): a request in
//! flight is finished and answered, then the process exits cleanly.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::free_port;

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::RgbImage::from_pixel(width, height, image::Rgb([200, 80, 20]))
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits() {
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_civicast-server"))
        .args(["--bind", &address, "--workers", "1"])
        .arg("--data-dir")
        .arg(data.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(&address).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let password = std::fs::read_to_string(data.path().join("initial-admin-password.txt")).unwrap();
    let login = reqwest::blocking::Client::new()
        .post(format!("http://{address}/api/v1/auth/token"))
        .json(&serde_json::json!({ "email": "admin@civicast.local", "password": password.trim() }))
        .send()
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();

    // An upload that takes a second and a half to send, stopped halfway by SIGTERM.
    let body = png(400, 300);
    let mut upload = TcpStream::connect(&address).unwrap();
    write!(
        upload,
        "POST /api/v1/media?filename=slow.png HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: image/png\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    let halves = body.split_at(body.len() / 2);
    upload.write_all(halves.0).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(1000));
    upload.write_all(halves.1).unwrap();
    let mut answer = String::new();
    upload.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 201"),
        "the upload in flight was answered: {answer}"
    );

    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "a clean exit: {status}");
    assert!(
        TcpStream::connect(&address).is_err(),
        "no new connections after the stop"
    );
}
