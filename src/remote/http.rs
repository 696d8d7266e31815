//! The HTTP/1.1 client of remote stores: extra headers, Basic or digest authentication, a
//! time limit, and bounded retries with backoff on connection errors and server errors (5xx,
//! 429). Plain `http://` only (put a TLS proxy in front of an `https://` store).

use super::digest::Challenge;
use crate::{Error, Result};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::time::Duration;

/// How to talk to a remote store.
#[derive(Debug, Clone)]
pub struct RemoteOptions {
    headers: Vec<(String, String)>,
    user: Option<(String, String)>,
    retries: u32,
    backoff: Duration,
    timeout: Duration,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        Self {
            headers: Vec::new(),
            user: None,
            retries: 3,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(300),
        }
    }
}

impl RemoteOptions {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends this header with every request (`Authorization: Bearer …`, an API key …). The
    /// text is `Name: value`.
    pub fn with_header(mut self, header: &str) -> Result<Self> {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| Error::Remote(format!("--header {header}: expected 'Name: value'")))?;
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        {
            return Err(Error::Remote(format!("--header {name}: not a header name")));
        }
        if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(Error::Remote(format!(
                "--header {name}: a value cannot hold line breaks"
            )));
        }
        self.headers.push((name.to_owned(), value.to_owned()));
        Ok(self)
    }

    /// Answers the server's authentication challenge (digest or Basic) as this user. The text
    /// is `user:password`.
    pub fn with_user(mut self, user_password: &str) -> Result<Self> {
        let (user, password) = user_password
            .split_once(':')
            .ok_or_else(|| Error::Remote("--user: expected 'user:password'".into()))?;
        self.user = Some((user.to_owned(), password.to_owned()));
        Ok(self)
    }

    /// How many times a request is tried again after a connection error or a 5xx / 429
    /// answer (3 by default); the waits double from the backoff (0.5 s by default).
    #[must_use]
    pub fn with_retries(mut self, retries: u32, backoff: Duration) -> Self {
        self.retries = retries;
        self.backoff = backoff;
        self
    }

    /// The longest one request may take (5 minutes by default).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// A server's answer, read whole.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// The media type, without parameters, lower case.
    pub media_type: String,
    pub body: Vec<u8>,
    /// The `WWW-Authenticate` challenges of a 401 answer.
    challenges: Vec<String>,
    /// Virtuoso's `X-SQL-State` and `X-SQL-Message`: set when an "anytime" query stopped
    /// early and the answer holds partial results.
    pub sql_state: Option<String>,
}

impl Reply {
    /// Whether the status is 2xx.
    #[must_use]
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The reply if it is a success (2xx); otherwise an error naming what was asked, the status
    /// and the start of the body.
    pub fn success(self, what: &str) -> Result<Self> {
        if self.is_success() {
            return Ok(self);
        }
        Err(Error::Remote(format!(
            "{what}: HTTP {}{}",
            self.status,
            excerpt(&self.body)
        )))
    }
}

/// The start of a response body, for error messages.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return String::new();
    }
    let cut: String = text.chars().take(300).collect();
    if cut.len() < text.len() {
        format!(": {cut}…")
    } else {
        format!(": {cut}")
    }
}

/// Authentication learnt from the server's last challenge.
enum Credentials {
    Basic(String),
    Digest { challenge: Challenge, count: u32 },
}

/// An `http://` URL taken apart.
struct Url {
    /// `host:port` to connect to.
    address: String,
    /// The `Host` header.
    host: String,
    /// Path and query.
    target: String,
}

impl Url {
    fn parse(url: &str) -> Result<Self> {
        let bad = |why: &str| Error::Remote(format!("{url}: {why}"));
        let rest = match url.strip_prefix("http://") {
            Some(rest) => rest,
            None if url.starts_with("https://") => {
                return Err(bad(
                    "https:// is not supported: reach the store over http:// (loopback, a private network, or a TLS proxy such as stunnel)",
                ));
            }
            None => return Err(bad("expected an http:// URL")),
        };
        let (authority, target) = match rest.find(['/', '?']) {
            Some(at) if rest[at..].starts_with('?') => (&rest[..at], format!("/{}", &rest[at..])),
            Some(at) => (&rest[..at], rest[at..].to_owned()),
            None => (rest, "/".to_owned()),
        };
        if authority.is_empty() || authority.contains('@') {
            return Err(bad(
                "expected http://HOST[:PORT]/PATH (credentials go in --user)",
            ));
        }
        if target.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(bad("spaces and control characters must be percent-encoded"));
        }
        let has_port = authority
            .rsplit_once(':')
            .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
            && !authority.ends_with(']');
        let address = if has_port {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        Ok(Self {
            address,
            host: authority.to_owned(),
            target,
        })
    }
}

