//! Measures the size, alignment and a few properties of common std types and prints them as JSON.
//!
//! Std-only; no Cargo. Regenerate the analyzer's table with (from the repository root):
//!
//!   rustc --edition 2021 -O tools/measure-std-types/measure.rs -o /tmp/measure \
//!     && /tmp/measure "$(rustc --version)" > server/src/analysis/stdTypes.generated.json
//!
//! Output sections:
//! * `types`: keyed by the type's path without generic arguments. A key is the last path segment
//!   when that name is unique in std (`TcpStream`), qualified otherwise (`io::Error`,
//!   `slice::Iter`). Generic types appear here only when their size does not depend on the type
//!   arguments; the program checks this by measuring two very different instantiations and
//!   aborting if they disagree (`drop` is then "needs drop for some T", `copy` "Copy for every T").
//!   A few concrete instantiations commonly written verbatim (`Cow<str>`, `BufReader<File>`) are
//!   keyed with their arguments.
//! * `instantiations`: raw measurements of concrete instantiations of types whose size depends
//!   on their arguments (`Mutex<u64>`, `Option<String>`, `Result<(), io::Error>`, ...), keyed by
//!   the type as written (lifetimes are `'static` because they must be named to measure).
//! * `wrappers`: for each generic wrapper, an observed size formula in terms of T, whether it
//!   holds for every measured instantiation, and the instantiation keys it was checked against.
//!
//! Fields: `size`/`align` = `size_of`/`align_of`; `drop` = `needs_drop`; `copy` = implements
//! `Copy` (detected by autoref specialisation); `niche` = `size_of::<Option<T>>() == size_of::<T>()`.

#![allow(deprecated)]
#![allow(dead_code)]

