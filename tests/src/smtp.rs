//! A real SMTP server for tests of the e-mail the server sends: `smtp_server.py` (aiosmtpd, Debian's
//! python3-aiosmtpd, run by `/usr/bin/python3`) on a free port of 127.0.0.1, keeping each message
//! it accepts as a file in a temporary directory, which [`SmtpServer::messages`] reads back parsed
//! (mail-parser). [`SmtpServer::set_mode`] makes it fail for a while (451, 550, a slow DATA);
//! [`SmtpServer::stop`] and [`SmtpServer::start_again`] take it away and bring it back on the same
//! port with the messages it had.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, PartType};

/// The interpreter that has Debian's python3-aiosmtpd (a `python3` on PATH may be another one).
const PYTHON: &str = "/usr/bin/python3";

/// How a server is started: see [`SmtpServer::start_with`].
#[derive(Debug, Clone, Default)]
pub struct SmtpOptions {
    /// Require AUTH (PLAIN or LOGIN, allowed without TLS) with this user and password.
    pub auth: Option<(String, String)>,
    /// Offer STARTTLS and require it before MAIL, with a certificate for `127.0.0.1` and
    /// `localhost` signed by a CA made for this server ([`SmtpServer::ca_pem`]).
    pub starttls: bool,
}

/// One message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// The message as received (after dot-unstuffing), lossily as UTF-8.
    pub raw: String,
    /// The envelope's recipients (RCPT TO), in order.
    pub to: Vec<String>,
    /// The envelope's sender (MAIL FROM).
    pub from: String,
    /// The Subject header, decoded from RFC 2047 (`=?utf-8?b?...?=`); empty when absent.
    pub subject: String,
    /// The Message-ID header without its angle brackets; empty when absent.
    pub message_id: String,
    /// The first inline text/plain part, decoded (quoted-printable, base64, charset); empty when
    /// there is none.
    pub text: String,
    /// The first inline text/html part, decoded; empty when there is none.
    pub html: String,
    /// Every http(s) URL in `text`, in order.
    pub links: Vec<String>,
    /// The user the client authenticated as, when the server asked for AUTH.
    pub auth_login: Option<String>,
    /// Whether the message came over STARTTLS.
    pub tls: bool,
}

/// A running `smtp_server.py`; killed, and its directory removed, when dropped.
pub struct SmtpServer {
    port: u16,
    options: SmtpOptions,
    child: Option<Child>,
    ca_pem: Option<String>,
    // Holds messages/, mode, the server's log and the TLS files; removed on drop.
    dir: tempfile::TempDir,
}

impl SmtpServer {
    /// A server that accepts every message, without AUTH or TLS.
    pub fn start() -> SmtpServer {
        SmtpServer::start_with(SmtpOptions::default())
    }

