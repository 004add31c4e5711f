//! The attachment byte store: content-addressed by SHA-256, so the same bytes are stored once and a
//! key names exactly one content. Keys look like `sha256/ab/cd/<64 lowercase hex>` (`ab`, `cd`: the
//! first two bytes of the digest, to keep directories small); nothing else is ever accepted as a
//! key, so a key can never name a path outside the store.
//!
//! [`ObjectStore`] is the seam for other back ends (S3 later); [`LocalStore`] keeps the objects
//! under a directory. Its writes go to a temporary file in the object's own directory, are synced,
//! then renamed into place (and the directory synced), so a final name only ever holds complete
//! bytes; a crash can leave a `.tmp-*` file behind, never a partial object.

use std::fs;
use std::future::Future;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

/// What [`ObjectStore::put`] stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoredObject {
    /// `sha256/ab/cd/<hex>`.
    pub key: String,
    pub sha256: [u8; 32],
    pub size: u64,
}

impl StoredObject {
    /// The key, digest and size of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        let mut h = Hashing::default();
        h.update(bytes);
        h.finish()
    }

    /// The digest as 64 lowercase hex digits.
    pub fn sha256_hex(&self) -> String {
        hex(&self.sha256)
    }
}

/// Lowercase hex of `bytes`.
/// The digest of bytes arriving in chunks: an upload is hashed while it is received.
#[derive(Default)]
pub struct Hashing {
    sha: Sha256,
    size: u64,
}

impl Hashing {
    pub fn update(&mut self, chunk: &[u8]) {
        self.sha.update(chunk);
        self.size += chunk.len() as u64;
    }

    pub fn finish(self) -> StoredObject {
        let sha256: [u8; 32] = self.sha.finalize().into();
        StoredObject { key: key_for(&sha256), sha256, size: self.size }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0F)]));
    }
    s
}

/// The key of the object whose SHA-256 is `sha256`.
pub fn key_for(sha256: &[u8; 32]) -> String {
    let h = hex(sha256);
    format!("sha256/{}/{}/{h}", &h[0..2], &h[2..4])
}

/// The digest named by `key`, if `key` has exactly the shape [`key_for`] produces.
pub fn parse_key(key: &str) -> Option<[u8; 32]> {
    let rest = key.strip_prefix("sha256/")?;
    let (ab, rest) = rest.split_once('/')?;
    let (cd, h) = rest.split_once('/')?;
    if h.len() != 64 || ab.len() != 2 || cd.len() != 2 || !h.starts_with(ab) || h[2..].get(..2) != Some(cd) {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(h.as_bytes().chunks_exact(2)) {
        *o = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// A place to keep attachment bytes. Not object-safe (returns `impl Future`): use it as a generic
/// bound, or wrap the back ends in an enum.
pub trait ObjectStore: Send + Sync {
    /// Stores `bytes` (a no-op when they are already stored) and says under which key.
    fn put(&self, bytes: &[u8]) -> impl Future<Output = io::Result<StoredObject>> + Send;
    /// The bytes under `key`: `InvalidInput` for a malformed key, `NotFound` when absent,
    /// `InvalidData` when the stored bytes no longer match their digest.
    fn get(&self, key: &str) -> impl Future<Output = io::Result<Vec<u8>>> + Send;
    /// Whether `key` is stored (`InvalidInput` for a malformed key).
    fn exists(&self, key: &str) -> impl Future<Output = io::Result<bool>> + Send;
}

/// Objects as files under a root directory: `<root>/sha256/ab/cd/<hex>`.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// A store under `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stores `bytes`: hashed, written to a temporary file next to the final name, synced, renamed
    /// into place, directory synced. When a file of the same size is already under the key, nothing
    /// is written. Concurrent puts of the same bytes all succeed (the rename is atomic and the
    /// contents identical). The work runs on the blocking pool, and finishes (or cleans up) even
    /// if the returned future is dropped.
    pub async fn put(&self, bytes: &[u8]) -> io::Result<StoredObject> {
        let object = StoredObject::of(bytes);
        self.put_hashed(object, bytes.to_vec()).await
    }

    /// [`LocalStore::put`] for bytes whose digest the caller computed while receiving them
    /// (`StoredObject::of` or a [`Hashing`]), without copying them. Runs on the blocking pool, and
    /// finishes (or cleans up) even if the returned future is dropped.
    pub async fn put_hashed(&self, object: StoredObject, data: Vec<u8>) -> io::Result<StoredObject> {
        debug_assert_eq!(object.size, data.len() as u64);
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || put_blocking(&root, object, &data)).await.map_err(io::Error::other)?
    }

    /// The bytes under `key`, checked against their digest (`InvalidData` when they differ).
    pub async fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        let (path, sha256) = self.locate(key)?;
        tokio::task::spawn_blocking(move || {
            let data = fs::read(&path)?;
            if <[u8; 32]>::from(Sha256::digest(&data)) != sha256 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("stored object {} is corrupt", hex(&sha256)),
                ));
            }
            Ok(data)
        })
        .await
        .map_err(io::Error::other)?
    }

    /// Whether a file is stored under `key`.
    pub async fn exists(&self, key: &str) -> io::Result<bool> {
        let (path, _) = self.locate(key)?;
        match tokio::fs::metadata(&path).await {
            Ok(m) => Ok(m.is_file()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Where the object under `key` lives (whether or not it exists), for streaming downloads;
    /// `None` for a malformed key. Bytes read this way are not checked against the digest.
    pub fn path_for(&self, key: &str) -> Option<PathBuf> {
        parse_key(key).map(|sha256| object_path(&self.root, &sha256))
    }

    fn locate(&self, key: &str) -> io::Result<(PathBuf, [u8; 32])> {
        let sha256 = parse_key(key).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "object keys look like sha256/ab/cd/<64 lowercase hex digits>")
        })?;
        Ok((object_path(&self.root, &sha256), sha256))
    }
}

