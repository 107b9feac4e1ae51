//! 字段加密 the store's side of field encryption: which columns are sealed, with what
//! associated data, and how blind indexes are computed and searched.
//!
//! Sealed columns (AES-256-GCM or SM4-GCM, AAD = `table.column:row_id`):
//! `person.name`, `person.id_number`, `person.phone`, `person.address`, `person.note`,
//! `event.note` and `app_user.totp_secret`; and the bytes of stored files, `attachment.body`
//! ([`Vault::seal_bytes`]). Blind indexes (HMAC-SHA256 or HMAC-SM3, per key
//! version): `person.name_bidx` (normalised name) and `person.id_number_bidx` (18-character
//! number). Source of the requirement: 戒毒条例 §7 (personal data kept confidential),
//! 个人信息保护法 §51, DOMAIN.md §10.
//!
//! A [`Vault`] loaded from a key file notices when `jindu keys rotate` rewrites the file and
//! reloads it (checked at most every [`RELOAD_CHECK`]), and on meeting a key version it does
//! not hold; so a running server keeps reading and writing during a rotation.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use jindu_crypto::{Aad, CryptoError, KeyRing};
use uuid::Uuid;

/// Environment variable that may hold the key document (or a bare base64 key) instead of a file.
pub const KEY_ENV_VAR: &str = "JINDU_KEYS";

/// Whether `stored` is a sealed byte string (starts with `j1b:`), not a file kept as uploaded.
pub fn is_sealed_bytes(stored: &[u8]) -> bool {
    stored.starts_with(jindu_crypto::SEALED_BYTES_PREFIX)
}

/// How often a file-backed vault looks at the key file's modification time.
pub const RELOAD_CHECK: Duration = Duration::from_secs(5);

/// Blind-index column names (the HMAC input is prefixed with them, so equal values in
/// different columns give unrelated indexes).
const NAME_INDEX: &str = "person.name";
const ID_NUMBER_INDEX: &str = "person.id_number";

/// A problem with the keys or a sealed value. Shown to operators; never carries plaintext.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("{0}")]
    Crypto(#[from] CryptoError),
    /// A sealed value that does not open with any key in the ring (wrong key file, or tampering).
    #[error(
        "a sealed value does not decrypt ({cell}): the key file does not belong to this database, or the data was altered"
    )]
    Open { cell: String },
    /// The database's key check does not open with these keys.
    #[error(
        "the keys do not belong to this database: use the key file made when it was initialised (or the JINDU_KEYS variable)"
    )]
    WrongKeys,
}

impl VaultError {
    /// The sentence for a person (catalogue `msg.store.vault.*`); a key-file problem keeps the
    /// key crate's own bilingual sentence as the parameter `cause`.
    pub fn message(&self) -> jindu_domain::message::Message {
        use jindu_domain::message::Message;
        match self {
            VaultError::Crypto(e) => Message::new("msg.store.vault.crypto").text("cause", e),
            VaultError::Open { cell } => Message::new("msg.store.vault.open").text("cell", cell),
            VaultError::WrongKeys => Message::new("msg.store.vault.wrong_keys"),
        }
    }
}

struct Source {
    path: PathBuf,
    modified: Option<SystemTime>,
    checked: Instant,
}

struct Inner {
    ring: RwLock<Arc<KeyRing>>,
    /// The key file, when the ring came from one (rotation reloads it); `None` for a ring
    /// from the environment or built in memory.
    source: Option<Mutex<Source>>,
    /// Benchmarks only: store plaintext (see [`Vault::unencrypted_for_bench`]).
    plaintext: bool,
}

