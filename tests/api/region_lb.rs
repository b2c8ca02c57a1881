//! The reference load balancer, `deploy/region/haproxy.cfg` used as it is, in front of two
//! instances on one database: it terminates TLS, passes a screen's push stream through as it
//! comes, sends requests only to instances that answer `/readyz`, and a request that finds an
//! instance gone is answered by the other one.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use civicast_tests::tls::TestCa;
use civicast_tests::{TestApp, spawn_app_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::emergency::next_push;

/// HAProxy started with the reference configuration, stopped when dropped.
struct LoadBalancer {
    process: Child,
    port: u16,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl LoadBalancer {
    async fn start(instances: [&TestApp; 2]) -> LoadBalancer {
        let dir = tempfile::tempdir().unwrap();
        let ca = TestCa::new();
        ca.write_server_files(dir.path());
        let both = [
            std::fs::read(dir.path().join("cert.pem")).unwrap(),
            std::fs::read(dir.path().join("key.pem")).unwrap(),
        ]
        .concat();
        let cert = dir.path().join("civicast.pem");
        std::fs::write(&cert, both).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/region/haproxy.cfg");
        let address = |app: &TestApp| app.address.trim_start_matches("http://").to_owned();
        let process = Command::new("haproxy")
            .args(["-db", "-f", config])
            .env("CIVICAST_LB_BIND", format!("127.0.0.1:{port}"))
            .env("CIVICAST_LB_CERT", &cert)
            .env("CIVICAST_INSTANCE_A", address(instances[0]))
            .env("CIVICAST_INSTANCE_B", address(instances[1]))
            .stdout(Stdio::null())
            .spawn()
            .expect("haproxy runs (apt-get install haproxy; tests/run.sh installs it)");
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(ca.ca_pem.as_bytes()).unwrap())
            .build()
            .unwrap();
        let balancer = LoadBalancer {
            process,
            port,
            client,
            _dir: dir,
        };
        let started = Instant::now();
        loop {
            let ready = balancer.client.get(balancer.url("/readyz")).send().await;
            if ready.is_ok_and(|r| r.status() == StatusCode::OK) {
                return balancer;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "HAProxy did not answer /readyz"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }

    async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }
}

impl Drop for LoadBalancer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[tokio::test]
async fn the_reference_load_balancer_passes_push_streams_and_survives_an_instance_stopping() {
    let trust_this_machine = |settings: &mut civicast_server::settings::Settings| {
        settings.trusted_proxies = vec!["127.0.0.1".into()];
    };
    let first = spawn_app_with(trust_this_machine).await;
    let second = spawn_app_with(|settings| {
        trust_this_machine(settings);
        settings.data_dir = first.settings.data_dir.clone();
        settings.database_url = first.settings.database_url.clone();
    })
    .await;
    let library = first.building("Library").await;
    let (_, screen) = first.pair_screen(&library, "Hall", 1920, 1080).await;
    let balancer = LoadBalancer::start([&first, &second]).await;

    // Polls and the push stream through HAProxy, over TLS.
    let manifest = balancer.get("/api/v1/screen/manifest", &screen).await;
    assert_eq!(manifest.status(), StatusCode::OK);
    let mut stream = balancer
        .get("/api/v1/screen/emergency/stream", &screen)
        .await;
    assert_eq!(stream.status(), StatusCode::OK);
    let mut buffer = String::new();
    assert_eq!(
        next_push(&mut stream, &mut buffer, "emergency").await,
        json!({ "message": null })
    );
    let posted = balancer
        .client
        .post(balancer.url("/api/v1/emergency"))
        .bearer_auth(&first.admin)
        .json(&json!({ "text": "Evacuate the building by the nearest exit" }))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::CREATED);
    let seen: Value = next_push(&mut stream, &mut buffer, "emergency").await;
    assert_eq!(
        seen["message"]["text"],
        "Evacuate the building by the nearest exit"
    );
    drop(stream);

    // One instance stops: every request still gets an answer, from the other one.
    first.stop().await;
    for _ in 0..30 {
        let manifest = balancer.get("/api/v1/screen/manifest", &screen).await;
        assert_eq!(manifest.status(), StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut stream = balancer
        .get("/api/v1/screen/emergency/stream", &screen)
        .await;
    assert_eq!(stream.status(), StatusCode::OK);
    let now: Value = next_push(&mut stream, &mut String::new(), "emergency").await;
    assert_eq!(
        now["message"]["text"],
        "Evacuate the building by the nearest exit"
    );
    drop(stream);
    second.stop().await;
}
