//! The server the player talks to: its address, the certificate authorities it trusts for it,
//! the one HTTP client builder every thread uses (sync, proof, push, screenshot), and
//! connection failures told in one short line that an IT person understands.
//!
//! HTTPS goes through rustls. It trusts the operating system's roots (on Debian the
//! `ca-certificates` store, to which IT may add the city's CA with `update-ca-certificates`)
//! plus the PEM certificates of `--ca-file`.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Certificate;
use reqwest::blocking::{Client, ClientBuilder};
use rustls::CertificateError;

/// The longest message [`Endpoint::explain`] gives: it is shown on the screen's status line.
pub const MESSAGE_MAX_CHARS: usize = 88;

/// Why an [`Endpoint`] cannot be made; the player does not start.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("the server address '{0}' is not a URL such as https://cms.city.example")]
    Address(String),
    #[error("the server address '{0}' must start with https:// or http://")]
    Scheme(String),
    #[error("cannot read the CA file {path}: {error}")]
    CaFile { path: PathBuf, error: io::Error },
    #[error("the CA file {0} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")]
    NoCertificate(PathBuf),
}

/// The server's address and the extra certificate authorities trusted for it.
#[derive(Clone)]
pub struct Endpoint {
    base: String,
    host: String,
    extra_roots: Arc<Vec<Certificate>>,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("base", &self.base)
            .field("extra_roots", &self.extra_roots.len())
            .finish()
    }
}

impl Endpoint {
    /// `base` such as `https://cms.city.example`; `ca_file` a PEM file of one or more CA
    /// certificates trusted besides the system's.
    pub fn new(base: &str, ca_file: Option<&Path>) -> Result<Endpoint, EndpointError> {
        let base = base.trim().trim_end_matches('/').to_owned();
        let url = reqwest::Url::parse(&base).map_err(|_| EndpointError::Address(base.clone()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(EndpointError::Scheme(base));
        }
        let host = url
            .host_str()
            .ok_or_else(|| EndpointError::Address(base.clone()))?
            .to_owned();
        let mut extra_roots = Vec::new();
        if let Some(path) = ca_file {
            let pem = std::fs::read(path).map_err(|error| EndpointError::CaFile {
                path: path.to_owned(),
                error,
            })?;
            extra_roots =
                Certificate::from_pem_bundle(&pem).map_err(|error| EndpointError::CaFile {
                    path: path.to_owned(),
                    error: io::Error::new(io::ErrorKind::InvalidData, error.to_string()),
                })?;
            if extra_roots.is_empty() {
                return Err(EndpointError::NoCertificate(path.to_owned()));
            }
        }
        Ok(Endpoint {
            base,
            host,
            extra_roots: Arc::new(extra_roots),
        })
    }

    /// The base address, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The server's host name (or address), as messages name it.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The HTTP client builder every thread starts from: rustls, the trusted roots, timeouts and
    /// the user agent. Threads may adjust the timeouts of single requests.
    pub fn client_builder(&self) -> ClientBuilder {
        let mut builder = Client::builder()
            .use_rustls_tls()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("civicast-player/", env!("CARGO_PKG_VERSION")));
        for root in self.extra_roots.iter() {
            builder = builder.add_root_certificate(root.clone());
        }
        builder
    }

    /// One short line saying why a request failed, e.g. "certificate for cms.city.example is
    /// not trusted" or "cms.city.example cannot be reached: connection refused".
    pub fn explain(&self, error: &reqwest::Error) -> String {
        short(explain(&self.host, error))
    }
}

/// Each error of the chain, looking inside `io::Error`s too: their `source()` skips the error
/// they wrap, and rustls' errors arrive wrapped in one.
fn chain<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut errors = Vec::new();
    let mut current = Some(error);
    while let Some(error) = current {
        errors.push(error);
        current = match error
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => error.source(),
        };
        if errors.len() > 16 {
            break;
        }
    }
    errors
}

fn explain(host: &str, error: &reqwest::Error) -> String {
    let errors = chain(error);
    if let Some(tls) = errors
        .iter()
        .find_map(|error| error.downcast_ref::<rustls::Error>())
    {
        return tls_message(host, tls);
    }
    let names_lookup = errors.iter().any(|error| {
        let text = error.to_string();
        text.starts_with("dns error") || text.contains("failed to lookup address")
    });
    if names_lookup {
        return format!("name {host} not found");
    }
    if let Some(io) = errors
        .iter()
        .rev()
        .find_map(|error| error.downcast_ref::<io::Error>())
    {
        let why = match io.kind() {
            io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
            io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => {
                "connection reset".to_owned()
            }
            io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
                "no route to it (network down?)".to_owned()
            }
            io::ErrorKind::NetworkDown => "the network is down".to_owned(),
            io::ErrorKind::TimedOut => "no answer (timed out)".to_owned(),
            io::ErrorKind::UnexpectedEof => "it closed the connection".to_owned(),
            _ => io.to_string(),
        };
        return format!("{host} cannot be reached: {why}");
    }
    if error.is_timeout() {
        return format!("{host} cannot be reached: no answer (timed out)");
    }
    if error.is_connect() {
        let innermost = errors.last().map(ToString::to_string).unwrap_or_default();
        return format!("{host} cannot be reached: {innermost}");
    }
    // Not a connection problem (a body cut off, a malformed answer): say what it was.
    let innermost = errors.last().map(ToString::to_string).unwrap_or_default();
    format!("{host}: {innermost}")
}

