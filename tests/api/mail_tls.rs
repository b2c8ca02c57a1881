//! E-mail over STARTTLS with AUTH: the server checks the SMTP server's certificate, trusting the
//! city's own CA from `--smtp-ca-file`, and refuses to send to a server it cannot trust.

use std::time::Duration;

use civicast_tests::smtp::{SmtpOptions, SmtpServer};
use civicast_tests::spawn_app_with;
use serde_json::{Value, json};

fn tls_server() -> SmtpServer {
    SmtpServer::start_with(SmtpOptions {
        auth: Some(("civicast".into(), "mail-secret-1".into())),
        starttls: true,
    })
}

#[tokio::test]
async fn mail_goes_over_starttls_with_auth_to_a_server_signed_by_the_trusted_ca() {
    let smtp = tls_server();
    let ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        ca.path(),
        smtp.ca_pem().expect("a STARTTLS server has a CA"),
    )
    .unwrap();
    let url = smtp.url();
    assert!(url.contains("tls=required"), "{url}");
    let ca_path = ca.path().to_path_buf();
    let app = spawn_app_with(move |settings| {
        settings.smtp_url = Some(url);
        settings.smtp_ca_file = Some(ca_path);
    })
    .await;
    app.expect(
        reqwest::Method::POST,
        "/api/v1/mail/test",
        &app.admin,
        Some(&json!({ "to": "it@city.example" })),
        reqwest::StatusCode::ACCEPTED,
    )
    .await;
    let received = smtp.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(received.len(), 1);
    assert!(received[0].tls, "the message came over TLS");
    assert_eq!(received[0].auth_login.as_deref(), Some("civicast"));
    assert_eq!(received[0].to, vec!["it@city.example".to_owned()]);
}

#[tokio::test]
async fn a_server_whose_certificate_is_not_trusted_gets_nothing_and_the_outbox_says_why() {
    let smtp = tls_server();
    let url = smtp.url();
    let app = spawn_app_with(move |settings| {
        settings.smtp_url = Some(url);
        settings.mail_retry_max_seconds = 1;
    })
    .await;
    app.expect(
        reqwest::Method::POST,
        "/api/v1/mail/test",
        &app.admin,
        Some(&json!({ "to": "it@city.example" })),
        reqwest::StatusCode::ACCEPTED,
    )
    .await;
    let mut last_error = String::new();
    for _ in 0..100 {
        let outbox: Value = app
            .get("/api/v1/mail/outbox", &app.admin)
            .await
            .json()
            .await
            .unwrap();
        if let Some(error) = outbox["mails"][0]["last_error"].as_str() {
            last_error = error.to_owned();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        last_error.to_lowercase().contains("certificate"),
        "the outbox names the certificate problem: {last_error:?}"
    );
    assert_eq!(smtp.count(), 0, "nothing was sent to an untrusted server");
}
