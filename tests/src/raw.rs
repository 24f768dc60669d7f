//! Raw HTTP/1.1 for requests the SDK will not send (bad signatures,
//! anonymous calls, `%2e%2e` paths, streaming bodies): SigV4 headers from
//! the common signer, one request per connection, and the response parsed
//! with chunked decoding.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub use gureum_common::sigv4::{Payload, Signer};

/// Upper bound for one raw HTTP exchange.
const RAW_TIMEOUT: Duration = Duration::from_secs(120);

/// A response read by the raw HTTP helpers.
#[derive(Clone, Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// `<Code>` of an S3 XML error body.
    pub fn error_code(&self) -> Option<String> {
        xml_values(&self.text(), "Code").into_iter().next()
    }
}

/// Text of every `<tag>...</tag>` element in `xml`, in order (no nesting,
/// no entity decoding beyond the five XML entities).
pub fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else {
            break;
        };
        out.push(
            after[..end]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        );
        rest = &after[end + close.len()..];
    }
    out
}

/// SigV4 headers (`authorization`, `x-amz-date`, `x-amz-content-sha256`)
/// for a request to `http://{host}{target}`; `target` must be encoded
/// already and is signed exactly as given (S3 rules: no normalization,
/// single encoding).
pub fn sigv4_headers(
    host: &str,
    access_key: &str,
    secret_key: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Payload<'_>,
) -> Vec<(String, String)> {
    sigv4_headers_at(
        SystemTime::now(),
        host,
        access_key,
        secret_key,
        method,
        target,
        headers,
        body,
    )
}

/// [`sigv4_headers`] signed as of `time` (clock-skew tests).
#[allow(clippy::too_many_arguments)]
pub fn sigv4_headers_at(
    time: SystemTime,
    host: &str,
    access_key: &str,
    secret_key: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Payload<'_>,
) -> Vec<(String, String)> {
    let url = format!("http://{host}{target}");
    Signer::s3(access_key, secret_key, "us-east-1")
        .sign_at(time, method, &url, headers, body)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The request line and headers of an HTTP/1.1 request (with `Host`,
/// `Connection: close` and, when given, `Content-Length`).
pub fn request_head(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    content_length: Option<u64>,
) -> Vec<u8> {
    // A `host` among `headers` replaces the default (virtual-host tests).
    let host_given = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host"));
    let mut head = if host_given {
        format!("{method} {target} HTTP/1.1\r\nconnection: close\r\n")
    } else {
        format!("{method} {target} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n")
    };
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(n) = content_length {
        head.push_str(&format!("content-length: {n}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// Sends one HTTP/1.1 request over a fresh connection and reads the whole
/// response (the connection is closed by the server after it).
pub async fn raw_http(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<RawResponse> {
    let fut = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let head = request_head(addr, method, target, headers, Some(body.len() as u64));
        stream.write_all(&head).await?;
        stream.write_all(body).await?;
        stream.flush().await?;
        read_response(stream, method.eq_ignore_ascii_case("HEAD")).await
    };
    tokio::time::timeout(RAW_TIMEOUT, fut)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "raw HTTP timed out"))?
}

/// Reads a response until the server closes the connection.
pub async fn read_response(
    mut stream: TcpStream,
    head_request: bool,
) -> std::io::Result<RawResponse> {
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await?;
    parse_response(&buf, head_request)
}

fn parse_response(buf: &[u8], head_request: bool) -> std::io::Result<RawResponse> {
    let bad = |msg: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, msg.to_string());
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of response head"))?;
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or_else(|| bad("empty response"))?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(&format!("bad status line {status_line:?}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let raw_body = &buf[end + 4..];
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked")
    });
    let body = if head_request || status == 304 || status == 204 {
        Vec::new()
    } else if chunked {
        decode_chunked(raw_body).ok_or_else(|| bad("bad chunked body"))?
    } else {
        raw_body.to_vec()
    };
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

fn decode_chunked(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_str = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_str.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        if data.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}
