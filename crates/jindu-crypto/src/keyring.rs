//! Master keys, the key ring, key files, field encryption and blind indexes.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use aes_gcm::aead::array::Array;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, AeadInOut, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, AesGcm};
use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, general_purpose::URL_SAFE_NO_PAD};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::TryRngCore;
use rand::rngs::OsRng;
use serde::Deserialize;
use sha2::Sha256;
use sm3::Sm3;
use sm4::Sm4;
use zeroize::{Zeroize, Zeroizing};

use crate::{Aad, Algorithm, CryptoError};

/// SM4 in GCM mode with a 96-bit nonce and 128-bit tag (RFC 8998 / GB/T
/// 36624). `AesGcm` is the RustCrypto GCM construction; it is generic over any
/// 128-bit block cipher, and SM4 has a 128-bit block, so this is exactly
/// SM4-GCM. A known-answer test against RFC 8998 appendix A.1 is in this
/// module's tests.
type Sm4Gcm = AesGcm<Sm4, U12>;

/// Length of a master key in bytes.
const MASTER_KEY_LEN: usize = 32;
/// GCM nonce length in bytes (96 bits).
const NONCE_LEN: usize = 12;
/// GCM tag length in bytes (128 bits).
const TAG_LEN: usize = 16;
/// Blind index length in bytes (truncated HMAC output).
const BLIND_INDEX_LEN: usize = 16;
/// Prefix of every stored ciphertext (format version 1).
const CIPHERTEXT_PREFIX: &str = "j1";
/// First bytes of a sealed byte string ([`KeyRing::encrypt_bytes`]).
pub const SEALED_BYTES_PREFIX: &[u8] = b"j1b:";
/// HKDF info for the field-encryption subkey.
const INFO_ENC: &[u8] = b"jindu enc v1";
/// HKDF info for the blind-index subkey.
const INFO_BIDX: &[u8] = b"jindu bidx v1";
/// HKDF info for the audit-seal subkey.
const INFO_AUDIT: &[u8] = b"jindu audit v1";
/// Value of the `format` member of a key document.
const KEY_FILE_FORMAT: &str = "jindu-keyring";

/// Base64 (standard alphabet) that accepts input with or without padding.
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
/// Base64url that accepts input with or without padding.
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Fills `buf` from the operating system's random number generator.
fn os_random(buf: &mut [u8]) -> Result<(), CryptoError> {
    OsRng.try_fill_bytes(buf).map_err(|e| CryptoError::Random(e.to_string()))
}

/// A 32-byte master key (one key version of a [`KeyRing`]).
///
/// The bytes are overwritten with zeros when the value is dropped. `Debug`
/// prints `MasterKey(<redacted>)`. Subkeys for encryption and blind indexes
/// are derived from it with HKDF; the master key itself is never used
/// directly.
#[derive(Clone)]
pub struct MasterKey {
    bytes: [u8; MASTER_KEY_LEN],
}

impl MasterKey {
    /// Length of a master key in bytes (32).
    pub const LEN: usize = MASTER_KEY_LEN;

    /// Generates a new key from the operating system's random number
    /// generator (`getrandom`).
    ///
    /// # Errors
    /// [`CryptoError::Random`] if the OS generator fails.
    pub fn generate() -> Result<MasterKey, CryptoError> {
        let mut bytes = [0u8; MASTER_KEY_LEN];
        os_random(&mut bytes)?;
        Ok(MasterKey { bytes })
    }

    /// Wraps existing key bytes. The caller's copy of `bytes` is not
    /// zeroized; do that yourself if it matters.
    pub fn from_bytes(bytes: [u8; MASTER_KEY_LEN]) -> MasterKey {
        MasterKey { bytes }
    }

    /// Decodes a base64 (standard or url-safe alphabet, padding optional)
    /// string that must hold exactly 32 bytes.
    fn from_base64(text: &str) -> Option<MasterKey> {
        let text = text.trim();
        let decoded = Zeroizing::new(STANDARD_LENIENT.decode(text).or_else(|_| URL_SAFE_LENIENT.decode(text)).ok()?);
        let bytes: [u8; MASTER_KEY_LEN] = decoded.as_slice().try_into().ok()?;
        Some(MasterKey { bytes })
    }

    /// Standard base64 with padding (44 characters).
    fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.bytes))
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

/// Keyed AEAD instance for one (algorithm, key version).
#[derive(Clone)]
enum FieldCipher {
    Aes(Box<Aes256Gcm>),
    Sm4(Box<Sm4Gcm>),
}

impl FieldCipher {
    fn encrypt(&self, nonce: [u8; NONCE_LEN], payload: Payload<'_, '_>) -> Option<Vec<u8>> {
        let nonce = Array::from(nonce);
        match self {
            FieldCipher::Aes(c) => c.encrypt(&nonce, payload).ok(),
            FieldCipher::Sm4(c) => c.encrypt(&nonce, payload).ok(),
        }
    }

    /// Encrypts `buffer` in place; the tag, or `None` (message too long for the cipher).
    fn encrypt_in_place(&self, nonce: [u8; NONCE_LEN], aad: &[u8], buffer: &mut [u8]) -> Option<[u8; TAG_LEN]> {
        let nonce = Array::from(nonce);
        let tag = match self {
            FieldCipher::Aes(c) => c.encrypt_inout_detached(&nonce, aad, buffer.into()).ok()?,
            FieldCipher::Sm4(c) => c.encrypt_inout_detached(&nonce, aad, buffer.into()).ok()?,
        };
        tag.as_slice().try_into().ok()
    }

    /// Decrypts `buffer` in place against `tag`; false on a wrong key, AAD, tag or altered bytes
    /// (`buffer` then holds garbage the caller discards).
    fn decrypt_in_place(&self, nonce: [u8; NONCE_LEN], aad: &[u8], buffer: &mut [u8], tag: [u8; TAG_LEN]) -> bool {
        let nonce = Array::from(nonce);
        let tag = Array::from(tag);
        match self {
            FieldCipher::Aes(c) => c.decrypt_inout_detached(&nonce, aad, buffer.into(), &tag).is_ok(),
            FieldCipher::Sm4(c) => c.decrypt_inout_detached(&nonce, aad, buffer.into(), &tag).is_ok(),
        }
    }

    fn decrypt(&self, nonce: [u8; NONCE_LEN], payload: Payload<'_, '_>) -> Option<Vec<u8>> {
        let nonce = Array::from(nonce);
        match self {
            FieldCipher::Aes(c) => c.decrypt(&nonce, payload).ok(),
            FieldCipher::Sm4(c) => c.decrypt(&nonce, payload).ok(),
        }
    }
}

/// Keyed HMAC state for blind indexes of one (algorithm, key version).
#[derive(Clone)]
enum IndexMac {
    Sha256(Hmac<Sha256>),
    Sm3(Hmac<Sm3>),
}

