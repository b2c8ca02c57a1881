//! The real `civicast-server` binary: its help, `user add`, and a first start that lets the first
//! administrator in.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BINARY: &str = env!("CARGO_BIN_EXE_civicast-server");

/// A server process that is killed when the test ends.
struct Running {
    child: Child,
    port: u16,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `civicast-server` on a free port and waits for the line that names it.
fn serve(data_dir: &std::path::Path) -> Running {
    let child = Command::new(BINARY)
        .args(["--bind", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    // Owned by `Running` from here on, so the process is killed on every path out.
    let mut running = Running { child, port: 0 };
    let stderr = running.child.stderr.take().expect("stderr is piped");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(line) = receiver.recv_timeout(Duration::from_millis(200))
            && line.contains("listening")
            && let Some(port) = line
                .split("port=")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
        {
            running.port = port.parse().expect("a port number");
            return running;
        }
    }
    panic!("the server did not report its port");
}

fn login(port: u16, email: &str, password: &str) -> reqwest::blocking::Response {
    reqwest::blocking::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/token"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .expect("the server answers")
}

#[test]
fn help_describes_every_option() {
    let output = Command::new(BINARY).arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for option in [
        "--bind",
        "--data-dir",
        "--database-url",
        "CIVICAST_BIND",
        "CIVICAST_DATA_DIR",
        "DATABASE_URL",
        "serve",
        "user",
    ] {
        assert!(
            help.contains(option),
            "--help does not mention {option}:\n{help}"
        );
    }
    let output = Command::new(BINARY)
        .args(["user", "add", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for option in ["--email", "--role", "--organisation", "--password-stdin"] {
        assert!(
            help.contains(option),
            "user add --help does not mention {option}"
        );
    }
}

#[test]
fn the_first_start_creates_an_administrator_who_can_sign_in() {
    let data_dir = tempfile::tempdir().unwrap();
    let server = serve(data_dir.path());
    let health: Value = reqwest::blocking::get(format!("http://127.0.0.1:{}/healthz", server.port))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["backend"], "sqlite");
    assert!(data_dir.path().join("civicast.db").is_file());
    let password =
        std::fs::read_to_string(data_dir.path().join("initial-admin-password.txt")).unwrap();
    let response = login(server.port, "admin@civicast.local", password.trim());
    assert_eq!(response.status(), 200);
    let body: Value = response.json().unwrap();
    assert!(body["token"].as_str().unwrap().starts_with("cvu_"));
}

#[test]
fn user_add_reads_the_password_from_stdin_and_refuses_bad_input() {
    let data_dir = tempfile::tempdir().unwrap();
    let add = |args: &[&str], password: &str| {
        let mut child = Command::new(BINARY)
            .args(["user", "add", "--password-stdin", "--data-dir"])
            .arg(data_dir.path())
            .args(args)
            .env_remove("DATABASE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A command that fails on its arguments exits before reading: ignore the closed pipe.
        let _ = child.stdin.take().unwrap().write_all(password.as_bytes());
        child.wait_with_output().unwrap()
    };
    let added = add(
        &[
            "--email",
            "Els@Choir.example",
            "--role",
            "association",
            "--organisation",
            "Choir",
        ],
        "a long enough password\n",
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert!(String::from_utf8_lossy(&added.stdout).contains("els@choir.example"));

    let short = add(&["--email", "x@example.org", "--role", "staff"], "short\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password"));
    let no_org = add(
        &["--email", "y@example.org", "--role", "association"],
        "a long enough password\n",
    );
    assert!(!no_org.status.success());
    assert!(String::from_utf8_lossy(&no_org.stderr).contains("organisation"));
    let bad_role = add(
        &["--email", "z@example.org", "--role", "mayor"],
        "a long enough password\n",
    );
    assert!(!bad_role.status.success());
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("admin, staff or association"));
    let again = add(
        &[
            "--email",
            "els@choir.example",
            "--role",
            "association",
            "--organisation",
            "Choir",
        ],
        "a long enough password\n",
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    // The user signs in to a server started later on the same data; no first admin is made
    // because the database already has a user.
    let server = serve(data_dir.path());
    assert_eq!(
        login(server.port, "els@choir.example", "a long enough password").status(),
        200
    );
    assert!(!data_dir.path().join("initial-admin-password.txt").exists());
}
