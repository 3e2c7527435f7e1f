//! A server-style request handler: read a request into a stack buffer, parse it, respond.

use crate::io::{yield_now, Connection};
use std::io;

pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
}

/// Handles one HTTP/1.1 request.
///
/// `buf` is 8 KiB and is borrowed by every `read`, so it is part of the future across all the
/// awaits of the read loop; `request` (with its header list) is kept across the response awaits.
pub async fn handle_connection(conn: &mut Connection) -> io::Result<()> {
    let mut buf = [0u8; 8192];
    let mut filled = 0;
    while filled < buf.len() {
        let n = conn.read(&mut buf[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
        if header_end(&buf[..filled]).is_some() {
            break;
        }
    }

    let request = match parse_request(&buf[..filled]) {
        Some(request) => request,
        None => return conn.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await,
    };
    let body = route(&request).await;
    let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len());
    conn.write_all(head.as_bytes()).await?;
    conn.write_all(body.as_bytes()).await?;
    log_request(&request).await;
    Ok(())
}

fn header_end(data: &[u8]) -> Option<usize> {
    data.windows(4).position(|window| window == b"\r\n\r\n")
}

/// Parses the request line and headers; `None` when the request is malformed.
pub fn parse_request(data: &[u8]) -> Option<Request> {
    let text = std::str::from_utf8(&data[..header_end(data)?]).ok()?;
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let path = request_line.next()?.to_string();
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    Some(Request { method, path, headers })
}

async fn route(request: &Request) -> String {
    yield_now().await;
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/health") => String::from("ok"),
        ("GET", _) => format!("{} headers", request.headers.len()),
        _ => String::from("unsupported"),
    }
}

async fn log_request(request: &Request) {
    yield_now().await;
    let _ = (&request.method, &request.path);
}