impl IndexMac {
    /// First 16 bytes of HMAC(key, column || 0x00 || value).
    fn tag(&self, column: &str, value: &str) -> [u8; BLIND_INDEX_LEN] {
        fn run<M: Mac + Clone>(m: &M, column: &str, value: &str) -> [u8; BLIND_INDEX_LEN] {
            let mut m = m.clone();
            m.update(column.as_bytes());
            m.update(&[0]);
            m.update(value.as_bytes());
            let full = m.finalize().into_bytes();
            let mut out = [0u8; BLIND_INDEX_LEN];
            for (d, s) in out.iter_mut().zip(full.iter()) {
                *d = *s;
            }
            out
        }
        match self {
            IndexMac::Sha256(m) => run(m, column, value),
            IndexMac::Sm3(m) => run(m, column, value),
        }
    }
}

/// Subkeys derived from one master key for one algorithm.
#[derive(Clone)]
struct Derived {
    cipher: FieldCipher,
    index: IndexMac,
}

impl Derived {
    /// HKDF (SHA-256 for AES, SM3 for SM4; no salt, the master key is
    /// uniformly random) with info `"jindu enc v1"` → encryption key (32
    /// bytes for AES-256, 16 for SM4) and info `"jindu bidx v1"` → 32-byte
    /// HMAC key. The two subkeys are independent.
    fn new(algorithm: Algorithm, master: &MasterKey) -> Result<Derived, CryptoError> {
        let mut enc = Zeroizing::new([0u8; 32]);
        let mut idx = Zeroizing::new([0u8; 32]);
        match algorithm {
            Algorithm::Aes256Gcm => {
                let hk = Hkdf::<Sha256>::new(None, &master.bytes);
                hk.expand(INFO_ENC, &mut enc[..]).map_err(|_| CryptoError::KeyDerivation)?;
                hk.expand(INFO_BIDX, &mut idx[..]).map_err(|_| CryptoError::KeyDerivation)?;
                let cipher = Aes256Gcm::new_from_slice(&enc[..]).map_err(|_| CryptoError::KeyDerivation)?;
                let mac =
                    <Hmac<Sha256> as KeyInit>::new_from_slice(&idx[..]).map_err(|_| CryptoError::KeyDerivation)?;
                Ok(Derived { cipher: FieldCipher::Aes(Box::new(cipher)), index: IndexMac::Sha256(mac) })
            }
            Algorithm::Sm4Gcm => {
                let hk = Hkdf::<Sm3>::new(None, &master.bytes);
                hk.expand(INFO_ENC, &mut enc[..16]).map_err(|_| CryptoError::KeyDerivation)?;
                hk.expand(INFO_BIDX, &mut idx[..]).map_err(|_| CryptoError::KeyDerivation)?;
                let cipher = Sm4Gcm::new_from_slice(&enc[..16]).map_err(|_| CryptoError::KeyDerivation)?;
                let mac = <Hmac<Sm3> as KeyInit>::new_from_slice(&idx[..]).map_err(|_| CryptoError::KeyDerivation)?;
                Ok(Derived { cipher: FieldCipher::Sm4(Box::new(cipher)), index: IndexMac::Sm3(mac) })
            }
        }
    }
}

/// One key version: its number, master key and derived subkeys.
#[derive(Clone)]
struct VersionEntry {
    version: u32,
    master: MasterKey,
    derived: Derived,
}

impl VersionEntry {
    fn new(algorithm: Algorithm, version: u32, master: MasterKey) -> Result<Self, CryptoError> {
        let derived = Derived::new(algorithm, &master)?;
        Ok(VersionEntry { version, master, derived })
    }

    fn blind_index(&self, column: &str, value: &str) -> String {
        let tag = self.derived.index.tag(column, value);
        format!("b{}:{}", self.version, URL_SAFE_NO_PAD.encode(tag))
    }
}

/// HMAC of `message` with the audit subkey of `master` (32 bytes for both hashes).
fn audit_mac(algorithm: Algorithm, master: &MasterKey, message: &[u8]) -> Result<[u8; 32], CryptoError> {
    let mut key = Zeroizing::new([0u8; 32]);
    let mut out = [0u8; 32];
    match algorithm {
        Algorithm::Aes256Gcm => {
            Hkdf::<Sha256>::new(None, &master.bytes)
                .expand(INFO_AUDIT, &mut key[..])
                .map_err(|_| CryptoError::KeyDerivation)?;
            let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(&key[..]).map_err(|_| CryptoError::KeyDerivation)?;
            m.update(message);
            out.copy_from_slice(&m.finalize().into_bytes());
        }
        Algorithm::Sm4Gcm => {
            Hkdf::<Sm3>::new(None, &master.bytes)
                .expand(INFO_AUDIT, &mut key[..])
                .map_err(|_| CryptoError::KeyDerivation)?;
            let mut m = <Hmac<Sm3> as KeyInit>::new_from_slice(&key[..]).map_err(|_| CryptoError::KeyDerivation)?;
            m.update(message);
            out.copy_from_slice(&m.finalize().into_bytes());
        }
    }
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|p| {
            let d = |c: u8| char::from(c).to_digit(16);
            u8::try_from(d(*p.first()?)? * 16 + d(*p.get(1)?)?).ok()
        })
        .collect()
}

/// The parsed header of a stored ciphertext.
struct Parsed<'a> {
    algorithm: Algorithm,
    version: u32,
    body: &'a str,
}

/// Parses a decimal key version: ASCII digits, no sign, no leading zero,
/// 1..=u32::MAX.
fn parse_version(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.starts_with('0') {
        return None;
    }
    s.parse::<u32>().ok()
}

fn parse_header(stored: &str) -> Result<Parsed<'_>, CryptoError> {
    let mut parts = stored.splitn(4, ':');
    if parts.next() != Some(CIPHERTEXT_PREFIX) {
        return Err(CryptoError::Malformed("missing j1 prefix"));
    }
    let algorithm = parts
        .next()
        .and_then(|c| Algorithm::from_code(c).ok())
        .ok_or(CryptoError::Malformed("unknown algorithm code"))?;
    let version = parts.next().and_then(parse_version).ok_or(CryptoError::Malformed("bad key version"))?;
    let body = parts.next().ok_or(CryptoError::Malformed("missing payload"))?;
    Ok(Parsed { algorithm, version, body })
}