    /// A server with AUTH and/or STARTTLS.
    pub fn start_with(options: SmtpOptions) -> SmtpServer {
        let dir = tempfile::Builder::new()
            .prefix("civicast-smtp-")
            .tempdir()
            .expect("a temporary directory for the SMTP server");
        let ca_pem = options.starttls.then(|| write_certificates(dir.path()));
        let mut server = SmtpServer {
            port: 0,
            options,
            child: None,
            ca_pem,
            dir,
        };
        server.spawn();
        server
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory that holds `messages/`, `mode` and `server.log`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server in lettre's URL form: `smtp://127.0.0.1:PORT`, with `user:password@` when it
    /// requires AUTH and `?tls=required` when it requires STARTTLS.
    pub fn url(&self) -> String {
        let credentials = match &self.options.auth {
            Some((user, password)) => format!("{}:{}@", url_encode(user), url_encode(password)),
            None => String::new(),
        };
        let tls = if self.options.starttls {
            "?tls=required"
        } else {
            ""
        };
        format!("smtp://{credentials}127.0.0.1:{}{tls}", self.port)
    }

    /// The PEM certificate of the CA that signed the server's certificate (when started with
    /// `starttls`), for a client to trust.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Switches the behaviour from the next transaction on: `accept`, `tempfail` (451 at the end
    /// of DATA), `reject` (550 to RCPT) or `slow` (0.5 s before the answer to DATA; the message is
    /// kept even when the client has gone by then).
    pub fn set_mode(&self, mode: &str) {
        assert!(
            matches!(mode, "accept" | "tempfail" | "reject" | "slow"),
            "unknown SMTP server mode {mode:?}: accept, tempfail, reject or slow"
        );
        let tmp = self.dir().join(".mode.tmp");
        fs::write(&tmp, mode).expect("the SMTP server's mode file can be written");
        fs::rename(&tmp, self.dir().join("mode")).expect("the SMTP server's mode file is renamed");
    }

    /// Kills the server and waits for it; its messages stay.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again after [`SmtpServer::stop`], on the same port, with the same
    /// directory (the messages received so far, the mode) and options.
    pub fn start_again(&mut self) {
        self.stop();
        self.spawn();
    }

    /// How many messages have been accepted so far (cheap: no parsing).
    pub fn count(&self) -> usize {
        message_numbers(&self.dir().join("messages")).len()
    }

    /// Every message accepted so far, in order of arrival.
    pub fn messages(&self) -> Vec<Received> {
        let messages = self.dir().join("messages");
        message_numbers(&messages)
            .into_iter()
            .map(|n| read_message(&messages, n))
            .collect()
    }

    /// All the messages once at least `count` have arrived, polling every 50 ms; panics with
    /// what did arrive after `timeout`.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.count() >= count {
                return self.messages();
            }
            if Instant::now() >= deadline {
                let arrived = self.messages();
                let summary: Vec<String> = arrived
                    .iter()
                    .map(|m| format!("to {:?}: {:?}", m.to, m.subject))
                    .collect();
                panic!(
                    "the SMTP server received {} message(s) in {timeout:?}, not {count}: {summary:#?}",
                    arrived.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn spawn(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/smtp_server.py");
        let log_path = self.dir().join("server.log");
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("the SMTP server's log can be opened");
        let mut command = Command::new(PYTHON);
        command
            .arg(&script)
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--dir")
            .arg(self.dir())
            .arg("--watch-stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log);
        if let Some((user, password)) = &self.options.auth {
            command.arg("--auth").arg(format!("{user}:{password}"));
        }
        if self.options.starttls {
            command
                .arg("--tls-cert")
                .arg(self.dir().join("cert.pem"))
                .arg("--tls-key")
                .arg(self.dir().join("key.pem"));
        }
        let mut child = command.spawn().unwrap_or_else(|error| {
            panic!(
                "{PYTHON} cannot be started for the test SMTP server ({error}): \
                 install python3 and python3-aiosmtpd (apt-get install python3-aiosmtpd)"
            )
        });
        // The first line is "ready <port>"; the rest of stdout is drained so that the server
        // never blocks on a full pipe.
        let stdout = child.stdout.take().expect("the server's stdout is piped");
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = ready_tx.send(line);
            }
            for _ in lines {}
        });
        let line = ready_rx.recv_timeout(Duration::from_secs(10));
        let port = line
            .as_ref()
            .ok()
            .and_then(|line| line.strip_prefix("ready "))
            .and_then(|port| port.trim().parse::<u16>().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let status = child.wait();
            let log = fs::read_to_string(&log_path).unwrap_or_default();
            let hint = if log.contains("aiosmtpd") {
                "the python module aiosmtpd is missing: install it with \
                 `apt-get install python3-aiosmtpd` (tests/run.sh does when run as root)"
            } else {
                "see its log above"
            };
            panic!(
                "the test SMTP server ({PYTHON} {}) did not get ready within 10 s \
                 (first line {line:?}, exit {status:?}): {hint}\n--- server.log ---\n{log}",
                script.display()
            );
        };
        self.port = port;
        self.child = Some(child);
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The numbers of the messages in `dir` (`<n>.eml`), in order of arrival.
fn message_numbers(dir: &Path) -> Vec<u64> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut numbers: Vec<u64> = entries
        .filter_map(|entry| {
            let name = entry.ok()?.file_name();
            name.to_str()?.strip_suffix(".eml")?.parse().ok()
        })
        .collect();
    numbers.sort_unstable();
    numbers
}

fn read_message(dir: &Path, n: u64) -> Received {
    let eml: PathBuf = dir.join(format!("{n}.eml"));
    let raw = fs::read(&eml).unwrap_or_else(|e| panic!("{} can be read: {e}", eml.display()));
    // The sidecar is renamed into place before the message, so it is whole.
    let sidecar = dir.join(format!("{n}.json"));
    let envelope: serde_json::Value = serde_json::from_slice(
        &fs::read(&sidecar).unwrap_or_else(|e| panic!("{} can be read: {e}", sidecar.display())),
    )
    .unwrap_or_else(|e| panic!("{} is JSON: {e}", sidecar.display()));
    let to = envelope["rcpt_tos"]
        .as_array()
        .map(|to| {
            to.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let from = envelope["mail_from"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let auth_login = envelope["auth_login"].as_str().map(str::to_owned);
    let tls = envelope["tls"].as_bool().unwrap_or(false);

    let parsed = MessageParser::default().parse(&raw[..]);
    let (subject, message_id, text, html) = match &parsed {
        Some(message) => {
            let text = match message.text_part(0).map(|p| &p.body) {
                Some(PartType::Text(text)) => text.to_string(),
                _ => String::new(),
            };
            let html = match message.html_part(0).map(|p| &p.body) {
                Some(PartType::Html(html)) => html.to_string(),
                _ => String::new(),
            };
            (
                message.subject().unwrap_or_default().to_owned(),
                message.message_id().unwrap_or_default().to_owned(),
                text,
                html,
            )
        }
        None => Default::default(),
    };
    let links = links_in(&text);
    Received {
        raw: String::from_utf8_lossy(&raw).into_owned(),
        to,
        from,
        subject,
        message_id,
        text,
        html,
        links,
        auth_login,
        tls,
    }
}

/// Every `http://` or `https://` URL in `text`: up to white space, `<`, `>` or a quote, without
/// trailing punctuation.
fn links_in(text: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut rest = text;
    while let Some(start) = ["http://", "https://"]
        .iter()
        .filter_map(|scheme| rest.find(scheme))
        .min()
    {
        let candidate = &rest[start..];
        let end = candidate
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\''))
            .unwrap_or(candidate.len());
        let link = candidate[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')']);
        if link.len() > "https://".len() {
            links.push(link.to_owned());
        }
        rest = &candidate[end.max(1)..];
    }
    links
}

/// Percent-encodes all but RFC 3986's unreserved characters (for the user and password in a URL).
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Writes `cert.pem` and `key.pem` (a certificate for `127.0.0.1` and `localhost`, signed by a CA
/// made here) into `dir`, and returns the CA's certificate in PEM.
fn write_certificates(dir: &Path) -> String {
    let ca = crate::tls::TestCa::new();
    ca.write_server_files(dir);
    ca.ca_pem
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpStream;

    use super::*;

    /// A tiny SMTP client: one connection, EHLO-less HELO.
    struct Client {
        reader: BufReader<TcpStream>,
        writer: TcpStream,
    }

    impl Client {
        fn connect(port: u16) -> Client {
            let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to SMTP");
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut client = Client {
                reader: BufReader::new(stream.try_clone().unwrap()),
                writer: stream,
            };
            let greeting = client.reply();
            assert!(greeting.starts_with("220"), "greeting {greeting:?}");
            client
        }

        /// One reply, its lines joined (multi-line replies have `-` after the code).
        fn reply(&mut self) -> String {
            let mut all = String::new();
            loop {
                let mut line = String::new();
                self.reader.read_line(&mut line).expect("an SMTP reply");
                assert!(!line.is_empty(), "the SMTP server closed the connection");
                all.push_str(&line);
                if line.as_bytes().get(3) != Some(&b'-') {
                    return all;
                }
            }
        }

        fn command(&mut self, line: &str) -> String {
            self.writer
                .write_all(format!("{line}\r\n").as_bytes())
                .unwrap();
            self.reply()
        }

        /// Sends one message; the first reply that is not a success is the error.
        fn send(&mut self, from: &str, to: &[&str], message: &str) -> Result<String, String> {
            let check = |reply: String, code: &str| {
                if reply.starts_with(code) {
                    Ok(reply)
                } else {
                    Err(reply)
                }
            };
            check(self.command(&format!("MAIL FROM:<{from}>")), "250")?;
            for to in to {
                check(self.command(&format!("RCPT TO:<{to}>")), "250")?;
            }
            check(self.command("DATA"), "354")?;
            let mut data = String::new();
            for line in message.split("\r\n") {
                if line.starts_with('.') {
                    data.push('.');
                }
                data.push_str(line);
                data.push_str("\r\n");
            }
            data.push_str(".\r\n");
            self.writer.write_all(data.as_bytes()).unwrap();
            check(self.reply(), "250")
        }

        fn quit(mut self) {
            let reply = self.command("QUIT");
            assert!(reply.starts_with("221"), "QUIT: {reply:?}");
        }
    }

    /// Sends `message` on a fresh connection.
    fn send(port: u16, message: &str) -> Result<String, String> {
        let mut client = Client::connect(port);
        assert!(client.command("HELO test").starts_with("250"));
        let result = client.send(
            "noreply@civicast.example",
            &["anna@example.org", "bert@example.org"],
            message,
        );
        client.quit();
        result
    }

    const MESSAGE: &str = concat!(
        "From: Civicast <noreply@civicast.example>\r\n",
        "To: anna@example.org\r\n",
        "Subject: =?utf-8?b?Q2Fmw6kgb3AgaGV0IHBsZWlu?=\r\n",
        "Message-ID: <1234.abcd@civicast.example>\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: multipart/alternative; boundary=\"b1\"\r\n",
        "\r\n",
        "--b1\r\n",
        "Content-Type: text/plain; charset=utf-8\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n",
        "\r\n",
        "Het caf=C3=A9 op het plein is goedgekeurd. Bekijk het op https://civicast.exa=\r\n",
        "mple/events/42?lang=3Dnl.\r\n",
        ".leading dot\r\n",
        "--b1\r\n",
        "Content-Type: text/html; charset=utf-8\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "\r\n",
        "PHA+SGV0IGNhZsOpPC9wPg==\r\n",
        "--b1--\r\n",
    );

    #[tokio::test]
    async fn a_message_is_received_once_and_parsed() {
        let server = SmtpServer::start();
        assert!(server.url().starts_with("smtp://127.0.0.1:"));
        send(server.port(), MESSAGE).expect("the message is accepted");
        let messages = server.wait_for(1, Duration::from_secs(10)).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(server.messages().len(), 1, "received once");
        let m = &messages[0];
        assert_eq!(m.subject, "Café op het plein");
        assert_eq!(m.from, "noreply@civicast.example");
        assert_eq!(m.to, ["anna@example.org", "bert@example.org"]);
        assert_eq!(m.message_id, "1234.abcd@civicast.example");
        assert!(m.text.contains("Het café op het plein"), "{:?}", m.text);
        assert!(
            m.text.contains("\n.leading dot"),
            "dot-unstuffed: {:?}",
            m.text
        );
        assert_eq!(m.links, ["https://civicast.example/events/42?lang=nl"]);
        assert_eq!(m.html, "<p>Het café</p>");
        assert!(m.raw.contains("Message-ID: <1234.abcd@civicast.example>"));
        assert_eq!(m.auth_login, None);
        assert!(!m.tls);
    }

    #[test]
    fn modes_give_451_and_550() {
        let server = SmtpServer::start();
        server.set_mode("tempfail");
        let error = send(server.port(), MESSAGE).unwrap_err();
        assert!(error.starts_with("451 4.3.0"), "{error:?}");
        server.set_mode("reject");
        let error = send(server.port(), MESSAGE).unwrap_err();
        assert!(error.starts_with("550 5.1.1"), "{error:?}");
        server.set_mode("slow");
        let started = Instant::now();
        send(server.port(), MESSAGE).unwrap();
        assert!(started.elapsed() >= Duration::from_millis(500));
        server.set_mode("accept");
        send(server.port(), MESSAGE).unwrap();
        assert_eq!(server.count(), 2, "only the accepted messages are kept");
    }

    #[tokio::test]
    async fn start_again_keeps_the_port_and_the_messages() {
        let mut server = SmtpServer::start();
        let port = server.port();
        send(port, MESSAGE).unwrap();
        server.stop();
        assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "stopped");
        server.start_again();
        assert_eq!(server.port(), port);
        assert_eq!(server.messages().len(), 1);
        send(
            port,
            &MESSAGE.replace("=?utf-8?b?Q2Fmw6kgb3AgaGV0IHBsZWlu?=", "Second"),
        )
        .unwrap();
        let messages = server.wait_for(2, Duration::from_secs(10)).await;
        assert_eq!(messages[0].subject, "Café op het plein");
        assert_eq!(messages[1].subject, "Second");
    }

    #[test]
    fn auth_is_required_when_asked_for() {
        let server = SmtpServer::start_with(SmtpOptions {
            auth: Some(("civicast".to_owned(), "s3cret".to_owned())),
            starttls: false,
        });
        assert_eq!(
            server.url(),
            format!("smtp://civicast:s3cret@127.0.0.1:{}", server.port())
        );
        let mut client = Client::connect(server.port());
        assert!(client.command("EHLO test").contains("AUTH"));
        let error = client
            .send("noreply@civicast.example", &["anna@example.org"], MESSAGE)
            .unwrap_err();
        assert!(error.starts_with("530"), "{error:?}");
        // "\0civicast\0s3cret"
        let reply = client.command("AUTH PLAIN AGNpdmljYXN0AHMzY3JldA==");
        assert!(reply.starts_with("235"), "{reply:?}");
        client
            .send("noreply@civicast.example", &["anna@example.org"], MESSAGE)
            .unwrap();
        client.quit();
        let messages = server.messages();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].auth_login.as_deref(), Some("civicast"));
    }

    #[test]
    fn starttls_is_offered_and_required() {
        let server = SmtpServer::start_with(SmtpOptions {
            auth: None,
            starttls: true,
        });
        assert!(server.url().ends_with("?tls=required"));
        assert!(server.ca_pem().unwrap().contains("BEGIN CERTIFICATE"));
        let mut client = Client::connect(server.port());
        assert!(client.command("EHLO test").contains("STARTTLS"));
        let error = client
            .send("noreply@civicast.example", &["anna@example.org"], MESSAGE)
            .unwrap_err();
        assert!(error.starts_with("530"), "{error:?}");
    }

    #[test]
    fn links_end_at_white_space_and_punctuation() {
        assert_eq!(
            links_in("see https://a.example/x?y=1. or (http://b.example/) <https://c.example/z>"),
            [
                "https://a.example/x?y=1",
                "http://b.example/",
                "https://c.example/z"
            ]
        );
    }
}
