//! A buffered copy loop, the shape of `tokio::io::copy`.

use crate::io::Connection;
use std::io;

/// Copies everything from `reader` to `writer` and returns the byte count.
///
/// The 16 KiB buffer is borrowed by both awaits of every iteration, so all of it is stored in the
/// future, which ends up just above the 16 KiB where clippy's `large_futures` starts warning.
pub async fn copy(reader: &mut Connection, writer: &mut Connection) -> io::Result<u64> {
    let mut buf = [0u8; 16384];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        writer.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}
