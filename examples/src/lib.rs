//! A small, std-only crate whose futures range from a few bytes to tens of kilobytes.
//!
//! Run `rust-future-size examples/` (or `npm start` in the repository) to see how large each
//! future is and which values every `.await` keeps alive. Check the numbers against rustc with:
//!
//! ```text
//! RUSTC_BOOTSTRAP=1 rustc --edition 2021 --crate-type lib src/lib.rs -Zprint-type-sizes -o /tmp/ex.rlib
//! ```

pub mod copy;
pub mod firmware;
pub mod io;
pub mod scoped;
pub mod server;