fn tls_message(host: &str, error: &rustls::Error) -> String {
    match error {
        rustls::Error::InvalidCertificate(certificate) => match certificate {
            CertificateError::UnknownIssuer
            | CertificateError::BadSignature
            | CertificateError::UnknownRevocationStatus => {
                format!("certificate for {host} is not trusted")
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!("certificate is not valid for the name {host}")
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                format!("certificate for {host} has expired")
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                format!("certificate for {host} is not valid yet (check the clock)")
            }
            CertificateError::Revoked => format!("certificate for {host} was revoked"),
            other => format!("certificate for {host} is not accepted: {other:?}"),
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            format!("{host} does not answer in TLS (is the address http://?)")
        }
        rustls::Error::AlertReceived(alert) => {
            format!("{host} refused the secure connection ({alert:?})")
        }
        rustls::Error::NoCertificatesPresented => format!("{host} presented no certificate"),
        other => format!("secure connection to {host} failed: {other}"),
    }
}

/// One line of at most [`MESSAGE_MAX_CHARS`] characters.
fn short(message: String) -> String {
    let line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MESSAGE_MAX_CHARS {
        return line;
    }
    let mut cut: String = line.chars().take(MESSAGE_MAX_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_needs_a_scheme_and_a_host() {
        let endpoint = Endpoint::new("https://cms.city.example/", None).unwrap();
        assert_eq!(endpoint.base(), "https://cms.city.example");
        assert_eq!(endpoint.host(), "cms.city.example");
        assert!(matches!(
            Endpoint::new("cms.city.example", None),
            Err(EndpointError::Address(_))
        ));
        assert!(matches!(
            Endpoint::new("ftp://cms.city.example", None),
            Err(EndpointError::Scheme(_))
        ));
    }

    #[test]
    fn a_ca_file_must_hold_a_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let error = Endpoint::new("https://a.example", Some(&missing)).unwrap_err();
        assert!(
            error.to_string().contains("cannot read the CA file"),
            "{error}"
        );
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let error = Endpoint::new("https://a.example", Some(&empty)).unwrap_err();
        assert!(
            error.to_string().contains("holds no PEM certificate"),
            "{error}"
        );
    }

    #[test]
    fn messages_are_one_short_line() {
        let long = format!("certificate for {} is not trusted", "a".repeat(200));
        let line = short(long);
        assert_eq!(line.chars().count(), MESSAGE_MAX_CHARS);
        assert!(line.ends_with('…'));
        assert_eq!(short("a\nb  c".into()), "a b c");
    }

    #[test]
    fn certificate_errors_name_the_host_and_the_problem() {
        let untrusted = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        assert_eq!(
            tls_message("cms.city.example", &untrusted),
            "certificate for cms.city.example is not trusted"
        );
        let expired = rustls::Error::InvalidCertificate(CertificateError::Expired);
        assert_eq!(
            tls_message("cms.city.example", &expired),
            "certificate for cms.city.example has expired"
        );
    }

    #[test]
    fn a_refused_connection_and_an_unknown_name_are_told_apart() {
        // A port nothing listens on: bound, then closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let endpoint = Endpoint::new(&format!("http://127.0.0.1:{port}"), None).unwrap();
        let client = endpoint.client_builder().build().unwrap();
        let error = client.get(endpoint.base()).send().unwrap_err();
        assert_eq!(
            endpoint.explain(&error),
            "127.0.0.1 cannot be reached: connection refused"
        );
        // `.invalid` never resolves (RFC 6761).
        let endpoint = Endpoint::new("https://cms.city.invalid", None).unwrap();
        let client = endpoint.client_builder().build().unwrap();
        let error = client.get(endpoint.base()).send().unwrap_err();
        assert_eq!(endpoint.explain(&error), "name cms.city.invalid not found");
    }

    /// Through a TLS proxy whose CA is the test's own: refused without the CA file, accepted
    /// with it; and plain HTTP where HTTPS was expected is named as such.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn https_is_trusted_with_the_ca_file_only() {
        let app = civicast_tests::spawn_app().await;
        let proxy = civicast_tests::tls::TlsProxy::start(&app.address).await;
        let (address, ca_file) = (proxy.address.clone(), proxy.ca_file().to_owned());
        let plain = app.address.replace("http://", "https://");
        let (untrusted, trusted, not_tls) = tokio::task::spawn_blocking(move || {
            let get = |endpoint: &Endpoint| {
                let client = endpoint.client_builder().build().unwrap();
                client
                    .get(format!("{}/livez", endpoint.base()))
                    .send()
                    .map(|response| response.status().as_u16())
                    .map_err(|error| endpoint.explain(&error))
            };
            (
                get(&Endpoint::new(&address, None).unwrap()),
                get(&Endpoint::new(&address, Some(&ca_file)).unwrap()),
                get(&Endpoint::new(&plain, None).unwrap()),
            )
        })
        .await
        .unwrap();
        assert_eq!(
            untrusted,
            Err("certificate for 127.0.0.1 is not trusted".to_owned())
        );
        assert_eq!(trusted, Ok(200));
        assert_eq!(
            not_tls,
            Err("127.0.0.1 does not answer in TLS (is the address http://?)".to_owned())
        );
    }
}