impl ObjectStore for LocalStore {
    fn put(&self, bytes: &[u8]) -> impl Future<Output = io::Result<StoredObject>> + Send {
        LocalStore::put(self, bytes)
    }

    fn get(&self, key: &str) -> impl Future<Output = io::Result<Vec<u8>>> + Send {
        LocalStore::get(self, key)
    }

    fn exists(&self, key: &str) -> impl Future<Output = io::Result<bool>> + Send {
        LocalStore::exists(self, key)
    }
}

/// `<root>/sha256/ab/cd/<hex>`, built from components (no `/` in a joined string).
fn object_path(root: &Path, sha256: &[u8; 32]) -> PathBuf {
    let h = hex(sha256);
    root.join("sha256").join(&h[0..2]).join(&h[2..4]).join(&h)
}

/// Makes temporary names unique within the process (the process id makes them unique across
/// processes sharing the store).
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Removes the temporary file unless disarmed (also on early return and panic).
struct TempFile(Option<PathBuf>);

impl TempFile {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = fs::remove_file(path);
        }
    }
}

fn put_blocking(root: &Path, object: StoredObject, data: &[u8]) -> io::Result<StoredObject> {
    let path = object_path(root, &object.sha256);
    match fs::metadata(&path) {
        Ok(m) if m.is_file() && m.len() == object.size => return Ok(object),
        // A short or overlong file (damaged out of band) is replaced.
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let dir = path.parent().ok_or_else(|| io::Error::other("object path has no parent"))?;
    let dir_existed = dir.is_dir();
    fs::create_dir_all(dir)?;

    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp_path = dir.join(format!(".tmp-{}-{}-{n}", &object.sha256_hex()[..16], std::process::id()));
    let mut file = fs::OpenOptions::new().write(true).create_new(true).open(&temp_path)?;
    let guard = TempFile(Some(temp_path.clone()));
    file.write_all(data)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temp_path, &path)?;
    guard.disarm();

    // Make the new directory entries durable: the object's directory, and its parents when this
    // put created them.
    sync_dir(dir)?;
    if !dir_existed {
        for parent in dir.ancestors().skip(1).take(3) {
            sync_dir(parent)?;
        }
    }
    Ok(object)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unique directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(label: &str) -> Self {
            static N: AtomicU64 = AtomicU64::new(0);
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
            let n = N.fetch_add(1, Ordering::Relaxed);
            let dir = std::env::temp_dir().join(format!("motcua-objects-{label}-{}-{nanos}-{n}", std::process::id()));
            fs::create_dir_all(&dir).expect("create temp dir");
            Self(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// Every file under `dir`, recursively.
    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let Ok(entries) = fs::read_dir(dir) else { return out };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
        out
    }

    const HELLO_HEX: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    #[tokio::test]
    async fn put_then_get_round_trips() {
        let dir = TempDir::new("roundtrip");
        let store = LocalStore::new(&dir.0);
        let o = store.put(b"hello").await.expect("put");
        assert_eq!(o.key, format!("sha256/2c/f2/{HELLO_HEX}"));
        assert_eq!(o.sha256_hex(), HELLO_HEX);
        assert_eq!(o.size, 5);
        assert_eq!(store.get(&o.key).await.expect("get"), b"hello");
        assert!(store.exists(&o.key).await.expect("exists"));
        let path = store.path_for(&o.key).expect("valid key");
        assert_eq!(path, dir.0.join("sha256").join("2c").join("f2").join(HELLO_HEX));
        assert_eq!(fs::read(&path).expect("read"), b"hello");
        assert_eq!(files_under(&dir.0), vec![path], "no temporary file left");

        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let b = store.put(&big).await.expect("put big");
        assert_ne!(b.key, o.key);
        assert_eq!(store.get(&b.key).await.expect("get big"), big);
        let empty = store.put(b"").await.expect("put empty");
        assert_eq!(store.get(&empty.key).await.expect("get empty"), b"");
    }

    #[tokio::test]
    async fn second_put_is_a_no_op() {
        let dir = TempDir::new("idempotent");
        let store = LocalStore::new(&dir.0);
        let first = store.put("giấy khai sinh".as_bytes()).await.expect("put");
        let path = store.path_for(&first.key).expect("valid key");
        let before = fs::metadata(&path).expect("stat");
        let second = store.put("giấy khai sinh".as_bytes()).await.expect("put again");
        assert_eq!(first, second);
        let after = fs::metadata(&path).expect("stat");
        assert_eq!(before.modified().expect("mtime"), after.modified().expect("mtime"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            assert_eq!(before.ino(), after.ino(), "the file was not replaced");
        }
        assert_eq!(files_under(&dir.0).len(), 1);
    }

    #[tokio::test]
    async fn missing_and_damaged_objects() {
        let dir = TempDir::new("damaged");
        let store = LocalStore::new(&dir.0);
        let key = format!("sha256/2c/f2/{HELLO_HEX}");
        assert_eq!(store.get(&key).await.map_err(|e| e.kind()), Err(io::ErrorKind::NotFound));
        assert!(!store.exists(&key).await.expect("exists"));

        let o = store.put(b"hello").await.expect("put");
        let path = store.path_for(&o.key).expect("valid key");
        fs::write(&path, b"jello").expect("damage");
        assert_eq!(store.get(&o.key).await.map_err(|e| e.kind()), Err(io::ErrorKind::InvalidData));
        // Same size: put cannot tell and keeps the file.
        store.put(b"hello").await.expect("put");
        assert_eq!(store.get(&o.key).await.map_err(|e| e.kind()), Err(io::ErrorKind::InvalidData));
        // Different size: put replaces it.
        fs::write(&path, b"hell").expect("damage");
        store.put(b"hello").await.expect("put");
        assert_eq!(store.get(&o.key).await.expect("repaired"), b"hello");
    }

    #[tokio::test]
    async fn malformed_keys_are_refused() {
        let dir = TempDir::new("keys");
        let store = LocalStore::new(&dir.0);
        store.put(b"hello").await.expect("put");
        let upper = HELLO_HEX.to_uppercase();
        let bad = [
            String::new(),
            "../etc/passwd".to_owned(),
            "/etc/passwd".to_owned(),
            format!("/sha256/2c/f2/{HELLO_HEX}"),
            format!("sha256/2c/f2/{HELLO_HEX}/"),
            format!("sha256/2c/f2/../f2/{HELLO_HEX}"),
            format!("sha256/2c/f2/{}", &HELLO_HEX[..63]),
            format!("sha256/2c/f2/{HELLO_HEX}0"),
            format!("sha256/2C/F2/{upper}"),
            format!("sha256/00/00/{HELLO_HEX}"),
            format!("sha256/2cf2/{HELLO_HEX}"),
            format!("sha256\\2c\\f2\\{HELLO_HEX}"),
            format!("sha1/2c/f2/{HELLO_HEX}"),
            format!("sha256/2c/f2/{}zz", &HELLO_HEX[..62]),
            format!("sha256/../../{}", &HELLO_HEX),
        ];
        for key in &bad {
            assert_eq!(store.get(key).await.map_err(|e| e.kind()), Err(io::ErrorKind::InvalidInput), "{key}");
            assert_eq!(store.exists(key).await.map_err(|e| e.kind()), Err(io::ErrorKind::InvalidInput), "{key}");
            assert_eq!(store.path_for(key), None, "{key}");
            assert_eq!(parse_key(key), None, "{key}");
        }
    }

    #[test]
    fn keys_round_trip() {
        let sha: [u8; 32] = Sha256::digest(b"hello").into();
        assert_eq!(hex(&sha), HELLO_HEX);
        assert_eq!(parse_key(&key_for(&sha)), Some(sha));
        let all = [0xABu8; 32];
        assert_eq!(key_for(&all), format!("sha256/ab/ab/{}", "ab".repeat(32)));
        assert_eq!(parse_key(&key_for(&all)), Some(all));
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn read_only_root_fails_and_leaves_nothing() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new("readonly");
        let ro = dir.0.join("ro");
        fs::create_dir(&ro).expect("mkdir");
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).expect("chmod");
        let probe = ro.join("probe");
        let writable = fs::write(&probe, b"").is_ok();
        let result = LocalStore::new(&ro).put(b"hello").await;
        if writable {
            // Running as root (or with CAP_DAC_OVERRIDE): permissions are not enforced.
            eprintln!("skipping the read-only assertion: the directory is writable anyway");
            let _ = fs::remove_file(&probe);
        } else {
            assert!(result.is_err(), "{result:?}");
            assert_eq!(files_under(&ro), Vec::<PathBuf>::new());
            assert_eq!(fs::read_dir(&ro).expect("list").count(), 0);
        }
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).expect("chmod back");
    }

    #[tokio::test]
    async fn unusable_root_fails_and_leaves_nothing() {
        // A root under a regular file: fails for every user, root included.
        let dir = TempDir::new("notadir");
        let file = dir.0.join("file");
        fs::write(&file, b"x").expect("write");
        let store = LocalStore::new(file.join("store"));
        assert!(store.put(b"hello").await.is_err());
        assert_eq!(files_under(&dir.0), vec![file]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_puts_of_the_same_bytes_all_succeed() {
        let dir = TempDir::new("concurrent");
        let store = std::sync::Arc::new(LocalStore::new(&dir.0));
        let data: std::sync::Arc<Vec<u8>> = std::sync::Arc::new((0..1_000_000u32).map(|i| (i % 253) as u8).collect());
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (store, data) = (store.clone(), data.clone());
                tokio::spawn(async move { store.put(&data).await })
            })
            .collect();
        let mut keys = Vec::new();
        for t in tasks {
            keys.push(t.await.expect("join").expect("put").key);
        }
        keys.dedup();
        assert_eq!(keys.len(), 1);
        assert_eq!(store.get(&keys[0]).await.expect("get"), *data);
        assert_eq!(files_under(&dir.0).len(), 1, "one object, no temporary files");
    }

    async fn through_the_trait<S: ObjectStore>(store: &S) -> io::Result<bool> {
        let o = store.put(b"qua trait").await?;
        assert_eq!(store.get(&o.key).await?, b"qua trait");
        store.exists(&o.key).await
    }

    #[tokio::test]
    async fn local_store_implements_the_trait() {
        let dir = TempDir::new("trait");
        let store = LocalStore::new(&dir.0);
        assert!(through_the_trait(&store).await.expect("trait calls"));
        // The trait's futures are Send: they can be spawned.
        let handle = tokio::spawn(async move { ObjectStore::exists(&store, "bad").await.map_err(|e| e.kind()) });
        assert_eq!(handle.await.expect("join"), Err(io::ErrorKind::InvalidInput));
    }
}