use std::alloc::Layout;
use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::cell::{Cell, LazyCell, OnceCell, Ref, RefCell, RefMut};
use std::cmp::{self, Reverse};
use std::collections::{btree_map, hash_map};
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, LinkedList, VecDeque};
use std::env::VarError;
use std::error::Error;
use std::ffi::{CString, OsString};
use std::fs::File;
use std::future::{Future, Pending, Ready};
use std::hash::{BuildHasherDefault, DefaultHasher, RandomState};
use std::io::{self, BufReader, BufWriter, Cursor, LineWriter, Stdin, StdinLock, Stdout};
use std::iter::{self, Enumerate, Peekable, Rev, Skip, Take, Zip};
use std::marker::{PhantomData, PhantomPinned};
use std::mem::{align_of, needs_drop, size_of, ManuallyDrop, MaybeUninit};
use std::net::{AddrParseError, IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::num::*;
use std::ops::{Bound, ControlFlow, Range, RangeFrom, RangeInclusive, RangeTo};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::rc::{self, Rc};
use std::string::FromUtf8Error;
use std::sync::atomic::*;
use std::sync::mpsc::{self, RecvError, SendError, TryRecvError, TrySendError};
use std::sync::{Arc, Barrier, Condvar, LazyLock, Mutex, MutexGuard, Once, OnceLock, RwLock};
use std::sync::{PoisonError, RwLockReadGuard, RwLockWriteGuard, TryLockError};
use std::task::{Context, Poll, RawWaker, Waker};
use std::thread::{JoinHandle, Thread};
use std::time::{Duration, Instant, SystemTime, SystemTimeError};
use std::str::Chars;
use std::{fmt, slice, str, vec};

// ---------------------------------------------------------------------------------------------
// `Copy` detection for concrete types (autoref specialisation; works because every use is in a
// non-generic context after macro expansion).

struct Probe<T: ?Sized>(PhantomData<T>);
trait ViaCopy {
    fn is_copy(&self) -> bool {
        true
    }
}
impl<T: Copy> ViaCopy for Probe<T> {}
trait ViaFallback {
    fn is_copy(&self) -> bool {
        false
    }
}
impl<T: ?Sized> ViaFallback for &Probe<T> {}

macro_rules! is_copy {
    ($t:ty) => {
        (&Probe::<$t>(PhantomData)).is_copy()
    };
}

// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
struct M {
    size: usize,
    align: usize,
    drop: bool,
    copy: bool,
    niche: bool,
}

macro_rules! m {
    ($t:ty) => {
        M {
            size: size_of::<$t>(),
            align: align_of::<$t>(),
            drop: needs_drop::<$t>(),
            copy: is_copy!($t),
            niche: size_of::<Option<$t>>() == size_of::<$t>(),
        }
    };
}

struct Wrapper {
    name: &'static str,
    formula: &'static str,
    keys: Vec<String>,
    mismatches: Vec<String>,
}

#[derive(Default)]
struct Out {
    types: Vec<(String, M)>,
    inst: Vec<(String, M)>,
    wrappers: Vec<Wrapper>,
}

impl Out {
    fn ty(&mut self, key: &str, m: M) {
        assert!(!self.types.iter().any(|(k, _)| k == key), "duplicate type key {key}");
        self.types.push((key.to_string(), m));
    }
    fn inst(&mut self, key: &str, m: M) {
        let key = normalize(key);
        if let Some((_, old)) = self.inst.iter().find(|(k, _)| *k == key) {
            assert!(*old == m, "instantiation {key} measured twice with different results");
            return;
        }
        self.inst.push((key, m));
    }
}

/// `stringify!` output, made compact and lifetime-free: `MutexGuard < 'static, u8 >` ->
/// `MutexGuard<u8>`, `&'static str` -> `&str` (lifetimes are elided as users usually write them).
fn normalize(s: &str) -> String {
    let mut out = s.split_whitespace().collect::<Vec<_>>().join(" ");
    for (a, b) in [
        ("<'static>", ""),
        ("'static, ", ""),
        ("'static ", ""),
        (" + 'static", ""),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& ", "&"),
        (":: ", "::"),
        (" ::", "::"),
    ] {
        while out.contains(a) {
            out = out.replace(a, b);
        }
    }
    out
}

fn round_up(n: usize, a: usize) -> usize {
    (n + a - 1) / a * a
}

/// A type whose size does not depend on its generic arguments: measure two instantiations,
/// abort if their size/align/niche differ, record `drop` as "some" and `copy` as "all".
macro_rules! generic {
    ($o:ident, $key:expr, $a:ty, $b:ty) => {{
        let (x, y) = (m!($a), m!($b));
        assert!(
            x.size == y.size && x.align == y.align && x.niche == y.niche,
            "{}: size depends on the type arguments ({} vs {})",
            $key,
            stringify!($a),
            stringify!($b)
        );
        $o.ty($key, M { drop: x.drop || y.drop, copy: x.copy && y.copy, ..x });
    }};
}

macro_rules! ty {
    ($o:ident, $key:expr, $t:ty) => {
        $o.ty($key, m!($t))
    };
}

macro_rules! inst {
    ($o:ident, $($t:ty),* $(,)?) => {
        $( $o.inst(stringify!($t), m!($t)); )*
    };
}

/// Measure `W<T>` for every listed T, check `formula(s, a, o)` (size of T, align of T, size of
/// Option<T>) against the measured size and record the instantiations.
macro_rules! wrapper {
    ($o:ident, $name:expr, $W:ident, $formula:expr, |$s:ident, $a:ident, $opt:ident| $f:expr, [$($t:ty),* $(,)?]) => {{
        let mut w = Wrapper { name: $name, formula: $formula, keys: vec![], mismatches: vec![] };
        $( {
            let key = normalize(&format!("{}<{}>", $name, stringify!($t)));
            let mw = m!($W<$t>);
            let ($s, $a, $opt) = (size_of::<$t>(), align_of::<$t>(), size_of::<Option<$t>>());
            let _ = ($s, $a, $opt);
            if $f != mw.size {
                w.mismatches.push(key.clone());
            }
            // the element itself, so the TypeScript side can check its formula from the table
            $o.inst(stringify!($t), m!($t));
            $o.inst(&key, mw);
            w.keys.push(key);
        } )*
        $o.wrappers.push(w);
    }};
}

// A 40-byte non-Copy, needs-drop argument used as the "other" instantiation of generic types.
type Big = (String, [u64; 2]);

fn main() {
    let mut o = Out::default();

    // ---------------- primitives
    ty!(o, "u8", u8);
    ty!(o, "u16", u16);
    ty!(o, "u32", u32);
    ty!(o, "u64", u64);
    ty!(o, "u128", u128);
    ty!(o, "usize", usize);
    ty!(o, "i8", i8);
    ty!(o, "i16", i16);
    ty!(o, "i32", i32);
    ty!(o, "i64", i64);
    ty!(o, "i128", i128);
    ty!(o, "isize", isize);
    ty!(o, "f32", f32);
    ty!(o, "f64", f64);
    ty!(o, "bool", bool);
    ty!(o, "char", char);
    ty!(o, "()", ());
    ty!(o, "Infallible", std::convert::Infallible);

    // ---------------- NonZero
    ty!(o, "NonZeroU8", NonZeroU8);
    ty!(o, "NonZeroU16", NonZeroU16);
    ty!(o, "NonZeroU32", NonZeroU32);
    ty!(o, "NonZeroU64", NonZeroU64);
    ty!(o, "NonZeroU128", NonZeroU128);
    ty!(o, "NonZeroUsize", NonZeroUsize);
    ty!(o, "NonZeroI8", NonZeroI8);
    ty!(o, "NonZeroI16", NonZeroI16);
    ty!(o, "NonZeroI32", NonZeroI32);
    ty!(o, "NonZeroI64", NonZeroI64);
    ty!(o, "NonZeroI128", NonZeroI128);
    ty!(o, "NonZeroIsize", NonZeroIsize);

    // ---------------- atomics
    ty!(o, "AtomicBool", AtomicBool);
    ty!(o, "AtomicU8", AtomicU8);
    ty!(o, "AtomicU16", AtomicU16);
    ty!(o, "AtomicU32", AtomicU32);
    ty!(o, "AtomicU64", AtomicU64);
    ty!(o, "AtomicUsize", AtomicUsize);
    ty!(o, "AtomicI8", AtomicI8);
    ty!(o, "AtomicI16", AtomicI16);
    ty!(o, "AtomicI32", AtomicI32);
    ty!(o, "AtomicI64", AtomicI64);
    ty!(o, "AtomicIsize", AtomicIsize);
    generic!(o, "AtomicPtr", AtomicPtr<u8>, AtomicPtr<Big>);
    ty!(o, "atomic::Ordering", std::sync::atomic::Ordering);

    // ---------------- smart pointers (sized T)
    generic!(o, "Box", Box<u8>, Box<Big>);
    generic!(o, "Rc", Rc<u8>, Rc<Big>);
    generic!(o, "Arc", Arc<u8>, Arc<Big>);
    generic!(o, "rc::Weak", std::rc::Weak<u8>, std::rc::Weak<Big>);
    generic!(o, "sync::Weak", std::sync::Weak<u8>, std::sync::Weak<Big>);
    generic!(o, "NonNull", std::ptr::NonNull<u8>, std::ptr::NonNull<Big>);

    // ---------------- strings, ffi, paths
    ty!(o, "String", String);
    ty!(o, "Cow<str>", Cow<'static, str>);
    ty!(o, "Cow<[u8]>", Cow<'static, [u8]>);
    ty!(o, "Cow<Path>", Cow<'static, Path>);
    ty!(o, "Cow<OsStr>", Cow<'static, std::ffi::OsStr>);
    ty!(o, "Cow<CStr>", Cow<'static, std::ffi::CStr>);
    ty!(o, "PathBuf", PathBuf);
    ty!(o, "OsString", OsString);
    ty!(o, "CString", CString);

    // ---------------- collections
    generic!(o, "Vec", Vec<u8>, Vec<Big>);
    generic!(o, "VecDeque", VecDeque<u8>, VecDeque<Big>);
    generic!(o, "HashMap", HashMap<u8, u8>, HashMap<Big, Big>);
    generic!(o, "HashSet", HashSet<u8>, HashSet<Big>);
    generic!(o, "BTreeMap", BTreeMap<u8, u8>, BTreeMap<Big, Big>);
    generic!(o, "BTreeSet", BTreeSet<u8>, BTreeSet<Big>);
    generic!(o, "BinaryHeap", BinaryHeap<u8>, BinaryHeap<Big>);
    generic!(o, "LinkedList", LinkedList<u8>, LinkedList<Big>);
    ty!(o, "TryReserveError", std::collections::TryReserveError);
    ty!(o, "DefaultHasher", DefaultHasher);
    ty!(o, "RandomState", RandomState);

    // ---------------- iterators
    generic!(o, "slice::Iter", std::slice::Iter<'static, u8>, std::slice::Iter<'static, Big>);
    generic!(o, "slice::IterMut", std::slice::IterMut<'static, u8>, std::slice::IterMut<'static, Big>);
    generic!(o, "Chunks", std::slice::Chunks<'static, u8>, std::slice::Chunks<'static, Big>);
    generic!(o, "ChunksExact", std::slice::ChunksExact<'static, u8>, std::slice::ChunksExact<'static, Big>);
    generic!(o, "Windows", std::slice::Windows<'static, u8>, std::slice::Windows<'static, Big>);
    generic!(o, "vec::IntoIter", std::vec::IntoIter<u8>, std::vec::IntoIter<Big>);
    generic!(o, "vec::Drain", std::vec::Drain<'static, u8>, std::vec::Drain<'static, Big>);
    ty!(o, "string::Drain", std::string::Drain<'static>);
    ty!(o, "Chars", std::str::Chars<'static>);
    ty!(o, "CharIndices", std::str::CharIndices<'static>);
    ty!(o, "str::Bytes", std::str::Bytes<'static>);
    ty!(o, "str::Lines", std::str::Lines<'static>);
    ty!(o, "SplitWhitespace", std::str::SplitWhitespace<'static>);
    ty!(o, "SplitAsciiWhitespace", std::str::SplitAsciiWhitespace<'static>);
    ty!(o, "EncodeUtf16", std::str::EncodeUtf16<'static>);
    ty!(o, "ToUppercase", std::char::ToUppercase);
    ty!(o, "ToLowercase", std::char::ToLowercase);
    generic!(o, "hash_map::Iter", std::collections::hash_map::Iter<'static, u8, u8>, std::collections::hash_map::Iter<'static, Big, Big>);
    generic!(o, "hash_map::IterMut", std::collections::hash_map::IterMut<'static, u8, u8>, std::collections::hash_map::IterMut<'static, Big, Big>);
    generic!(o, "hash_map::IntoIter", std::collections::hash_map::IntoIter<u8, u8>, std::collections::hash_map::IntoIter<Big, Big>);
    generic!(o, "hash_map::Keys", std::collections::hash_map::Keys<'static, u8, u8>, std::collections::hash_map::Keys<'static, Big, Big>);
    generic!(o, "hash_map::Values", std::collections::hash_map::Values<'static, u8, u8>, std::collections::hash_map::Values<'static, Big, Big>);
    generic!(o, "hash_map::Drain", std::collections::hash_map::Drain<'static, u8, u8>, std::collections::hash_map::Drain<'static, Big, Big>);
    generic!(o, "hash_set::Iter", std::collections::hash_set::Iter<'static, u8>, std::collections::hash_set::Iter<'static, Big>);
    generic!(o, "hash_set::IntoIter", std::collections::hash_set::IntoIter<u8>, std::collections::hash_set::IntoIter<Big>);
    generic!(o, "btree_map::Iter", std::collections::btree_map::Iter<'static, u8, u8>, std::collections::btree_map::Iter<'static, Big, Big>);
    generic!(o, "btree_map::IterMut", std::collections::btree_map::IterMut<'static, u8, u8>, std::collections::btree_map::IterMut<'static, Big, Big>);
    generic!(o, "btree_map::IntoIter", std::collections::btree_map::IntoIter<u8, u8>, std::collections::btree_map::IntoIter<Big, Big>);
    generic!(o, "btree_map::Keys", std::collections::btree_map::Keys<'static, u8, u8>, std::collections::btree_map::Keys<'static, Big, Big>);
    generic!(o, "btree_map::Values", std::collections::btree_map::Values<'static, u8, u8>, std::collections::btree_map::Values<'static, Big, Big>);
    generic!(o, "btree_map::Range", std::collections::btree_map::Range<'static, u8, u8>, std::collections::btree_map::Range<'static, Big, Big>);
    generic!(o, "btree_set::Iter", std::collections::btree_set::Iter<'static, u8>, std::collections::btree_set::Iter<'static, Big>);
    generic!(o, "btree_set::IntoIter", std::collections::btree_set::IntoIter<u8>, std::collections::btree_set::IntoIter<Big>);
    generic!(o, "vec_deque::Iter", std::collections::vec_deque::Iter<'static, u8>, std::collections::vec_deque::Iter<'static, Big>);
    generic!(o, "vec_deque::IntoIter", std::collections::vec_deque::IntoIter<u8>, std::collections::vec_deque::IntoIter<Big>);
    generic!(o, "vec_deque::Drain", std::collections::vec_deque::Drain<'static, u8>, std::collections::vec_deque::Drain<'static, Big>);
    generic!(o, "linked_list::Iter", std::collections::linked_list::Iter<'static, u8>, std::collections::linked_list::Iter<'static, Big>);
    generic!(o, "linked_list::IntoIter", std::collections::linked_list::IntoIter<u8>, std::collections::linked_list::IntoIter<Big>);
    generic!(o, "binary_heap::IntoIter", std::collections::binary_heap::IntoIter<u8>, std::collections::binary_heap::IntoIter<Big>);
    ty!(o, "env::Args", std::env::Args);
    ty!(o, "env::ArgsOs", std::env::ArgsOs);
    ty!(o, "env::Vars", std::env::Vars);
    ty!(o, "env::VarsOs", std::env::VarsOs);
    ty!(o, "ReadDir", std::fs::ReadDir);
    ty!(o, "Components", std::path::Components<'static>);
    ty!(o, "Ancestors", std::path::Ancestors<'static>);
    ty!(o, "RangeFull", std::ops::RangeFull);

    // ---------------- sync
    generic!(o, "MutexGuard", MutexGuard<'static, u8>, MutexGuard<'static, Big>);
    generic!(o, "RwLockReadGuard", RwLockReadGuard<'static, u8>, RwLockReadGuard<'static, Big>);
    generic!(o, "RwLockWriteGuard", RwLockWriteGuard<'static, u8>, RwLockWriteGuard<'static, Big>);
    ty!(o, "Condvar", Condvar);
    ty!(o, "WaitTimeoutResult", std::sync::WaitTimeoutResult);
    ty!(o, "Barrier", Barrier);
    ty!(o, "BarrierWaitResult", std::sync::BarrierWaitResult);
    ty!(o, "sync::Once", Once);
    generic!(o, "mpsc::Sender", mpsc::Sender<u8>, mpsc::Sender<Big>);
    generic!(o, "mpsc::SyncSender", mpsc::SyncSender<u8>, mpsc::SyncSender<Big>);
    generic!(o, "mpsc::Receiver", mpsc::Receiver<u8>, mpsc::Receiver<Big>);
    ty!(o, "RecvError", mpsc::RecvError);
    ty!(o, "TryRecvError", mpsc::TryRecvError);
    ty!(o, "RecvTimeoutError", mpsc::RecvTimeoutError);

    // ---------------- cells
    generic!(o, "Ref", Ref<'static, u8>, Ref<'static, Big>);
    generic!(o, "RefMut", RefMut<'static, u8>, RefMut<'static, Big>);
    ty!(o, "BorrowError", std::cell::BorrowError);
    ty!(o, "BorrowMutError", std::cell::BorrowMutError);

    // ---------------- threads
    generic!(o, "JoinHandle", JoinHandle<u8>, JoinHandle<Big>);
    generic!(o, "ScopedJoinHandle", std::thread::ScopedJoinHandle<'static, u8>, std::thread::ScopedJoinHandle<'static, Big>);
    ty!(o, "Thread", Thread);
    ty!(o, "ThreadId", std::thread::ThreadId);
    ty!(o, "thread::Builder", std::thread::Builder);
    ty!(o, "AccessError", std::thread::AccessError);

    // ---------------- time
    ty!(o, "Instant", Instant);
    ty!(o, "Duration", Duration);
    ty!(o, "SystemTime", SystemTime);
    ty!(o, "SystemTimeError", std::time::SystemTimeError);
    ty!(o, "TryFromFloatSecsError", std::time::TryFromFloatSecsError);

    // ---------------- io
    ty!(o, "io::Error", std::io::Error);
    ty!(o, "ErrorKind", std::io::ErrorKind);
    ty!(o, "SeekFrom", std::io::SeekFrom);
    ty!(o, "IoSlice", std::io::IoSlice<'static>);
    ty!(o, "IoSliceMut", std::io::IoSliceMut<'static>);
    ty!(o, "Stdin", std::io::Stdin);
    ty!(o, "Stdout", std::io::Stdout);
    ty!(o, "Stderr", std::io::Stderr);
    ty!(o, "StdinLock", std::io::StdinLock<'static>);
    ty!(o, "StdoutLock", std::io::StdoutLock<'static>);
    ty!(o, "StderrLock", std::io::StderrLock<'static>);
    ty!(o, "io::Empty", std::io::Empty);
    ty!(o, "io::Sink", std::io::Sink);
    ty!(o, "io::Repeat", std::io::Repeat);
    ty!(o, "BufReader<File>", BufReader<File>);
    ty!(o, "BufWriter<File>", BufWriter<File>);
    ty!(o, "LineWriter<File>", LineWriter<File>);
    ty!(o, "BufReader<TcpStream>", BufReader<TcpStream>);
    ty!(o, "BufWriter<TcpStream>", BufWriter<TcpStream>);
    ty!(o, "Cursor<Vec<u8>>", Cursor<Vec<u8>>);
    ty!(o, "Cursor<&[u8]>", Cursor<&'static [u8]>);

    // ---------------- fs
    ty!(o, "File", File);
    ty!(o, "Metadata", std::fs::Metadata);
    ty!(o, "OpenOptions", std::fs::OpenOptions);
    ty!(o, "Permissions", std::fs::Permissions);
    ty!(o, "FileType", std::fs::FileType);
    ty!(o, "FileTimes", std::fs::FileTimes);
    ty!(o, "DirEntry", std::fs::DirEntry);
    ty!(o, "DirBuilder", std::fs::DirBuilder);

    // ---------------- net
    ty!(o, "TcpStream", TcpStream);
    ty!(o, "TcpListener", TcpListener);
    ty!(o, "UdpSocket", UdpSocket);
    ty!(o, "SocketAddr", SocketAddr);
    ty!(o, "SocketAddrV4", SocketAddrV4);
    ty!(o, "SocketAddrV6", SocketAddrV6);
    ty!(o, "IpAddr", IpAddr);
    ty!(o, "Ipv4Addr", Ipv4Addr);
    ty!(o, "Ipv6Addr", Ipv6Addr);
    ty!(o, "Shutdown", Shutdown);
    ty!(o, "AddrParseError", std::net::AddrParseError);
    #[cfg(unix)]
    {
        ty!(o, "UnixStream", std::os::unix::net::UnixStream);
        ty!(o, "UnixListener", std::os::unix::net::UnixListener);
        ty!(o, "UnixDatagram", std::os::unix::net::UnixDatagram);
        ty!(o, "unix::net::SocketAddr", std::os::unix::net::SocketAddr);
        ty!(o, "OwnedFd", std::os::fd::OwnedFd);
        ty!(o, "BorrowedFd", std::os::fd::BorrowedFd<'static>);
    }

    // ---------------- process
    ty!(o, "Command", Command);
    ty!(o, "Child", Child);
    ty!(o, "ChildStdin", ChildStdin);
    ty!(o, "ChildStdout", ChildStdout);
    ty!(o, "ChildStderr", ChildStderr);
    ty!(o, "ExitStatus", ExitStatus);
    ty!(o, "ExitCode", std::process::ExitCode);
    ty!(o, "Output", Output);
    ty!(o, "Stdio", Stdio);

    // ---------------- errors
    ty!(o, "fmt::Error", std::fmt::Error);
    ty!(o, "ParseIntError", ParseIntError);
    ty!(o, "ParseFloatError", ParseFloatError);
    ty!(o, "IntErrorKind", IntErrorKind);
    ty!(o, "TryFromIntError", TryFromIntError);
    ty!(o, "ParseBoolError", std::str::ParseBoolError);
    ty!(o, "ParseCharError", std::char::ParseCharError);
    ty!(o, "CharTryFromError", std::char::CharTryFromError);
    ty!(o, "TryFromCharError", std::char::TryFromCharError);
    ty!(o, "DecodeUtf16Error", std::char::DecodeUtf16Error);
    ty!(o, "Utf8Error", std::str::Utf8Error);
    ty!(o, "FromUtf8Error", std::string::FromUtf8Error);
    ty!(o, "FromUtf16Error", std::string::FromUtf16Error);
    ty!(o, "TryFromSliceError", std::array::TryFromSliceError);
    ty!(o, "NulError", std::ffi::NulError);
    ty!(o, "FromBytesWithNulError", std::ffi::FromBytesWithNulError);
    ty!(o, "FromVecWithNulError", std::ffi::FromVecWithNulError);
    ty!(o, "IntoStringError", std::ffi::IntoStringError);
    ty!(o, "VarError", std::env::VarError);
    ty!(o, "JoinPathsError", std::env::JoinPathsError);
    ty!(o, "StripPrefixError", std::path::StripPrefixError);
    ty!(o, "LayoutError", std::alloc::LayoutError);

    // ---------------- misc
    ty!(o, "cmp::Ordering", std::cmp::Ordering);
    generic!(o, "PhantomData", PhantomData<u8>, PhantomData<Big>);
    ty!(o, "PhantomPinned", PhantomPinned);
    ty!(o, "Layout", Layout);
    ty!(o, "TypeId", TypeId);
    ty!(o, "Location", std::panic::Location<'static>);
    ty!(o, "Backtrace", std::backtrace::Backtrace);
    ty!(o, "fmt::Arguments", std::fmt::Arguments<'static>);
    ty!(o, "fmt::Alignment", std::fmt::Alignment);
    ty!(o, "FpCategory", FpCategory);

    // ---------------- task / future
    ty!(o, "Waker", Waker);
    ty!(o, "RawWaker", RawWaker);
    ty!(o, "Context", Context<'static>);
    generic!(o, "Pending", std::future::Pending<u8>, std::future::Pending<Big>);

    // =============================================================================================
    // Wrappers: size depends on T. Formula + raw instantiations.

    // Option<T> is written out by hand because its formula needs `niche(T)`, which the generic
    // `wrapper!` closure does not receive.
    {
        let mut w = Wrapper {
            name: "Option",
            formula: "niche(T) ? size(T) : round_up(size(T) + 1, align(T))",
            keys: vec![],
            mismatches: vec![],
        };
        macro_rules! opt {
            ($($t:ty),* $(,)?) => {$( {
                let key = normalize(&format!("Option<{}>", stringify!($t)));
                let (s, a) = (size_of::<$t>(), align_of::<$t>());
                let niche = size_of::<Option<$t>>() == s;
                let f = if niche { s } else { round_up(s + 1, a) };
                if f != size_of::<Option<$t>>() { w.mismatches.push(key.clone()); }
                o.inst(stringify!($t), m!($t));
                o.inst(&key, m!(Option<$t>));
                w.keys.push(key);
            } )*};
        }
        opt!(
            (), u8, u16, u32, u64, u128, usize, bool, char, f64,
            &'static u8, &'static str, &'static [u8], Box<u8>, Box<str>, Box<dyn Error>,
            Box<dyn Fn()>, Rc<u8>, Arc<u8>, fn(), String, Vec<u8>, PathBuf,
            NonZeroU32, NonZeroUsize, Option<u64>, Option<bool>, Option<Option<bool>>,
            Duration, Instant, SystemTime, cmp::Ordering, (String, u32), (u64, u8), [u8; 16],
            [u64; 4], io::Error, File, TcpStream, SocketAddr, IpAddr, HashMap<String, String>,
            JoinHandle<()>, mpsc::Sender<u8>, Waker, Cow<'static, str>, Pin<Box<dyn Future<Output = ()> + Send>>,
            MutexGuard<'static, u8>, Ref<'static, u8>,
        );
        o.wrappers.push(w);
    }

    wrapper!(o, "Poll", Poll, "niche(T) ? size(T) : round_up(size(T) + 1, align(T))  (same as Option<T>)",
        |s, a, opt| opt,
        [(), u8, u64, usize, bool, String, Vec<u8>, io::Result<usize>, io::Result<()>,
         Option<u64>, Option<String>, Result<String, io::Error>]);
    wrapper!(o, "Ready", Ready, "size(Option<T>)",
        |s, a, opt| opt,
        [(), u8, u64, String, io::Result<usize>, Box<u8>]);
    wrapper!(o, "Pin", Pin, "size(P)",
        |s, a, opt| s,
        [Box<u8>, &'static mut u8, Box<dyn Future<Output = ()>>, Box<dyn Future<Output = ()> + Send>,
         &'static mut (dyn Future<Output = ()> + Send)]);
    wrapper!(o, "Cell", Cell, "size(T)",
        |s, a, opt| s,
        [(), u8, u32, u64, bool, usize, Option<u32>, [u8; 100]]);
    wrapper!(o, "RefCell", RefCell, "round_up(size(T) + 8, max(align(T), 8))",
        |s, a, opt| round_up(s + 8, a.max(8)),
        [(), u8, u32, u64, u128, [u8; 100], String, Vec<u8>, HashMap<String, String>, Option<String>]);
    wrapper!(o, "OnceCell", OnceCell, "size(Option<T>)",
        |s, a, opt| opt,
        [u8, u64, String, Vec<u8>, [u8; 100]]);
    wrapper!(o, "Mutex", Mutex, "round_up(size(T) + 5, max(align(T), 4))  (4-byte futex + 1-byte poison flag)",
        |s, a, opt| round_up(s + 5, a.max(4)),
        [(), u8, u16, u32, u64, u128, bool, [u8; 3], [u8; 100], String, Vec<u8>, HashMap<String, String>,
         Option<String>, Box<u8>, (u64, u8)]);
    wrapper!(o, "RwLock", RwLock, "round_up(size(T) + 9, max(align(T), 4))  (2 x 4-byte futex + 1-byte poison flag)",
        |s, a, opt| round_up(s + 9, a.max(4)),
        [(), u8, u32, u64, u128, [u8; 100], String, Vec<u8>, HashMap<String, String>]);
    wrapper!(o, "OnceLock", OnceLock, "round_up(size(T) + 4, max(align(T), 4))  (4-byte Once)",
        |s, a, opt| round_up(s + 4, a.max(4)),
        [(), u8, u32, u64, String, Vec<u8>, [u8; 100], HashMap<String, String>]);
    wrapper!(o, "LazyLock", LazyLock, "round_up(round_up(max(size(T), 8), max(align(T), 8)) + 4, max(align(T), 8))  (Once + union{T, fn() -> T})",
        |s, a, opt| round_up(round_up(s.max(8), a.max(8)) + 4, a.max(8)),
        [u8, u64, String, Vec<u8>, [u8; 100], HashMap<String, String>]);
    wrapper!(o, "ManuallyDrop", ManuallyDrop, "size(T)",
        |s, a, opt| s,
        [u8, u64, String, [u8; 100]]);
    wrapper!(o, "MaybeUninit", MaybeUninit, "size(T)  (never has a niche)",
        |s, a, opt| s,
        [u8, u64, String, [u8; 100]]);
    wrapper!(o, "Reverse", Reverse, "size(T)",
        |s, a, opt| s,
        [u8, u64, String]);
    wrapper!(o, "Wrapping", Wrapping, "size(T)",
        |s, a, opt| s,
        [u8, u32, u64]);
    wrapper!(o, "Cursor", Cursor, "round_up(size(T) + 8, max(align(T), 8))  (u64 position)",
        |s, a, opt| round_up(s + 8, a.max(8)),
        [Vec<u8>, &'static [u8], &'static mut [u8], [u8; 16], String, Box<[u8]>]);
    wrapper!(o, "BufReader", BufReader, "round_up(size(R) + 40, max(align(R), 8))  (Box<[u8]> + 3 x usize)",
        |s, a, opt| round_up(s + 40, a.max(8)),
        [File, TcpStream, Stdin, &'static [u8], ChildStdout, Cursor<Vec<u8>>, Box<dyn io::Read + Send>]);
    wrapper!(o, "BufWriter", BufWriter, "round_up(size(W) + 25, max(align(W), 8))  (Vec<u8> + bool)",
        |s, a, opt| round_up(s + 25, a.max(8)),
        [File, TcpStream, Stdout, Vec<u8>, ChildStdin,
         Box<dyn io::Write + Send>]);
    wrapper!(o, "LineWriter", LineWriter, "round_up(size(W) + 25, max(align(W), 8))  (= BufWriter<W>)",
        |s, a, opt| round_up(s + 25, a.max(8)),
        [File, TcpStream, Stdout, Vec<u8>]);
    wrapper!(o, "SendError", SendError, "size(T)",
        |s, a, opt| s,
        [(), u8, u64, String, Vec<u8>, Box<u8>]);
    wrapper!(o, "PoisonError", PoisonError, "size(T)",
        |s, a, opt| s,
        [MutexGuard<'static, u8>, RwLockReadGuard<'static, u8>, RwLockWriteGuard<'static, u8>, ()]);

    // =============================================================================================
    // Other raw instantiations (for checking the analyzer's formulas).

    inst!(o,
        // arrays and tuples (user-struct-like reordering)
        [u8; 0], [u8; 1024], [u32; 3], [u64; 4], [String; 2],
        (u8, u64), (u64, u8), (u8, u8, u16), (u32, u8, u16), (String, u8), (String, String), (u8, String, u64),
        // fat pointers
        &'static str, &'static [u8], &'static mut [u8], *const [u8], &'static dyn fmt::Debug,
        &'static Path, Box<[u8]>, Box<str>, Box<dyn Error>, Box<dyn Error + Send + Sync>,
        Box<dyn Fn()>, Box<dyn Any + Send>, Rc<str>, Rc<[u8]>, Arc<str>, Arc<[u8]>,
        Arc<dyn Any + Send + Sync>, rc::Weak<str>, Pin<&'static mut dyn Future<Output = ()>>,
        Pin<Box<dyn Future<Output = ()>>>, Pin<Box<dyn Future<Output = io::Result<()>> + Send + 'static>>,
        // thin pointers
        &'static u8, &'static mut u64, *const u8, fn(), fn(u64) -> u64, Arc<Mutex<u64>>, Rc<RefCell<u64>>,
        // Result
        Result<(), ()>, Result<u8, ()>, Result<u64, u8>, Result<u32, String>, Result<(), String>,
        Result<String, String>, Result<(), io::Error>, Result<u8, io::Error>,
        Result<usize, io::Error>, Result<u64, io::Error>, Result<Vec<u8>, io::Error>,
        Result<String, io::Error>, Result<Option<String>, io::Error>,
        Result<String, Box<dyn Error>>, Result<(), Box<dyn Error + Send + Sync>>,
        Result<(), fmt::Error>, Result<u32, ParseIntError>, Result<u64, ParseIntError>,
        Result<String, FromUtf8Error>, Result<File, io::Error>,
        Result<TcpStream, io::Error>, Result<(TcpStream, SocketAddr), io::Error>,
        Result<SocketAddr, AddrParseError>, Result<String, VarError>,
        Result<u8, RecvError>, Result<String, RecvError>, Result<String, TryRecvError>,
        Result<(), SendError<String>>, Result<(), TrySendError<String>>,
        Result<MutexGuard<'static, u64>, PoisonError<MutexGuard<'static, u64>>>,
        Result<Output, io::Error>, Result<Duration, SystemTimeError>,
        // channels / sync
        SendError<String>, TrySendError<String>, TrySendError<u64>,
        TryLockError<MutexGuard<'static, u64>>, LazyLock<String>,
        LazyCell<String>, LazyCell<u64>,
        // future / task
        Ready<u64>, Pending<u64>, Poll<()>, Poll<u64>, Poll<String>,
        Poll<io::Result<usize>>, Poll<Option<u64>>, Poll<Option<io::Result<Vec<u8>>>>,
        // iterator instantiations
        Range<u8>, Range<u32>, Range<u64>, Range<usize>,
        RangeInclusive<u8>, RangeInclusive<u32>, RangeInclusive<usize>,
        RangeFrom<usize>, RangeTo<usize>, Bound<usize>,
        Enumerate<slice::Iter<'static, u8>>, Peekable<Chars<'static>>,
        Enumerate<str::Lines<'static>>, Rev<Chars<'static>>,
        Zip<slice::Iter<'static, u8>, slice::Iter<'static, u8>>,
        Skip<Chars<'static>>, Take<Chars<'static>>,
        Enumerate<vec::IntoIter<String>>, Peekable<vec::IntoIter<String>>,
        iter::Once<u8>, iter::Once<String>, iter::Empty<u8>, iter::Repeat<u8>,
        str::Split<'static, char>, str::Split<'static, &'static str>, str::SplitN<'static, char>,
        str::SplitTerminator<'static, char>, str::Matches<'static, char>,
        io::Lines<BufReader<File>>, io::Lines<StdinLock<'static>>,
        io::Bytes<File>, io::Take<File>, io::Chain<File, File>,
        hash_map::Entry<'static, String, u64>, btree_map::Entry<'static, String, u64>,
        ControlFlow<()>, ControlFlow<u64, ()>,
        BuildHasherDefault<DefaultHasher>, HashMap<String, String, BuildHasherDefault<DefaultHasher>>,
        io::IntoInnerError<BufWriter<File>>, Cow<'static, String>,
    );

    // =============================================================================================
    print_json(&o);
}

fn esc(s: &str) -> String {
    let mut r = String::with_capacity(s.len() + 2);
    r.push('"');
    for c in s.chars() {
        match c {
            '"' => r.push_str("\\\""),
            '\\' => r.push_str("\\\\"),
            c if (c as u32) < 0x20 => r.push_str(&format!("\\u{:04x}", c as u32)),
            c => r.push(c),
        }
    }
    r.push('"');
    r
}

fn mjson(m: &M) -> String {
    format!(
        "{{\"size\": {}, \"align\": {}, \"drop\": {}, \"copy\": {}, \"niche\": {}}}",
        m.size, m.align, m.drop, m.copy, m.niche
    )
}

fn print_json(o: &Out) {
    let version = std::env::args().nth(1).or_else(|| std::env::var("RUSTC_VERSION").ok());
    let mut s = String::from("{\n");
    if let Some(v) = version {
        s += &format!("  \"rustc\": {},\n", esc(v.trim()));
    }
    s += &format!("  \"target_pointer_width\": {},\n", size_of::<usize>() * 8);
    s += &format!("  \"target_arch\": {},\n", esc(std::env::consts::ARCH));
    s += &format!("  \"target_os\": {},\n", esc(std::env::consts::OS));
    let section = |name: &str, items: &[(String, M)]| {
        let body: Vec<String> = items.iter().map(|(k, m)| format!("    {}: {}", esc(k), mjson(m))).collect();
        format!("  \"{}\": {{\n{}\n  }}", name, body.join(",\n"))
    };
    s += &section("types", &o.types);
    s += ",\n";
    s += &section("instantiations", &o.inst);
    s += ",\n  \"wrappers\": {\n";
    let ws: Vec<String> = o
        .wrappers
        .iter()
        .map(|w| {
            let keys: Vec<String> = w.keys.iter().map(|k| esc(k)).collect();
            let mis: Vec<String> = w.mismatches.iter().map(|k| esc(k)).collect();
            format!(
                "    {}: {{\"formula\": {}, \"holds\": {}, \"mismatches\": [{}], \"instantiations\": [{}]}}",
                esc(w.name),
                esc(w.formula),
                w.mismatches.is_empty(),
                mis.join(", "),
                keys.join(", ")
            )
        })
        .collect();
    s += &ws.join(",\n");
    s += "\n  }\n}\n";
    print!("{s}");
}
