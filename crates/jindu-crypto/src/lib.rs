//! Field encryption for Jindu (禁毒): protects names, ID numbers, phone
//! numbers, addresses and free-text notes at rest.
//!
//! * [`KeyRing::encrypt`] / [`KeyRing::decrypt`]: AES-256-GCM (default) or
//!   SM4-GCM ([`Algorithm`]), with associated data [`Aad`] =
//!   `table.column:row_id`, so a ciphertext only decrypts in its own cell.
//!   Output is a `TEXT`-friendly string
//!   `j1:<alg>:<key-version>:<base64url(nonce ‖ ciphertext ‖ tag)>`.
//! * [`KeyRing::encrypt_bytes`] / [`KeyRing::decrypt_bytes`]: the same for byte strings
//!   (stored files), `j1b:<alg>:<key-version>:` followed by the raw nonce, ciphertext and tag.
//! * [`KeyRing::blind_index`] / [`KeyRing::blind_indexes_for_search`]:
//!   keyed HMAC (SHA-256 or SM3) indexes for exact search by ID number or
//!   name without decrypting, stable across key rotation via per-version
//!   search lists.
//! * Key management: [`KeyRing::generate`], key files written with mode 0600
//!   ([`KeyRing::write_key_file`]), loading from a file or an environment
//!   variable ([`KeyRing::load`]), [`KeyRing::rotate`] and
//!   [`KeyRing::needs_rotation`] for batch re-encryption without downtime.
//! * Display masking ([`mask_name`], [`mask_phone`], [`mask_id_number`],
//!   [`mask_address`]) and search normalisation ([`normalize_id_number`],
//!   [`normalize_name`], [`normalize_phone`]).
//!
//! All primitives come from the RustCrypto crates (`aes-gcm`, `sm4`, `sm3`,
//! `sha2`, `hmac`, `hkdf`); nothing here implements a primitive.
//!
//! ```
//! use jindu_crypto::{Aad, Algorithm, KeyRing};
//!
//! let ring = KeyRing::generate(Algorithm::Aes256Gcm)?;
//! let aad = Aad::new("persons", "id_number", "0190f3a2-7c4e-7b1a-9d2e-1f2a3b4c5d6e");
//! let stored = ring.encrypt(&aad, "430405199001011234")?;
//! assert!(stored.starts_with("j1:aes-256-gcm:1:"));
//! assert_eq!(ring.decrypt(&aad, &stored)?, "430405199001011234");
//! # Ok::<(), jindu_crypto::CryptoError>(())
//! ```

mod algorithm;
mod error;
mod keyring;
mod mask;

pub use algorithm::{Aad, Algorithm};
pub use error::CryptoError;
pub use keyring::{
    KeyRing, MasterKey, SEALED_BYTES_PREFIX, blind_index_version, check_key_file_permissions, stored_bytes_key_version,
    stored_key_version,
};
pub use mask::{
    mask_address, mask_id_number, mask_name, mask_phone, normalize_id_number, normalize_name, normalize_phone,
};

/// Re-export so callers can wrap secret strings (e.g. the output of
/// [`KeyRing::to_key_file_string`]) in [`zeroize::Zeroizing`].
pub use zeroize;