/// The key ring as the store uses it. Cheap to clone (an `Arc`).
#[derive(Clone)]
pub struct Vault {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("ring", &self.ring()).field("plaintext", &self.inner.plaintext).finish()
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl Vault {
    /// A vault over a ring held in memory (from the environment, or a test's ring).
    pub fn new(ring: KeyRing) -> Vault {
        Vault { inner: Arc::new(Inner { ring: RwLock::new(Arc::new(ring)), source: None, plaintext: false }) }
    }

    /// A vault over a key file, reloaded when the file changes.
    ///
    /// # Errors
    /// The errors of [`KeyRing::read_key_file`].
    pub fn from_file(path: &Path) -> Result<Vault, VaultError> {
        let ring = KeyRing::read_key_file(path)?;
        let source = Source { path: path.to_path_buf(), modified: modified(path), checked: Instant::now() };
        Ok(Vault {
            inner: Arc::new(Inner {
                ring: RwLock::new(Arc::new(ring)),
                source: Some(Mutex::new(source)),
                plaintext: false,
            }),
        })
    }

    /// Loads the keys the way the server and CLI do: from [`KEY_ENV_VAR`] when it is set and
    /// not blank, otherwise from `key_file`.
    ///
    /// # Errors
    /// The errors of [`KeyRing::load`].
    pub fn load(key_file: &Path) -> Result<Vault, VaultError> {
        if std::env::var_os(KEY_ENV_VAR).is_some_and(|v| v.to_str().is_none_or(|s| !s.trim().is_empty())) {
            return Ok(Vault::new(KeyRing::from_env(KEY_ENV_VAR)?));
        }
        Vault::from_file(key_file)
    }

    /// Benchmarks only (`jindu bench pages --no-encryption`): values are stored as typed and
    /// read back as stored, so the cost of encryption can be measured as a ratio. Blind
    /// indexes are still computed (search needs them). Never used by `serve` or `demo`.
    #[doc(hidden)]
    pub fn unencrypted_for_bench(ring: KeyRing) -> Vault {
        Vault { inner: Arc::new(Inner { ring: RwLock::new(Arc::new(ring)), source: None, plaintext: true }) }
    }

    /// The key file this vault reloads from, if any.
    pub fn key_file(&self) -> Option<PathBuf> {
        self.inner.source.as_ref().and_then(|s| s.lock().ok().map(|s| s.path.clone()))
    }

    /// The current ring (after a reload check when file-backed).
    pub fn ring(&self) -> Arc<KeyRing> {
        self.maybe_reload(false);
        self.current()
    }

    fn current(&self) -> Arc<KeyRing> {
        match self.inner.ring.read() {
            Ok(r) => Arc::clone(&r),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Re-reads the key file if it changed (or, with `force`, whenever it exists). A failed
    /// read keeps the ring in use and is logged.
    fn maybe_reload(&self, force: bool) {
        let Some(source) = &self.inner.source else { return };
        let Ok(mut s) = source.lock() else { return };
        if !force && s.checked.elapsed() < RELOAD_CHECK {
            return;
        }
        s.checked = Instant::now();
        let now = modified(&s.path);
        if !force && now == s.modified {
            return;
        }
        match KeyRing::read_key_file(&s.path) {
            Ok(ring) => {
                s.modified = now;
                match self.inner.ring.write() {
                    Ok(mut r) => *r = Arc::new(ring),
                    Err(poisoned) => *poisoned.into_inner() = Arc::new(ring),
                }
            }
            Err(e) => tracing::warn!("key file reload failed, keeping the loaded keys: {e}"),
        }
    }

    /// Encrypts `value` for the cell `table.column` of row `row`.
    ///
    /// # Errors
    /// [`VaultError::Crypto`] (OS random generator failure; not expected).
    pub fn seal(&self, table: &str, column: &str, row: &str, value: &str) -> Result<String, VaultError> {
        if self.inner.plaintext {
            return Ok(value.to_string());
        }
        Ok(self.ring().encrypt(&Aad::new(table, column, row), value)?)
    }

    /// [`seal`](Vault::seal) for a row keyed by a UUID and an optional value.
    ///
    /// # Errors
    /// As [`seal`](Vault::seal).
    pub fn seal_opt(
        &self,
        table: &str,
        column: &str,
        row: Uuid,
        value: Option<&str>,
    ) -> Result<Option<String>, VaultError> {
        value.map(|v| self.seal(table, column, &row.to_string(), v)).transpose()
    }

    /// Decrypts the stored value of cell `table.column` of row `row`. Meeting a key version the
    /// ring lacks reloads the key file once (a rotation in progress).
    ///
    /// # Errors
    /// [`VaultError::Open`] when the value does not decrypt (wrong key, moved or altered value,
    /// or a plaintext value never sealed).
    pub fn open(&self, table: &str, column: &str, row: &str, stored: &str) -> Result<String, VaultError> {
        if self.inner.plaintext {
            return Ok(stored.to_string());
        }
        let aad = Aad::new(table, column, row);
        let first = self.ring().decrypt(&aad, stored);
        let result = match first {
            Err(CryptoError::UnknownKeyVersion(_)) if self.inner.source.is_some() => {
                self.maybe_reload(true);
                self.current().decrypt(&aad, stored)
            }
            other => other,
        };
        result.map_err(|e| {
            tracing::error!("sealed value {table}.{column}:{row} does not open: {e}");
            VaultError::Open { cell: format!("{table}.{column}") }
        })
    }

    /// Whether `stored` opens to `expected` in that cell: a check that logs nothing (the key
    /// check at start-up, whose failure the caller explains in a sentence).
    pub fn opens_to(&self, table: &str, column: &str, row: &str, stored: &str, expected: &str) -> bool {
        if self.inner.plaintext {
            return stored == expected;
        }
        self.ring().decrypt(&Aad::new(table, column, row), stored).is_ok_and(|t| t == expected)
    }

    /// [`open`](Vault::open) for a row keyed by a UUID and an optional value.
    ///
    /// # Errors
    /// As [`open`](Vault::open).
    pub fn open_opt(
        &self,
        table: &str,
        column: &str,
        row: Uuid,
        stored: Option<&str>,
    ) -> Result<Option<String>, VaultError> {
        stored.map(|v| self.open(table, column, &row.to_string(), v)).transpose()
    }

    /// Seals a stored file's bytes for the cell `table.column` of row `row` (the attachments'
    /// scans and photos; issue #20 item 5): [`KeyRing::encrypt_bytes`] under the active key,
    /// `j1b:<alg>:<version>:` then nonce, ciphertext and tag.
    ///
    /// # Errors
    /// [`VaultError::Crypto`] (OS random generator failure; not expected).
    pub fn seal_bytes(&self, table: &str, column: &str, row: &str, bytes: &[u8]) -> Result<Vec<u8>, VaultError> {
        if self.inner.plaintext {
            return Ok(bytes.to_vec());
        }
        Ok(self.ring().encrypt_bytes(&Aad::new(table, column, row), bytes)?)
    }

    /// [`seal_bytes`](Vault::seal_bytes) in the file's own buffer, without a second copy (an
    /// import of up to 32 MB kept for its commit).
    ///
    /// # Errors
    /// [`VaultError::Crypto`] (OS random generator failure; not expected).
    pub fn seal_bytes_owned(
        &self,
        table: &str,
        column: &str,
        row: &str,
        bytes: Vec<u8>,
    ) -> Result<Vec<u8>, VaultError> {
        if self.inner.plaintext {
            return Ok(bytes);
        }
        Ok(self.ring().encrypt_bytes_owned(&Aad::new(table, column, row), bytes)?)
    }

    /// The bytes of a stored file: opens a value made by [`seal_bytes`](Vault::seal_bytes), and
    /// gives a value that does not start with [`jindu_crypto::SEALED_BYTES_PREFIX`] as it is —
    /// a file stored before files were sealed (a PDF, PNG or JPEG never starts with `j1b:`),
    /// which `jindu keys rotate` seals. Meeting a key version the ring lacks reloads the key file
    /// once (a rotation in progress).
    ///
    /// # Errors
    /// [`VaultError::Open`] when a sealed value does not open (wrong key, moved or altered).
    pub fn open_bytes(&self, table: &str, column: &str, row: &str, stored: Vec<u8>) -> Result<Vec<u8>, VaultError> {
        if !is_sealed_bytes(&stored) {
            return Ok(stored);
        }
        let aad = Aad::new(table, column, row);
        // In the stored value's own buffer (no second copy of a large file); a key version the
        // ring lacks is found before anything is decrypted, so the value is still whole then.
        let version = jindu_crypto::stored_bytes_key_version(&stored).ok().map(|(_, v)| v);
        let result = match version {
            Some(v) if !self.ring().versions().contains(&v) && self.inner.source.is_some() => {
                self.maybe_reload(true);
                self.current().decrypt_bytes_owned(&aad, stored)
            }
            _ => self.ring().decrypt_bytes_owned(&aad, stored),
        };
        result.map_err(|e| {
            tracing::error!("sealed file {table}.{column}:{row} does not open: {e}");
            VaultError::Open { cell: format!("{table}.{column}") }
        })
    }

    /// The first bytes of a file sealed now (`j1b:<alg>:<active version>:`): a stored file that
    /// does not start with them needs re-sealing by a rotation (or was never sealed).
    pub fn current_bytes_header(&self) -> Vec<u8> {
        self.ring().current_bytes_header()
    }

    /// Whether a stored value should be re-encrypted by a rotation (older key version, other
    /// algorithm, or plaintext left from before encryption).
    pub fn needs_rotation(&self, stored: &str) -> bool {
        !self.inner.plaintext && self.ring().needs_rotation(stored)
    }

    /// Blind index of a person's name under the active key (normalised with
    /// [`jindu_crypto::normalize_name`]: 张 三 = 张三).
    pub fn name_index(&self, name: &str) -> String {
        self.ring().blind_index(NAME_INDEX, &jindu_crypto::normalize_name(name))
    }

    /// Blind indexes of a name under every key version, for `name_bidx IN (…)`.
    pub fn name_search(&self, name: &str) -> Vec<String> {
        self.ring().blind_indexes_for_search(NAME_INDEX, &jindu_crypto::normalize_name(name))
    }

    /// Blind index of a normalised 18-character ID number under the active key.
    pub fn id_number_index(&self, id_number: &str) -> String {
        self.ring().blind_index(ID_NUMBER_INDEX, &jindu_crypto::normalize_id_number(id_number))
    }

    /// Blind indexes of an ID number under every key version, for `id_number_bidx IN (…)`.
    pub fn id_number_search(&self, id_number: &str) -> Vec<String> {
        self.ring().blind_indexes_for_search(ID_NUMBER_INDEX, &jindu_crypto::normalize_id_number(id_number))
    }
}

impl Vault {
    /// The keyed tag sealing the audit log (see [`KeyRing::audit_tag`]): the key version and 64 hex
    /// characters. The key never leaves the key file, so someone with only database access cannot
    /// make a seal.
    ///
    /// # Errors
    /// [`VaultError::Crypto`] (key derivation; not expected).
    pub fn audit_tag(&self, message: &[u8]) -> Result<(u32, String), VaultError> {
        Ok(self.ring().audit_tag(message)?)
    }

    /// The key version [`audit_tag`](Vault::audit_tag) signs with now (the active one).
    pub fn audit_key_version(&self) -> u32 {
        self.ring().active_version()
    }

    /// Whether `tag` is the audit seal of `message` under key `version`. Meeting a version the ring
    /// lacks reloads the key file once (a rotation in progress).
    ///
    /// # Errors
    /// [`VaultError::Crypto`] with `UnknownKeyVersion` when the ring no longer holds `version`.
    pub fn audit_tag_matches(&self, version: u32, message: &[u8], tag: &str) -> Result<bool, VaultError> {
        match self.ring().audit_tag_matches(version, message, tag) {
            Err(CryptoError::UnknownKeyVersion(_)) if self.inner.source.is_some() => {
                self.maybe_reload(true);
                Ok(self.current().audit_tag_matches(version, message, tag)?)
            }
            other => Ok(other?),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use jindu_crypto::Algorithm;

    #[test]
    fn sealed_values_open_only_in_their_own_cell() {
        let v = Vault::new(KeyRing::generate(Algorithm::Aes256Gcm).unwrap());
        let id = Uuid::now_v7();
        let s = v.seal("person", "name", &id.to_string(), "张三明").unwrap();
        assert!(!s.contains("张三明"));
        assert_eq!(v.open("person", "name", &id.to_string(), &s).unwrap(), "张三明");
        assert!(matches!(v.open("person", "address", &id.to_string(), &s), Err(VaultError::Open { .. })));
        assert!(v.open("person", "name", &Uuid::now_v7().to_string(), &s).is_err());
        assert!(v.open("person", "name", &id.to_string(), "张三明").is_err(), "plaintext never opens");
    }

    #[test]
    fn name_index_ignores_spacing_and_full_width() {
        let v = Vault::new(KeyRing::generate(Algorithm::Sm4Gcm).unwrap());
        assert_eq!(v.name_index("张 三"), v.name_index("张三"));
        assert_ne!(v.name_index("张三"), v.name_index("张四"));
        assert_eq!(v.id_number_index("11010519491231002x"), v.id_number_index("11010519491231002X"));
        assert_eq!(v.name_search("张三")[0], v.name_index("张三"));
    }

    #[test]
    fn a_file_backed_vault_follows_a_rotation() {
        let dir = std::env::temp_dir().join(format!("jindu-vault-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.json");
        let mut ring = KeyRing::generate(Algorithm::Aes256Gcm).unwrap();
        ring.write_key_file(&path, false).unwrap();
        let server = Vault::from_file(&path).unwrap();
        ring.rotate().unwrap();
        ring.write_key_file(&path, true).unwrap();
        let rotated = Vault::new(ring);
        let s = rotated.seal("event", "note", "r1", "复吸").unwrap();
        assert!(s.starts_with("j1:aes-256-gcm:2:"));
        // The server still holds version 1 only; it reloads on meeting version 2.
        assert_eq!(server.open("event", "note", "r1", &s).unwrap(), "复吸");
        assert_eq!(server.ring().active_version(), 2);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