/// A client for one remote store.
pub struct Remote {
    options: RemoteOptions,
    credentials: Mutex<Option<Credentials>>,
}

impl Remote {
    #[must_use]
    pub fn new(options: RemoteOptions) -> Self {
        Self {
            options,
            credentials: Mutex::new(None),
        }
    }

    /// Sends a request and reads the answer, trying again after connection errors and server
    /// errors, and answering one authentication challenge. `what` names the request in errors
    /// (`PUT <graph> (flow …)`).
    pub fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        what: &str,
    ) -> Result<Reply> {
        let parsed = Url::parse(url)?;
        let mut attempt = 0;
        let mut challenged = false;
        loop {
            let retry = match self.exchange(method, &parsed, headers, body) {
                Ok(reply) => {
                    if reply.status == 401 && !challenged {
                        challenged = true;
                        if self.learn(&reply.challenges) {
                            continue;
                        }
                    }
                    let transient = reply.status >= 500 || reply.status == 429;
                    if !transient || attempt >= self.options.retries {
                        return Ok(reply);
                    }
                    format!("HTTP {}", reply.status)
                }
                Err(error) => {
                    if attempt >= self.options.retries {
                        return Err(Error::Remote(format!(
                            "{what}: {url}: {error} (tried {} time{})",
                            attempt + 1,
                            if attempt == 0 { "" } else { "s" }
                        )));
                    }
                    error.to_string()
                }
            };
            let wait = self.options.backoff * 2u32.saturating_pow(attempt);
            eprintln!(
                "flowkg: {what}: {retry}; trying again in {:.1} s",
                wait.as_secs_f64()
            );
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    /// One request on a new connection (`Connection: close`), and its whole answer.
    fn exchange(
        &self,
        method: &str,
        url: &Url,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Reply> {
        let timeout = self.options.timeout;
        let mut last = None;
        let mut stream = None;
        for address in url.address.to_socket_addrs()? {
            match TcpStream::connect_timeout(&address, timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let stream = match (stream, last) {
            (Some(stream), _) => stream,
            (None, Some(error)) => return Err(error),
            (None, None) => {
                return Err(std::io::Error::other(format!(
                    "{} resolves to no address",
                    url.address
                )));
            }
        };
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        let mut head = format!(
            "{method} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: flowkg/{}\r\nConnection: close\r\nContent-Length: {}\r\n",
            url.target,
            url.host,
            env!("CARGO_PKG_VERSION"),
            body.len()
        );
        for (name, value) in self
            .options
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .chain(headers.iter().copied())
        {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(authorization) = self.authorization(method, &url.target) {
            head.push_str(&format!("Authorization: {authorization}\r\n"));
        }
        head.push_str("\r\n");
        let mut writer = std::io::BufWriter::new(&stream);
        writer.write_all(head.as_bytes())?;
        writer.write_all(body)?;
        writer.flush()?;
        drop(writer);
        read_reply(BufReader::new(&stream), method == "HEAD")
    }

    /// Takes the credentials a 401 answer asks for; whether the request is worth sending again.
    fn learn(&self, challenges: &[String]) -> bool {
        let Some((user, password)) = &self.options.user else {
            return false;
        };
        let credentials =
            if let Some(challenge) = challenges.iter().find_map(|c| Challenge::parse(c)) {
                Credentials::Digest {
                    challenge,
                    count: 0,
                }
            } else if challenges
                .iter()
                .any(|c| c.trim_start().to_ascii_lowercase().starts_with("basic"))
            {
                Credentials::Basic(format!(
                    "Basic {}",
                    base64(format!("{user}:{password}").as_bytes())
                ))
            } else {
                return false;
            };
        if let Ok(mut slot) = self.credentials.lock() {
            *slot = Some(credentials);
        }
        true
    }

    /// The `Authorization` value for a request, from the last challenge.
    fn authorization(&self, method: &str, target: &str) -> Option<String> {
        let (user, password) = self.options.user.as_ref()?;
        let mut slot = self.credentials.lock().ok()?;
        match slot.as_mut()? {
            Credentials::Basic(value) => Some(value.clone()),
            Credentials::Digest { challenge, count } => {
                *count += 1;
                Some(challenge.authorization(
                    user,
                    password,
                    method,
                    target,
                    *count,
                    &client_nonce(*count),
                ))
            }
        }
    }
}

/// Reads a response: status line, headers, and a body framed by `Content-Length`, chunked
/// encoding, or the end of the connection.
fn read_reply(mut reader: impl BufRead, head_only: bool) -> std::io::Result<Reply> {
    let invalid =
        |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid("not an HTTP response"))?;
    let mut sql_state: Option<String> = None;
    let (mut length, mut chunked, mut media_type, mut challenges) =
        (None, false, String::new(), Vec::new());
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(invalid("the response ends inside its headers"));
        }
        let text = line.trim_end();
        if text.is_empty() {
            break;
        }
        let Some((name, value)) = text.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse::<u64>().ok(),
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            "content-type" => {
                media_type = value
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase();
            }
            "www-authenticate" => challenges.push(value.to_owned()),
            "x-sql-state" | "x-sql-message" => {
                let state = sql_state.get_or_insert_with(String::new);
                state.push_str(value);
                state.push(' ');
            }
            _ => {}
        }
    }
    let mut body = Vec::new();
    if head_only || status == 204 || status == 304 || (100..200).contains(&status) {
        // No body.
    } else if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or_default(), 16)
                .map_err(|_| invalid("bad chunk size"))?;
            if size == 0 {
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            line.clear();
            reader.read_line(&mut line)?;
        }
    } else if let Some(length) = length {
        reader.take(length).read_to_end(&mut body)?;
    } else {
        reader.read_to_end(&mut body)?;
    }
    Ok(Reply {
        status,
        media_type,
        body,
        challenges,
        sql_state,
    })
}