/// Splits a sealed byte string into (algorithm, key version, nonce ‖ ciphertext ‖ tag).
fn parse_bytes_header(stored: &[u8]) -> Result<(Algorithm, u32, &[u8]), CryptoError> {
    let rest = stored.strip_prefix(SEALED_BYTES_PREFIX).ok_or(CryptoError::Malformed("missing j1b prefix"))?;
    let mut fields = Vec::with_capacity(2);
    let mut at = 0;
    for _ in 0..2 {
        // Header fields are short ASCII; a colon within the first 32 bytes ends each.
        let window = rest.get(at..).unwrap_or_default();
        let end = window.iter().take(32).position(|b| *b == b':').ok_or(CryptoError::Malformed("bad j1b header"))?;
        let text = std::str::from_utf8(&window[..end]).map_err(|_| CryptoError::Malformed("bad j1b header"))?;
        fields.push(text);
        at += end + 1;
    }
    let algorithm = Algorithm::from_code(fields[0]).map_err(|_| CryptoError::Malformed("unknown algorithm code"))?;
    let version = parse_version(fields[1]).ok_or(CryptoError::Malformed("bad key version"))?;
    Ok((algorithm, version, rest.get(at..).unwrap_or_default()))
}

/// Reads the algorithm and key version from a stored ciphertext without
/// decrypting it (e.g. for rotation progress reports).
///
/// # Errors
/// [`CryptoError::Malformed`] if `stored` does not start with
/// `j1:<known alg>:<version>:`.
pub fn stored_key_version(stored: &str) -> Result<(Algorithm, u32), CryptoError> {
    let p = parse_header(stored)?;
    Ok((p.algorithm, p.version))
}

/// Reads the algorithm and key version of a sealed byte string (`j1b:<alg>:<version>:`) without
/// decrypting it.
///
/// # Errors
/// [`CryptoError::Malformed`] if `stored` does not start with `j1b:<known alg>:<version>:`.
pub fn stored_bytes_key_version(stored: &[u8]) -> Result<(Algorithm, u32), CryptoError> {
    let (algorithm, version, _) = parse_bytes_header(stored)?;
    Ok((algorithm, version))
}

/// Reads the key version from a blind index produced by
/// [`KeyRing::blind_index`] (`b<version>:...`); `None` if it is not one.
pub fn blind_index_version(index: &str) -> Option<u32> {
    let rest = index.strip_prefix('b')?;
    let (version, tag) = rest.split_once(':')?;
    if tag.is_empty() {
        return None;
    }
    parse_version(version)
}

