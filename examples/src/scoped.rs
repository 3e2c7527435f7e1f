//! The usual fix for a large future: keep big values in a block that ends before the `.await`.

use crate::io::Connection;
use std::io;

/// Before: `scratch` is borrowed by `checksum` and stays in scope until the end of the function,
/// so its 4 KiB are stored in the future across the write.
pub async fn send_checksum_large(conn: &mut Connection, data: &[u8]) -> io::Result<()> {
    let mut scratch = [0u8; 4096];
    let len = data.len().min(scratch.len());
    scratch[..len].copy_from_slice(&data[..len]);
    let sum = checksum(&scratch[..len]);
    conn.write_all(&sum.to_le_bytes()).await
}

/// After: the same work in an inner block. `scratch` is gone before the await, and the future is
/// a few dozen bytes.
pub async fn send_checksum(conn: &mut Connection, data: &[u8]) -> io::Result<()> {
    let sum = {
        let mut scratch = [0u8; 4096];
        let len = data.len().min(scratch.len());
        scratch[..len].copy_from_slice(&data[..len]);
        checksum(&scratch[..len])
    };
    conn.write_all(&sum.to_le_bytes()).await
}

fn checksum(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0u32, |sum, byte| sum.rotate_left(5) ^ u32::from(*byte))
}