/// A client nonce: unique per request (time, process, count), not secret.
fn client_nonce(count: u32) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    crate::hash::sha256_hex(format!("{now}:{}:{count}", std::process::id()).as_bytes())[..32]
        .to_owned()
}

/// Standard base64 with padding (RFC 4648), for Basic authentication.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_rfc_4648_vectors() {
        for (text, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        ] {
            assert_eq!(base64(text.as_bytes()), encoded);
        }
    }

    #[test]
    fn urls_are_taken_apart() {
        let url = Url::parse("http://127.0.0.1:8890/sparql-graph-crud-auth?x=1").unwrap();
        assert_eq!(url.address, "127.0.0.1:8890");
        assert_eq!(url.target, "/sparql-graph-crud-auth?x=1");
        let url = Url::parse("http://example.org").unwrap();
        assert_eq!(
            (url.address.as_str(), url.target.as_str()),
            ("example.org:80", "/")
        );
        assert!(Url::parse("https://example.org/").is_err());
        assert!(Url::parse("http://user:pw@example.org/").is_err());
        assert!(Url::parse("ftp://example.org/").is_err());
    }

    #[test]
    fn replies_are_read_by_length_chunks_or_end() {
        let chunked = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let reply = read_reply(&chunked[..], false).unwrap();
        assert_eq!(
            (
                reply.status,
                reply.media_type.as_str(),
                reply.body.as_slice()
            ),
            (200, "text/plain", &b"abcde"[..])
        );
        let sized = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\nContent-Length: 2\r\n\r\nnoEXTRA";
        let reply = read_reply(&sized[..], false).unwrap();
        assert_eq!(
            (reply.status, reply.body.as_slice(), reply.challenges.len()),
            (401, &b"no"[..], 1)
        );
        assert!(read_reply(&b"garbage"[..], false).is_err());
    }

    #[test]
    fn bad_options_are_refused() {
        assert!(RemoteOptions::new().with_header("no colon").is_err());
        assert!(RemoteOptions::new().with_header("Bad Name: x").is_err());
        assert!(RemoteOptions::new().with_header("X-Key: a\nb").is_err());
        assert!(RemoteOptions::new().with_user("nopassword").is_err());
        assert!(
            RemoteOptions::new()
                .with_header("Authorization: Bearer abc")
                .is_ok()
        );
    }
}