/// Checks that a key file is not accessible to group or others (unix mode
/// `& 0o077 == 0`). Always `Ok` on non-unix platforms. Meant for a warning
/// in `jindu` start-up / `jindu doctor`; loading does not enforce it.
///
/// # Errors
/// [`CryptoError::KeyFileNotFound`], [`CryptoError::Io`], or
/// [`CryptoError::InsecurePermissions`] with the actual mode.
pub fn check_key_file_permissions(path: &Path) -> Result<(), CryptoError> {
    let meta = fs::metadata(path).map_err(|e| io_error(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(CryptoError::InsecurePermissions { path: path.to_path_buf(), mode });
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    Ok(())
}

fn io_error(path: &Path, e: std::io::Error) -> CryptoError {
    match e.kind() {
        std::io::ErrorKind::NotFound => CryptoError::KeyFileNotFound { path: path.to_path_buf() },
        std::io::ErrorKind::AlreadyExists => CryptoError::KeyFileExists { path: path.to_path_buf() },
        _ => CryptoError::Io { path: path.to_path_buf(), source: e },
    }
}

/// Describes a serde_json error by category and position only, so that no
/// part of a (secret) key document ends up in an error message or log.
fn describe_json_error(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "JSON syntax error",
        serde_json::error::Category::Data => "missing, unknown or mistyped member",
        serde_json::error::Category::Eof => "unexpected end of JSON",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

/// On-disk shape of a key document.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFileDoc {
    #[serde(default)]
    format: Option<String>,
    algorithm: String,
    active: u32,
    keys: BTreeMap<u32, Zeroizing<String>>,
}

/// A versioned set of master keys plus the algorithm they are used with.
///
/// * New values are encrypted with the **active** version; every version in
///   the ring can decrypt. [`rotate`](KeyRing::rotate) adds a version and
///   makes it active; [`needs_rotation`](KeyRing::needs_rotation) tells a
///   batch job (`jindu keys rotate`) which stored values to re-encrypt, and
///   [`retire_version`](KeyRing::retire_version) removes a version once
///   nothing uses it any more.
/// * Per version, HKDF derives an encryption key and an independent
///   blind-index key (see [`Algorithm`] for the hash used).
/// * Persisted as a small JSON document (see
///   [`to_key_file_string`](KeyRing::to_key_file_string)) in a mode-0600 key
///   file or an environment variable.
///
/// `Debug` prints the algorithm and version numbers only. The ring is
/// `Send + Sync`; share it behind an `Arc` and swap in a reloaded ring after
/// rotation.
#[derive(Clone)]
pub struct KeyRing {
    algorithm: Algorithm,
    /// The active version (structurally always present).
    active: VersionEntry,
    /// Every other version, by number.
    older: BTreeMap<u32, VersionEntry>,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("algorithm", &self.algorithm)
            .field("active", &self.active.version)
            .field("versions", &self.versions())
            .finish()
    }
}

impl KeyRing {
    /// A new ring holding one fresh random key (from the OS generator) as
    /// version 1, active. This is what `jindu init` writes.
    ///
    /// # Errors
    /// [`CryptoError::Random`] if the OS generator fails,
    /// [`CryptoError::KeyDerivation`] (not expected to happen).
    pub fn generate(algorithm: Algorithm) -> Result<KeyRing, CryptoError> {
        KeyRing::from_master_key(algorithm, MasterKey::generate()?)
    }

    /// A ring holding `key` as version 1, active.
    ///
    /// # Errors
    /// [`CryptoError::KeyDerivation`] (not expected to happen).
    pub fn from_master_key(algorithm: Algorithm, key: MasterKey) -> Result<KeyRing, CryptoError> {
        Ok(KeyRing { algorithm, active: VersionEntry::new(algorithm, 1, key)?, older: BTreeMap::new() })
    }

    /// Builds a ring from explicit parts.
    ///
    /// # Errors
    /// [`CryptoError::InvalidKeyFile`] if `keys` is empty, contains version
    /// 0, or does not contain `active`.
    pub fn from_parts(
        algorithm: Algorithm,
        active: u32,
        keys: BTreeMap<u32, MasterKey>,
    ) -> Result<KeyRing, CryptoError> {
        if keys.is_empty() {
            return Err(CryptoError::InvalidKeyFile("no keys".into()));
        }
        if keys.contains_key(&0) {
            return Err(CryptoError::InvalidKeyFile("key versions start at 1".into()));
        }
        let mut older = BTreeMap::new();
        let mut active_entry = None;
        for (version, key) in keys {
            let entry = VersionEntry::new(algorithm, version, key)?;
            if version == active {
                active_entry = Some(entry);
            } else {
                older.insert(version, entry);
            }
        }
        let active =
            active_entry.ok_or_else(|| CryptoError::InvalidKeyFile(format!("active version {active} has no key")))?;
        Ok(KeyRing { algorithm, active, older })
    }

    /// The ring's algorithm (used for new encryptions and blind indexes).
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The active key version (used for new encryptions and
    /// [`blind_index`](KeyRing::blind_index)).
    pub fn active_version(&self) -> u32 {
        self.active.version
    }

    /// All key versions in the ring, ascending.
    pub fn versions(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.older.keys().copied().collect();
        v.push(self.active.version);
        v.sort_unstable();
        v
    }

    fn entry(&self, version: u32) -> Option<&VersionEntry> {
        if version == self.active.version { Some(&self.active) } else { self.older.get(&version) }
    }

    /// Adds a new random key (OS generator) with version `max + 1` and makes
    /// it active. Older versions stay in the ring so existing values still
    /// decrypt. Returns the new version number. Persist the ring afterwards
    /// with [`write_key_file`](KeyRing::write_key_file) (`overwrite = true`).
    ///
    /// # Errors
    /// [`CryptoError::Random`], [`CryptoError::VersionOverflow`] at
    /// `u32::MAX`, [`CryptoError::KeyDerivation`] (not expected).
    pub fn rotate(&mut self) -> Result<u32, CryptoError> {
        let max = self.older.keys().next_back().copied().unwrap_or(0).max(self.active.version);
        let version = max.checked_add(1).ok_or(CryptoError::VersionOverflow)?;
        let entry = VersionEntry::new(self.algorithm, version, MasterKey::generate()?)?;
        let previous = std::mem::replace(&mut self.active, entry);
        self.older.insert(previous.version, previous);
        Ok(version)
    }

    /// Removes a non-active version (after `jindu keys rotate` has
    /// re-encrypted everything that used it). Values still encrypted under it
    /// become undecryptable, so only call this when
    /// [`needs_rotation`](KeyRing::needs_rotation) is false for every stored
    /// value.
    ///
    /// # Errors
    /// [`CryptoError::CannotRetire`] if `version` is active or absent.
    pub fn retire_version(&mut self, version: u32) -> Result<(), CryptoError> {
        if version == self.active.version {
            return Err(CryptoError::CannotRetire(version));
        }
        self.older.remove(&version).map(|_| ()).ok_or(CryptoError::CannotRetire(version))
    }

    // ------------------------------------------------------------------
    // Key documents
    // ------------------------------------------------------------------

    /// Serialises the ring as the key-file JSON document:
    ///
    /// ```json
    /// {
    ///   "format": "jindu-keyring",
    ///   "algorithm": "aes-256-gcm",
    ///   "active": 2,
    ///   "keys": {
    ///     "1": "<standard base64 of 32 bytes>",
    ///     "2": "<standard base64 of 32 bytes>"
    ///   }
    /// }
    /// ```
    ///
    /// The returned string contains every secret key: zeroize it (e.g. wrap
    /// it in [`zeroize::Zeroizing`]) when done.
    pub fn to_key_file_string(&self) -> String {
        // Written by hand: every interpolated piece (algorithm code, decimal
        // numbers, base64) needs no JSON escaping, and this cannot fail.
        let mut out = String::with_capacity(256 + 80 * (self.older.len() + 1));
        out.push_str("{\n");
        out.push_str(&format!("  \"format\": \"{KEY_FILE_FORMAT}\",\n"));
        out.push_str(&format!("  \"algorithm\": \"{}\",\n", self.algorithm.as_code()));
        out.push_str(&format!("  \"active\": {},\n", self.active.version));
        out.push_str("  \"keys\": {\n");
        let versions = self.versions();
        for (i, version) in versions.iter().enumerate() {
            if let Some(entry) = self.entry(*version) {
                let b64 = entry.master.to_base64();
                out.push_str("    \"");
                out.push_str(&version.to_string());
                out.push_str("\": \"");
                out.push_str(&b64);
                out.push('"');
                if i + 1 < versions.len() {
                    out.push(',');
                }
                out.push('\n');
            }
        }
        out.push_str("  }\n}\n");
        out
    }

    /// Parses a key document produced by
    /// [`to_key_file_string`](KeyRing::to_key_file_string). `format` is
    /// optional; key values may use the standard or url-safe base64 alphabet,
    /// padded or not, and must decode to exactly 32 bytes.
    ///
    /// # Errors
    /// [`CryptoError::InvalidKeyFile`] (reason never quotes the document),
    /// [`CryptoError::UnknownAlgorithm`].
    pub fn from_key_file_str(text: &str) -> Result<KeyRing, CryptoError> {
        let doc: KeyFileDoc =
            serde_json::from_str(text).map_err(|e| CryptoError::InvalidKeyFile(describe_json_error(&e)))?;
        if let Some(format) = &doc.format
            && format != KEY_FILE_FORMAT
        {
            return Err(CryptoError::InvalidKeyFile(format!("format must be \"{KEY_FILE_FORMAT}\"")));
        }
        let algorithm = Algorithm::from_code(&doc.algorithm)?;
        let mut keys = BTreeMap::new();
        for (version, b64) in &doc.keys {
            let key = MasterKey::from_base64(b64).ok_or_else(|| {
                CryptoError::InvalidKeyFile(format!("key version {version} is not base64 of exactly 32 bytes"))
            })?;
            keys.insert(*version, key);
        }
        KeyRing::from_parts(algorithm, doc.active, keys)
    }

    /// Reads and parses a key file.
    ///
    /// # Errors
    /// [`CryptoError::KeyFileNotFound`], [`CryptoError::Io`], and the errors
    /// of [`from_key_file_str`](KeyRing::from_key_file_str).
    pub fn read_key_file(path: &Path) -> Result<KeyRing, CryptoError> {
        let text = Zeroizing::new(fs::read_to_string(path).map_err(|e| io_error(path, e))?);
        KeyRing::from_key_file_str(&text)
    }

    /// Writes the key document to `path` with unix mode 0600.
    ///
    /// * `overwrite == false` (what `jindu init` uses): the file is created
    ///   with `O_CREAT | O_EXCL`; if it already exists nothing is touched and
    ///   [`CryptoError::KeyFileExists`] is returned.
    /// * `overwrite == true` (what `jindu keys rotate` uses): the document is
    ///   written to a new 0600 temporary file in the same directory, synced,
    ///   and renamed over `path`, so a crash leaves either the old or the new
    ///   ring, never a torn file.
    ///
    /// The mode is set explicitly after creation, so the process umask cannot
    /// widen or narrow it.
    ///
    /// # Errors
    /// [`CryptoError::KeyFileExists`], [`CryptoError::Io`],
    /// [`CryptoError::Random`] (temporary file name).
    pub fn write_key_file(&self, path: &Path, overwrite: bool) -> Result<(), CryptoError> {
        let text = Zeroizing::new(self.to_key_file_string());
        if !overwrite {
            return write_new_file(path, text.as_bytes());
        }
        let mut suffix = [0u8; 6];
        os_random(&mut suffix)?;
        let mut tmp_name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        tmp_name.push(format!(".tmp-{}", URL_SAFE_NO_PAD.encode(suffix)));
        let tmp: PathBuf = path.with_file_name(tmp_name);
        write_new_file(&tmp, text.as_bytes())?;
        if let Err(e) = fs::rename(&tmp, path) {
            let _ = fs::remove_file(&tmp);
            return Err(CryptoError::Io { path: path.to_path_buf(), source: e });
        }
        #[cfg(unix)]
        if let Some(dir) = path.parent() {
            let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
            // Best effort: persist the rename itself.
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }

    /// Reads a key ring from environment variable `var_name`. The value is
    /// either a key document (anything starting with `{` after trimming) or
    /// a bare base64 32-byte key, which means version 1 with
    /// [`Algorithm::Aes256Gcm`] (use the JSON form for SM4).
    ///
    /// # Errors
    /// [`CryptoError::EnvVarMissing`] (unset or blank),
    /// [`CryptoError::EnvVarNotUnicode`], [`CryptoError::InvalidKeyFile`],
    /// [`CryptoError::UnknownAlgorithm`].
    pub fn from_env(var_name: &str) -> Result<KeyRing, CryptoError> {
        let value = Zeroizing::new(match std::env::var(var_name) {
            Ok(v) => v,
            Err(std::env::VarError::NotPresent) => {
                return Err(CryptoError::EnvVarMissing(var_name.to_owned()));
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(CryptoError::EnvVarNotUnicode(var_name.to_owned()));
            }
        });
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(CryptoError::EnvVarMissing(var_name.to_owned()));
        }
        if trimmed.starts_with('{') {
            return KeyRing::from_key_file_str(trimmed);
        }
        let key = MasterKey::from_base64(trimmed).ok_or_else(|| {
            CryptoError::InvalidKeyFile(format!("{var_name} is neither a key document nor base64 of exactly 32 bytes"))
        })?;
        KeyRing::from_master_key(Algorithm::Aes256Gcm, key)
    }

    /// Loads the ring the way the server and CLI do: from environment
    /// variable `env_var` if it is set and non-blank, otherwise from
    /// `key_file`.
    ///
    /// # Errors
    /// [`CryptoError::NoKeySource`] if the variable is unset/blank and
    /// `key_file` is `None`; otherwise the errors of
    /// [`from_env`](KeyRing::from_env) or
    /// [`read_key_file`](KeyRing::read_key_file).
    pub fn load(key_file: Option<&Path>, env_var: &str) -> Result<KeyRing, CryptoError> {
        let env_set = std::env::var_os(env_var).is_some_and(|v| {
            // A non-UTF-8 value counts as set so the caller hears about it.
            v.to_str().is_none_or(|s| !s.trim().is_empty())
        });
        if env_set {
            return KeyRing::from_env(env_var);
        }
        match key_file {
            Some(path) => KeyRing::read_key_file(path),
            None => Err(CryptoError::NoKeySource { env_var: env_var.to_owned() }),
        }
    }

    // ------------------------------------------------------------------
    // Field encryption
    // ------------------------------------------------------------------

    /// Encrypts one field value with the active key version.
    ///
    /// A fresh 96-bit nonce comes from the OS generator for every call, so
    /// equal plaintexts give different outputs. The output is ASCII text,
    /// suitable for a `TEXT` column on SQLite and PostgreSQL:
    ///
    /// `j1:<alg-code>:<key-version>:<base64url-no-pad(nonce ‖ ciphertext ‖ tag)>`
    ///
    /// Its length is `len("j1:<alg>:<ver>:") + ceil((28 + n) * 4 / 3)` for an
    /// `n`-byte UTF-8 plaintext (e.g. 60 characters for an 18-byte ID number
    /// with AES).
    ///
    /// # Errors
    /// [`CryptoError::InvalidAad`], [`CryptoError::Random`],
    /// [`CryptoError::Encrypt`] (only for inputs over 64 GiB).
    pub fn encrypt(&self, aad: &Aad<'_>, plaintext: &str) -> Result<String, CryptoError> {
        let blob = self.seal(aad, plaintext.as_bytes(), Vec::new())?;
        Ok(format!(
            "{CIPHERTEXT_PREFIX}:{}:{}:{}",
            self.algorithm.as_code(),
            self.active.version,
            URL_SAFE_NO_PAD.encode(&blob)
        ))
    }

    /// Decrypts a value produced by [`encrypt`](KeyRing::encrypt) with the
    /// same `aad`. Uses the key version and algorithm named in `stored`, so
    /// values written before a [`rotate`](KeyRing::rotate) keep working (and
    /// a value whose algorithm differs from the ring's is still decrypted
    /// with the subkeys of that algorithm, to allow migrating).
    ///
    /// Never panics, whatever `stored` contains. The returned `String` holds
    /// plaintext personal data; do not log it.
    ///
    /// # Errors
    /// * [`CryptoError::InvalidAad`] if `aad` breaks the rules on [`Aad`];
    /// * [`CryptoError::Malformed`] if `stored` is not a well-formed `j1:`
    ///   value (wrong prefix, unknown algorithm code, bad version number, bad
    ///   base64, shorter than nonce + tag) or decrypts to non-UTF-8;
    /// * [`CryptoError::UnknownKeyVersion`] if its version is not in the ring;
    /// * [`CryptoError::Decrypt`] on authentication failure: wrong key,
    ///   wrong AAD (other table, column or row id) or tampered data.
    pub fn decrypt(&self, aad: &Aad<'_>, stored: &str) -> Result<String, CryptoError> {
        aad.validate()?;
        let parsed = parse_header(stored)?;
        let blob =
            URL_SAFE_NO_PAD.decode(parsed.body).map_err(|_| CryptoError::Malformed("payload is not base64url"))?;
        if blob.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Malformed("payload too short"));
        }
        let (nonce, ct) = blob.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Malformed("payload too short"))?;
        let mut other = None;
        let derived = self.derived_for(parsed.algorithm, parsed.version, &mut other)?;
        let aad_bytes = aad.to_bytes();
        let plain = derived.cipher.decrypt(nonce, Payload { msg: ct, aad: &aad_bytes }).ok_or(CryptoError::Decrypt)?;
        String::from_utf8(plain).map_err(|e| {
            let mut bytes = e.into_bytes();
            bytes.zeroize();
            CryptoError::Malformed("plaintext is not UTF-8")
        })
    }

    /// Whether a stored value should be re-encrypted by `jindu keys rotate`:
    /// `true` unless it is a `j1:` value under the ring's algorithm **and**
    /// active version. Also `true` for anything that is not a parseable `j1:`
    /// value (e.g. legacy plaintext), which the rotation job will then fail
    /// to decrypt and report. Only the header is inspected; no decryption.
    pub fn needs_rotation(&self, stored: &str) -> bool {
        match parse_header(stored) {
            Ok(p) => p.algorithm != self.algorithm || p.version != self.active.version,
            Err(_) => true,
        }
    }

    /// Encrypts a byte string (a stored file) under the **active** key version with AEAD
    /// (the ring's algorithm, a fresh random 96-bit nonce, `aad` as associated data), like
    /// [`encrypt`](KeyRing::encrypt) but binary:
    ///
    /// `j1b:<alg-code>:<key-version>:` (ASCII) `‖ nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`
    ///
    /// so the result is `len("j1b:<alg>:<ver>:") + 28` bytes longer than `plaintext` (46 more
    /// for AES under version 1). It always starts with [`SEALED_BYTES_PREFIX`].
    ///
    /// # Errors
    /// [`CryptoError::InvalidAad`], [`CryptoError::Random`], [`CryptoError::Encrypt`] (only
    /// for inputs over 64 GiB).
    pub fn encrypt_bytes(&self, aad: &Aad<'_>, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let header = format!("j1b:{}:{}:", self.algorithm.as_code(), self.active.version);
        self.seal(aad, plaintext, header.into_bytes())
    }

    /// `head ‖ nonce ‖ ciphertext ‖ tag`: `plaintext` sealed under the active key with `aad` and
    /// a fresh random nonce, after `head` (what [`encrypt`](KeyRing::encrypt) and
    /// [`encrypt_bytes`](KeyRing::encrypt_bytes) share).
    ///
    /// # Errors
    /// [`CryptoError::InvalidAad`], [`CryptoError::Random`], [`CryptoError::Encrypt`] (only
    /// for inputs over 64 GiB).
    fn seal(&self, aad: &Aad<'_>, plaintext: &[u8], head: Vec<u8>) -> Result<Vec<u8>, CryptoError> {
        aad.validate()?;
        let mut nonce = [0u8; NONCE_LEN];
        os_random(&mut nonce)?;
        let aad_bytes = aad.to_bytes();
        let ct = self
            .active
            .derived
            .cipher
            .encrypt(nonce, Payload { msg: plaintext, aad: &aad_bytes })
            .ok_or(CryptoError::Encrypt)?;
        let mut out = head;
        out.reserve(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Decrypts a value produced by [`encrypt_bytes`](KeyRing::encrypt_bytes) with the same
    /// `aad`, under the algorithm and key version named in its header (so values sealed before
    /// a [`rotate`](KeyRing::rotate) keep opening). Never panics, whatever `stored` holds.
    ///
    /// # Errors
    /// [`CryptoError::InvalidAad`]; [`CryptoError::Malformed`] when `stored` does not start with
    /// `j1b:<known alg>:<version>:` or is shorter than nonce and tag;
    /// [`CryptoError::UnknownKeyVersion`]; [`CryptoError::Decrypt`] on a wrong key, another
    /// cell's AAD or altered bytes.
    pub fn decrypt_bytes(&self, aad: &Aad<'_>, stored: &[u8]) -> Result<Vec<u8>, CryptoError> {
        aad.validate()?;
        let (algorithm, version, blob) = parse_bytes_header(stored)?;
        if blob.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Malformed("payload too short"));
        }
        let (nonce, ct) = blob.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Malformed("payload too short"))?;
        let mut other = None;
        let derived = self.derived_for(algorithm, version, &mut other)?;
        let aad_bytes = aad.to_bytes();
        derived.cipher.decrypt(nonce, Payload { msg: ct, aad: &aad_bytes }).ok_or(CryptoError::Decrypt)
    }

    /// The keys of `version` for `algorithm`: the ring's own, or derived into `other` when the
    /// value was sealed under another algorithm (an algorithm change keeps old values opening).
    ///
    /// # Errors
    /// [`CryptoError::UnknownKeyVersion`]; [`CryptoError::KeyDerivation`].
    fn derived_for<'a>(
        &'a self,
        algorithm: Algorithm,
        version: u32,
        other: &'a mut Option<Derived>,
    ) -> Result<&'a Derived, CryptoError> {
        let entry = self.entry(version).ok_or(CryptoError::UnknownKeyVersion(version))?;
        if algorithm == self.algorithm {
            return Ok(&entry.derived);
        }
        Ok(other.insert(Derived::new(algorithm, &entry.master)?))
    }

    /// [`encrypt_bytes`](KeyRing::encrypt_bytes) without a second copy of the file: encrypts
    /// `plaintext` in its own buffer and puts header and nonce before it (for files of tens of
    /// MB, such as an import kept for its commit). The same stored form.
    ///
    /// # Errors
    /// [`CryptoError::InvalidAad`]; [`CryptoError::Encrypt`]; [`CryptoError::Random`].
    pub fn encrypt_bytes_owned(&self, aad: &Aad<'_>, mut plaintext: Vec<u8>) -> Result<Vec<u8>, CryptoError> {
        aad.validate()?;
        let mut nonce = [0u8; NONCE_LEN];
        os_random(&mut nonce)?;
        let aad_bytes = aad.to_bytes();
        let tag = self.active.derived.cipher.encrypt_in_place(nonce, &aad_bytes, &mut plaintext).ok_or_else(|| {
            plaintext.zeroize();
            CryptoError::Encrypt
        })?;
        let mut head = format!("j1b:{}:{}:", self.algorithm.as_code(), self.active.version).into_bytes();
        head.extend_from_slice(&nonce);
        plaintext.reserve_exact(head.len() + TAG_LEN);
        plaintext.extend_from_slice(&tag);
        plaintext.splice(0..0, head);
        Ok(plaintext)
    }

    /// [`decrypt_bytes`](KeyRing::decrypt_bytes) in the stored value's own buffer (no second copy
    /// of the file). Never panics, whatever `stored` holds.
    ///
    /// # Errors
    /// As [`decrypt_bytes`](KeyRing::decrypt_bytes).
    pub fn decrypt_bytes_owned(&self, aad: &Aad<'_>, mut stored: Vec<u8>) -> Result<Vec<u8>, CryptoError> {
        aad.validate()?;
        let (algorithm, version, blob) = parse_bytes_header(&stored)?;
        if blob.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Malformed("payload too short"));
        }
        let head = stored.len() - blob.len() + NONCE_LEN;
        let nonce: [u8; NONCE_LEN] =
            blob[..NONCE_LEN].try_into().map_err(|_| CryptoError::Malformed("payload too short"))?;
        let tag: [u8; TAG_LEN] =
            blob[blob.len() - TAG_LEN..].try_into().map_err(|_| CryptoError::Malformed("payload too short"))?;
        let mut other = None;
        let derived = self.derived_for(algorithm, version, &mut other)?;
        let aad_bytes = aad.to_bytes();
        let end = stored.len() - TAG_LEN;
        if !derived.cipher.decrypt_in_place(nonce, &aad_bytes, &mut stored[head..end], tag) {
            return Err(CryptoError::Decrypt);
        }
        stored.truncate(end);
        stored.drain(..head);
        Ok(stored)
    }

    /// The header a byte string sealed now starts with (`j1b:<alg>:<active version>:`): a value
    /// that does not start with it needs re-sealing after a rotation.
    pub fn current_bytes_header(&self) -> Vec<u8> {
        format!("j1b:{}:{}:", self.algorithm.as_code(), self.active.version).into_bytes()
    }

    // ------------------------------------------------------------------
    // Blind indexes
    // ------------------------------------------------------------------

    /// Blind index for exact-match search, under the **active** version:
    /// `b<version>:<base64url-no-pad of the first 16 bytes of
    /// HMAC(index-key, column ‖ 0x00 ‖ normalized_value)>` (HMAC-SHA256 or
    /// HMAC-SM3 per the ring's algorithm; about 25 ASCII characters).
    ///
    /// Deterministic for the same ring, version, column and value;
    /// different columns give unrelated indexes (so equal values in `name`
    /// and `notes` cannot be correlated). `column` should be a constant
    /// without NUL. Normalise `normalized_value` first (see
    /// [`crate::normalize_id_number`], [`crate::normalize_name`]) — the same
    /// way when storing and when searching.
    ///
    /// **Rotation.** The index key is per version, so an index is stable
    /// only until the ring is rotated. Store this value next to the
    /// ciphertext (re-computing it whenever the row is re-encrypted), and
    /// search with [`blind_indexes_for_search`](KeyRing::blind_indexes_for_search)
    /// (`WHERE idx IN (...)`) so rows not yet re-encrypted still match.
    pub fn blind_index(&self, column: &str, normalized_value: &str) -> String {
        self.active.blind_index(column, normalized_value)
    }

    /// The blind index of `normalized_value` under **every** key version in
    /// the ring: active version first, then older versions newest first. A
    /// search matches a row whose stored index is any of these, which finds
    /// rows indexed before and after a rotation. Length = number of
    /// versions.
    pub fn blind_indexes_for_search(&self, column: &str, normalized_value: &str) -> Vec<String> {
        std::iter::once(&self.active)
            .chain(self.older.values().rev())
            .map(|e| e.blind_index(column, normalized_value))
            .collect()
    }

    /// The audit-seal tag of `message` under the active key version: HMAC-SHA256 (AES rings) or
    /// HMAC-SM3 (SM4 rings) with a 32-byte subkey derived by HKDF (info `"jindu audit v1"`),
    /// independent of the encryption and blind-index subkeys. Returns the key version used and
    /// the tag as 64 lowercase hex characters. Check it with
    /// [`audit_tag_matches`](KeyRing::audit_tag_matches).
    ///
    /// # Errors
    /// [`CryptoError::KeyDerivation`] (not expected to happen).
    pub fn audit_tag(&self, message: &[u8]) -> Result<(u32, String), CryptoError> {
        Ok((self.active.version, hex(&audit_mac(self.algorithm, &self.active.master, message)?)))
    }

    /// Whether `tag` (64 hex characters) is the audit-seal tag of `message` under key `version`
    /// (compared in constant time).
    ///
    /// # Errors
    /// [`CryptoError::UnknownKeyVersion`] when the ring no longer holds `version` (retired),
    /// [`CryptoError::KeyDerivation`] (not expected).
    pub fn audit_tag_matches(&self, version: u32, message: &[u8], tag: &str) -> Result<bool, CryptoError> {
        let entry = self.entry(version).ok_or(CryptoError::UnknownKeyVersion(version))?;
        let expected = audit_mac(self.algorithm, &entry.master, message)?;
        let Some(given) = unhex(tag) else { return Ok(false) };
        Ok(given.len() == expected.len()
            && given.iter().zip(expected.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0)
    }
}

