//! HTTPS for tests without touching the server: a TLS-terminating proxy on 127.0.0.1 in front of
//! the real server's plain HTTP, with a throw-away certificate authority (rcgen) that signs a
//! certificate for `127.0.0.1` and `localhost`. A client trusts the proxy only when given the
//! CA's certificate, as a city's players are given the city's CA with `--ca-file`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// A certificate authority made for one test, and the server certificate it signed.
pub struct TestCa {
    /// The CA's certificate in PEM, what a client is told to trust.
    pub ca_pem: String,
    ca_der: CertificateDer<'static>,
    leaf_der: CertificateDer<'static>,
    leaf_key: Vec<u8>,
    /// The server's chain (its certificate, then the CA's) and its key, in PEM, for servers
    /// that read files (the test SMTP server).
    chain_pem: String,
    leaf_key_pem: String,
}

impl TestCa {
    /// A new CA and a certificate signed by it for `127.0.0.1` and `localhost`.
    pub fn new() -> TestCa {
        let ca_key = KeyPair::generate().expect("a CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "Civicast test CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = ca.self_signed(&ca_key).expect("the CA certificate");
        let leaf_key = KeyPair::generate().expect("a server key");
        let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("server certificate parameters");
        leaf.distinguished_name
            .push(DnType::CommonName, "localhost");
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let leaf = leaf
            .signed_by(&leaf_key, &ca, &ca_key)
            .expect("the server certificate");
        TestCa {
            ca_pem: ca.pem(),
            ca_der: ca.der().clone(),
            leaf_der: leaf.der().clone(),
            leaf_key: leaf_key.serialize_der(),
            chain_pem: format!("{}{}", leaf.pem(), ca.pem()),
            leaf_key_pem: leaf_key.serialize_pem(),
        }
    }

    /// Writes `cert.pem` (the server's chain) and `key.pem` into `dir`.
    pub fn write_server_files(&self, dir: &Path) {
        std::fs::write(dir.join("cert.pem"), &self.chain_pem).expect("cert.pem can be written");
        std::fs::write(dir.join("key.pem"), &self.leaf_key_pem).expect("key.pem can be written");
    }

    fn server_config(&self) -> rustls::ServerConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![self.leaf_der.clone(), self.ca_der.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.leaf_key.clone())),
            )
            .expect("the server certificate and key match");
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config
    }
}

impl Default for TestCa {
    fn default() -> TestCa {
        TestCa::new()
    }
}

/// HTTPS on 127.0.0.1, passed on as plain TCP to a server on 127.0.0.1. Stops when dropped.
pub struct TlsProxy {
    /// `https://127.0.0.1:PORT`, to give to a client.
    pub address: String,
    pub ca: TestCa,
    ca_file: PathBuf,
    _dir: tempfile::TempDir,
    task: JoinHandle<()>,
}

impl TlsProxy {
    /// Starts a proxy to `upstream` (`http://127.0.0.1:PORT`, e.g. [`crate::TestApp::address`]),
    /// which may stop and start again on the same port meanwhile.
    pub async fn start(upstream: &str) -> TlsProxy {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let ca = TestCa::new();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let ca_file = dir.path().join("city-ca.pem");
        std::fs::write(&ca_file, &ca.ca_pem).expect("the CA file is written");
        let acceptor = TlsAcceptor::from(Arc::new(ca.server_config()));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port on 127.0.0.1");
        let port = listener.local_addr().expect("a bound port").port();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    // A client that does not trust the certificate ends the handshake here.
                    let Ok(mut tls) = acceptor.accept(client).await else {
                        return;
                    };
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return; // the server is down: the client sees the connection close
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
                });
            }
        });
        TlsProxy {
            address: format!("https://127.0.0.1:{port}"),
            ca,
            ca_file,
            _dir: dir,
            task,
        }
    }

    /// A PEM file holding the CA's certificate (for `--ca-file`).
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
