//! RFC 3161 over HTTP (§3.4): a loopback-friendly server for an [`Authority`]
//! ([`serve`]) and, with the `network` feature, a client ([`HttpTimeStamper`]).
//!
//! The server is written here on `std::net` rather than taken from an HTTP crate: it answers
//! one route (a POST of `application/timestamp-query`) one connection at a time, with every
//! size and wait bounded, which is some sixty lines; a server crate would bring an executor or
//! a thread pool for nothing. It is meant for tests and local use (`signflow tsa serve` binds
//! 127.0.0.1 by default), not as a public TSA.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use super::authority::{Authority, MAX_REQUEST_LEN};
use crate::pki::UnixTime;

/// Longest request head (request line and headers) the server reads, in bytes.
const MAX_HEAD: usize = 16 * 1024;
/// How long the server waits on one connection's reads and writes.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// Answers time-stamp requests on `listener` with `authority`, one connection at a time, until
/// `max_requests` connections were served (`None`: forever). Each connection gets one answer:
/// `200` with a TimeStampResp (granted or rejection), `400` for what is not a bounded POST with
/// a body, and is then closed.
///
/// # Errors
/// The listener's accept errors. A failing connection is dropped, not an error.
pub fn serve(
    listener: &TcpListener,
    authority: &Authority,
    max_requests: Option<usize>,
) -> std::io::Result<()> {
    let mut served = 0usize;
    while max_requests.is_none_or(|max| served < max) {
        let (stream, _) = listener.accept()?;
        served += 1;
        // A client that misbehaves only loses its own connection.
        let _ = answer(stream, authority);
    }
    Ok(())
}

fn answer(stream: TcpStream, authority: &Authority) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?).take(MAX_HEAD as u64);
    let mut head_len = 0usize;
    let mut line = String::new();
    let mut request_line = None;
    let mut content_length: Option<usize> = None;
    loop {
        line.clear();
        let n = reader.read_line(&mut line)?;
        head_len += n;
        if n == 0 || head_len >= MAX_HEAD {
            return reply(
                &stream,
                400,
                "text/plain",
                b"request head too long or cut short",
            );
        }
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if request_line.is_none() {
            request_line = Some(trimmed.to_owned());
        } else if let Some((name, value)) = trimmed.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            content_length = value.trim().parse().ok();
        }
    }
    let is_post = request_line
        .as_deref()
        .is_some_and(|l| l.starts_with("POST "));
    let Some(length) = content_length.filter(|l| is_post && *l <= MAX_REQUEST_LEN) else {
        return reply(
            &stream,
            400,
            "text/plain",
            b"expected a POST of an application/timestamp-query body",
        );
    };
    let mut body = vec![0u8; length];
    let mut reader = reader.into_inner();
    reader.read_exact(&mut body)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    let response = authority.respond(&body, UnixTime(secs), now.subsec_nanos());
    reply(&stream, 200, "application/timestamp-reply", &response)
}

fn reply(
    mut stream: &TcpStream,
    status: u16,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let reason = if status == 200 { "OK" } else { "Bad Request" };
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    stream.flush()
}

#[cfg(feature = "network")]
pub use client::HttpTimeStamper;

#[cfg(feature = "network")]
mod client {
    use std::io::Read;
    use std::time::Duration;

    use super::super::authority::{TimeStampRequest, TimeStamper};
    use super::super::{MAX_TOKEN_LEN, TimeStampToken, TspError};

    /// A TSA reached over HTTP or HTTPS (RFC 3161 §3.4: a POST of the DER request as
    /// `application/timestamp-query`, the TimeStampResp back), with a timeout and the answer's
    /// size bounded by [`MAX_TOKEN_LEN`]. TLS through rustls with the Mozilla roots.
    #[derive(Debug)]
    pub struct HttpTimeStamper {
        url: String,
        agent: ureq::Agent,
    }

    impl HttpTimeStamper {
        /// A client of the TSA at `url`, waiting at most 30 seconds for an answer.
        pub fn new(url: impl Into<String>) -> Self {
            Self::with_timeout(url, Duration::from_secs(30))
        }

        /// A client of the TSA at `url`, waiting at most `timeout` for an answer.
        pub fn with_timeout(url: impl Into<String>, timeout: Duration) -> Self {
            let config = ureq::Agent::config_builder()
                .timeout_global(Some(timeout))
                .http_status_as_error(false)
                .build();
            Self {
                url: url.into(),
                agent: config.into(),
            }
        }
    }

    impl TimeStamper for HttpTimeStamper {
        /// Posts `request` and reads the answer.
        ///
        /// # Errors
        /// [`TspError::Network`] when the TSA cannot be reached, answers with an HTTP error
        /// status or more than [`MAX_TOKEN_LEN`] bytes; the errors of
        /// [`TimeStampToken::from_response`] for the answer.
        fn stamp(&self, request: &TimeStampRequest) -> Result<TimeStampToken, TspError> {
            let network = |reason: String| TspError::Network {
                url: self.url.clone(),
                reason,
            };
            let response = self
                .agent
                .post(&self.url)
                .header("Content-Type", "application/timestamp-query")
                .send(&request.to_der())
                .map_err(|e| network(e.to_string()))?;
            let status = response.status();
            if !status.is_success() {
                return Err(network(format!("HTTP status {status}")));
            }
            let mut body = Vec::new();
            response
                .into_body()
                .into_reader()
                .take(MAX_TOKEN_LEN as u64 + 1)
                .read_to_end(&mut body)
                .map_err(|e| network(e.to_string()))?;
            if body.len() > MAX_TOKEN_LEN {
                return Err(TspError::TooLarge {
                    len: body.len(),
                    max: MAX_TOKEN_LEN,
                });
            }
            TimeStampToken::from_response(&body)
        }
    }
}
