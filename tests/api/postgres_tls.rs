//! TLS to PostgreSQL, for a region whose database sits on another machine: with
//! `sslmode=verify-full` in `DATABASE_URL` the server talks to PostgreSQL only over TLS and only
//! when the certificate is signed by the CA it is given (`sslrootcert`). Runs in the PostgreSQL
//! stage of the test command, against a cluster of its own that refuses connections without TLS.

use std::path::{Path, PathBuf};
use std::process::Command;

use civicast_server::settings::Settings;
use civicast_tests::tls::TestCa;
use civicast_tests::{on_postgres, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A throw-away PostgreSQL cluster that takes TLS connections only, stopped when dropped.
struct TlsCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

fn postgres_bin() -> PathBuf {
    if let Ok(bin) = std::env::var("PG_BIN") {
        return PathBuf::from(bin);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's server binaries under /usr/lib/postgresql (or set PG_BIN)")
        .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    found.sort_by_key(|bin| {
        bin.parent()
            .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
    });
    found
        .pop()
        .expect("an initdb under /usr/lib/postgresql/*/bin")
}

/// Runs a PostgreSQL program as the `postgres` user when this is root (initdb refuses root).
fn as_postgres(program: &Path, args: &[&str]) {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0\n"));
    let status = if root {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(program)
            .args(args)
            .stdout(std::process::Stdio::null())
            .status()
    } else {
        Command::new(program)
            .args(args)
            .stdout(std::process::Stdio::null())
            .status()
    }
    .expect("PostgreSQL's programs run");
    assert!(status.success(), "{} {args:?} failed", program.display());
}

impl TlsCluster {
    fn start(ca: &TestCa) -> TlsCluster {
        let dir = tempfile::tempdir().unwrap();
        let _ = Command::new("chown")
            .args(["-R", "postgres"])
            .arg(dir.path())
            .status();
        let bin = postgres_bin();
        let data = dir.path().join("data");
        as_postgres(
            &bin.join("initdb"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
        );
        ca.write_server_files(&data);
        let _ = Command::new("chown")
            .args(["postgres"])
            .arg(data.join("cert.pem"))
            .arg(data.join("key.pem"))
            .status();
        std::fs::set_permissions(
            data.join("key.pem"),
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        // TLS or nothing, from 127.0.0.1.
        std::fs::write(
            data.join("pg_hba.conf"),
            "hostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let options = format!(
            "-k {} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=on \
             -c ssl_cert_file=cert.pem -c ssl_key_file=key.pem",
            dir.path().display()
        );
        as_postgres(
            &bin.join("pg_ctl"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                dir.path().join("log").to_str().unwrap(),
                "-w",
                "-o",
                &options,
                "start",
            ],
        );
        TlsCluster { dir, bin, port }
    }

    fn url(&self, query: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres?{query}",
            self.port
        )
    }
}

impl Drop for TlsCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        as_postgres(
            &self.bin.join("pg_ctl"),
            &["-D", data.to_str().unwrap(), "-m", "immediate", "stop"],
        );
    }
}

/// The error a server gets at start from `url`.
fn start_error(url: String) -> String {
    let data = tempfile::tempdir().unwrap();
    let mut settings = Settings::new("127.0.0.1:0", data.path().to_path_buf());
    settings.database_url = Some(url);
    match civicast_server::app::Application::build(settings) {
        Ok(_) => panic!("the server started"),
        Err(error) => format!("{error:#}"),
    }
}

#[tokio::test]
async fn the_server_reaches_postgresql_over_tls_only_with_a_certificate_it_trusts() {
    if !on_postgres() {
        // The SQLite stage has no PostgreSQL running; the PostgreSQL stage runs this.
        return;
    }
    let ca = TestCa::new();
    let cluster = TlsCluster::start(&ca);
    let ca_file = cluster.dir.path().join("city-ca.pem");
    std::fs::write(&ca_file, &ca.ca_pem).unwrap();

    let trusted = cluster.url(&format!(
        "sslmode=verify-full&sslrootcert={}",
        ca_file.display()
    ));
    let app = spawn_app_with(|settings| settings.database_url = Some(trusted)).await;
    app.expect(
        Method::POST,
        "/api/v1/buildings",
        &app.admin,
        Some(&json!({ "name": "Town hall", "address": "Square 1", "venue_type": "town_hall" })),
        StatusCode::CREATED,
    )
    .await;
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);

    // A certificate signed by another CA is refused, and says why (OpenSSL names the failed
    // check: both test CAs have the same name, so it finds the wrong issuer's signature bad).
    let stranger = TestCa::new();
    let stranger_file = cluster.dir.path().join("other-ca.pem");
    std::fs::write(&stranger_file, &stranger.ca_pem).unwrap();
    let refused = start_error(cluster.url(&format!(
        "sslmode=verify-full&sslrootcert={}",
        stranger_file.display()
    )));
    assert!(refused.contains("SSL error"), "{refused}");
    // Without TLS this cluster lets nobody in: what worked above went over TLS.
    let plain = start_error(cluster.url("sslmode=disable"));
    assert!(plain.contains("no encryption"), "{plain}");
}