/// Creates `path` exclusively with mode 0600 and writes `bytes`, synced.
/// Removes the file again if writing fails.
fn write_new_file(path: &Path, bytes: &[u8]) -> Result<(), CryptoError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| match e.kind() {
        // NotFound here means a missing directory, not a missing key file.
        std::io::ErrorKind::AlreadyExists => io_error(path, e),
        _ => CryptoError::Io { path: path.to_path_buf(), source: e },
    })?;
    let result = (|| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(e) = result {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(CryptoError::Io { path: path.to_path_buf(), source: e });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// RFC 8998 appendix A.1: proves `AesGcm<Sm4, U12>` is standard SM4-GCM.
    #[test]
    fn sm4_gcm_matches_rfc8998_vector() {
        let key = hex("0123456789ABCDEFFEDCBA9876543210");
        let iv: [u8; 12] = hex("00001234567800000000ABCD").try_into().unwrap();
        let aad = hex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
        let pt = hex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD
             EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA");
        let expected = hex("17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735
             D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D
             83DE3541E4C2B58177E065A9BF7B62EC");
        let cipher = FieldCipher::Sm4(Box::new(Sm4Gcm::new_from_slice(&key).unwrap()));
        let out = cipher.encrypt(iv, Payload { msg: &pt, aad: &aad }).unwrap();
        assert_eq!(out, expected);
        let back = cipher.decrypt(iv, Payload { msg: &out, aad: &aad }).unwrap();
        assert_eq!(back, pt);
    }

    /// GB/T 32905 example 1: SM3("abc").
    #[test]
    fn sm3_matches_standard_vector() {
        use sm3::Digest;
        let d = Sm3::digest(b"abc");
        assert_eq!(d.as_slice(), hex("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0").as_slice());
    }

    #[test]
    fn audit_tags_need_the_key_and_name_their_version() {
        for alg in [Algorithm::Aes256Gcm, Algorithm::Sm4Gcm] {
            let mut ring = KeyRing::from_master_key(alg, MasterKey::from_bytes([7u8; 32])).unwrap();
            let (v, tag) = ring.audit_tag(b"seal 1").unwrap();
            assert_eq!((v, tag.len()), (1, 64));
            assert!(ring.audit_tag_matches(1, b"seal 1", &tag).unwrap());
            assert!(!ring.audit_tag_matches(1, b"seal 2", &tag).unwrap());
            assert!(!ring.audit_tag_matches(1, b"seal 1", "zz").unwrap());
            let other = KeyRing::from_master_key(alg, MasterKey::from_bytes([8u8; 32])).unwrap();
            assert!(!other.audit_tag_matches(1, b"seal 1", &tag).unwrap());
            ring.rotate().unwrap();
            assert_eq!(ring.audit_tag(b"seal 1").unwrap().0, 2);
            assert!(ring.audit_tag_matches(1, b"seal 1", &tag).unwrap(), "older versions still check");
            ring.retire_version(1).unwrap();
            assert!(matches!(ring.audit_tag_matches(1, b"seal 1", &tag), Err(CryptoError::UnknownKeyVersion(1))));
        }
    }

    /// Pins the derivation and blind-index construction to fixed outputs so
    /// an accidental change (which would orphan every stored index) fails.
    #[test]
    fn blind_index_is_hmac_of_derived_key() {
        for alg in Algorithm::ALL {
            let ring = KeyRing::from_master_key(alg, MasterKey::from_bytes([7u8; 32])).unwrap();
            let got = ring.blind_index("id_number", "430405199001011234");
            // Recompute independently from the documented construction.
            let mut idx = [0u8; 32];
            let full: Vec<u8> = match alg {
                Algorithm::Aes256Gcm => {
                    Hkdf::<Sha256>::new(None, &[7u8; 32]).expand(INFO_BIDX, &mut idx).unwrap();
                    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(&idx).unwrap();
                    m.update(b"id_number\x00430405199001011234");
                    m.finalize().into_bytes().to_vec()
                }
                Algorithm::Sm4Gcm => {
                    Hkdf::<Sm3>::new(None, &[7u8; 32]).expand(INFO_BIDX, &mut idx).unwrap();
                    let mut m = <Hmac<Sm3> as KeyInit>::new_from_slice(&idx).unwrap();
                    m.update(b"id_number\x00430405199001011234");
                    m.finalize().into_bytes().to_vec()
                }
            };
            assert_eq!(got, format!("b1:{}", URL_SAFE_NO_PAD.encode(&full[..16])));
        }
    }

    #[test]
    fn version_parsing_is_strict() {
        assert_eq!(parse_version("1"), Some(1));
        assert_eq!(parse_version("4294967295"), Some(u32::MAX));
        for bad in ["", "0", "01", "+1", "-1", "4294967296", "1 ", "١"] {
            assert_eq!(parse_version(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn bytes_seal_open_rotate_and_refuse_another_cell() {
        let mut ring = KeyRing::generate(Algorithm::Aes256Gcm).unwrap();
        let aad = Aad::new("attachment", "body", "0190f3a2-7c4e-7b1a-9d2e-1f2a3b4c5d6e");
        let plain = b"%PDF-1.4 JINDU-MARKER \x00\xff".to_vec();
        let sealed = ring.encrypt_bytes(&aad, &plain).unwrap();
        assert!(sealed.starts_with(b"j1b:aes-256-gcm:1:"));
        assert_eq!(sealed.len(), plain.len() + "j1b:aes-256-gcm:1:".len() + 28);
        assert!(!sealed.windows(12).any(|w| w == b"JINDU-MARKER"));
        assert_eq!(ring.decrypt_bytes(&aad, &sealed).unwrap(), plain);
        assert_eq!(ring.current_bytes_header(), b"j1b:aes-256-gcm:1:".to_vec());
        // After a rotation the old value still opens; new ones carry version 2.
        ring.rotate().unwrap();
        assert_eq!(ring.decrypt_bytes(&aad, &sealed).unwrap(), plain);
        assert!(ring.encrypt_bytes(&aad, &plain).unwrap().starts_with(b"j1b:aes-256-gcm:2:"));
        // Another row, altered bytes, garbage: refused, never a panic.
        let other = Aad::new("attachment", "body", "other");
        assert!(matches!(ring.decrypt_bytes(&other, &sealed), Err(CryptoError::Decrypt)));
        let mut altered = sealed.clone();
        if let Some(last) = altered.last_mut() {
            *last ^= 1;
        }
        assert!(matches!(ring.decrypt_bytes(&aad, &altered), Err(CryptoError::Decrypt)));
        for bad in [&b""[..], b"j1b:", b"j1b:aes-256-gcm:", b"j1b:aes-256-gcm:0:xxxxxxxxxxxxxxxxxxxxxxxxxxxx", b"%PDF"]
        {
            assert!(matches!(ring.decrypt_bytes(&aad, bad), Err(CryptoError::Malformed(_))), "{bad:?}");
        }
        let sm4 = KeyRing::generate(Algorithm::Sm4Gcm).unwrap();
        let s = sm4.encrypt_bytes(&aad, &plain).unwrap();
        assert!(s.starts_with(b"j1b:sm4-gcm:1:"));
        assert_eq!(sm4.decrypt_bytes(&aad, &s).unwrap(), plain);
    }

    #[test]
    fn bytes_sealed_in_their_own_buffer_are_the_same_stored_form() {
        let aad = Aad::new("import_file", "body", "0190f3a2-7c4e-7b1a-9d2e-1f2a3b4c5d6e");
        let plain = b"\xef\xbb\xbf\xe5\xa7\x93\xe5\x90\x8d,ID\n JINDU-MARKER \x00\xff".to_vec();
        for algorithm in [Algorithm::Aes256Gcm, Algorithm::Sm4Gcm] {
            let mut ring = KeyRing::generate(algorithm).unwrap();
            let head = format!("j1b:{}:1:", algorithm.as_code());
            // Owned and borrowed seal and open each other's values.
            let owned = ring.encrypt_bytes_owned(&aad, plain.clone()).unwrap();
            assert!(owned.starts_with(head.as_bytes()));
            assert_eq!(owned.len(), plain.len() + head.len() + 28);
            assert!(!owned.windows(12).any(|w| w == b"JINDU-MARKER"));
            assert_eq!(ring.decrypt_bytes(&aad, &owned).unwrap(), plain);
            let borrowed = ring.encrypt_bytes(&aad, &plain).unwrap();
            assert_eq!(ring.decrypt_bytes_owned(&aad, borrowed).unwrap(), plain);
            assert_eq!(ring.decrypt_bytes_owned(&aad, owned.clone()).unwrap(), plain);
            // Empty files too.
            let empty = ring.encrypt_bytes_owned(&aad, Vec::new()).unwrap();
            assert_eq!(ring.decrypt_bytes_owned(&aad, empty).unwrap(), Vec::<u8>::new());
            // After a rotation the old value opens; another cell, altered bytes, garbage refused.
            ring.rotate().unwrap();
            assert_eq!(ring.decrypt_bytes_owned(&aad, owned.clone()).unwrap(), plain);
            let other = Aad::new("import_file", "body", "other");
            assert!(matches!(ring.decrypt_bytes_owned(&other, owned.clone()), Err(CryptoError::Decrypt)));
            for at in [head.len(), head.len() + 12, owned.len() - 1] {
                let mut altered = owned.clone();
                altered[at] ^= 1;
                assert!(matches!(ring.decrypt_bytes_owned(&aad, altered), Err(CryptoError::Decrypt)), "{at}");
            }
            for bad in [&b""[..], b"j1b:", b"j1b:aes-256-gcm:1:short", b"%PDF"] {
                assert!(matches!(ring.decrypt_bytes_owned(&aad, bad.to_vec()), Err(CryptoError::Malformed(_))));
            }
        }
    }
}
