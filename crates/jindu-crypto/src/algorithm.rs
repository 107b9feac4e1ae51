//! Algorithm selection and associated data.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CryptoError;

/// The field-encryption algorithm of a key ring.
///
/// * [`Algorithm::Aes256Gcm`]: AES-256-GCM, subkeys from HKDF-SHA256, blind
///   indexes with HMAC-SHA256. The default.
/// * [`Algorithm::Sm4Gcm`]: SM4-GCM (GB/T 32907 block cipher in GCM mode as
///   in RFC 8998), subkeys from HKDF-SM3, blind indexes with HMAC-SM3, for
///   national-crypto (国密) deployments.
///
/// Serialised (config files, key files) as its [`code`](Algorithm::as_code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Algorithm {
    /// AES-256-GCM with HMAC-SHA256 blind indexes (code `aes-256-gcm`).
    #[default]
    #[serde(rename = "aes-256-gcm")]
    Aes256Gcm,
    /// SM4-GCM with HMAC-SM3 blind indexes (code `sm4-gcm`).
    #[serde(rename = "sm4-gcm")]
    Sm4Gcm,
}

impl Algorithm {
    /// Every supported algorithm.
    pub const ALL: [Algorithm; 2] = [Algorithm::Aes256Gcm, Algorithm::Sm4Gcm];

    /// The stable text code: `"aes-256-gcm"` or `"sm4-gcm"`. Used in key
    /// files, configuration and in every stored ciphertext.
    pub fn as_code(self) -> &'static str {
        match self {
            Algorithm::Aes256Gcm => "aes-256-gcm",
            Algorithm::Sm4Gcm => "sm4-gcm",
        }
    }

    /// Parses a code produced by [`as_code`](Algorithm::as_code). Exact,
    /// case-sensitive match.
    ///
    /// # Errors
    /// [`CryptoError::UnknownAlgorithm`] for anything else.
    pub fn from_code(code: &str) -> Result<Algorithm, CryptoError> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.as_code() == code)
            .ok_or_else(|| CryptoError::UnknownAlgorithm(code.to_owned()))
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_code())
    }
}

impl FromStr for Algorithm {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::from_code(s)
    }
}

/// Associated data binding a ciphertext to its place in the database.
///
/// Rendered as the UTF-8 bytes of `"table.column:row_id"`. A ciphertext copied
/// to another row or column (or table) no longer decrypts, which stops an
/// attacker with write access to the database from swapping encrypted values
/// between persons.
///
/// To keep that rendering unambiguous, `table` and `column` must be non-empty
/// and must not contain `.`, `:` or NUL; `row_id` must be non-empty (it may
/// contain anything, it is last). Violations give
/// [`CryptoError::InvalidAad`] from encrypt/decrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Aad<'a> {
    /// Table name, e.g. `"persons"`.
    pub table: &'a str,
    /// Column name, e.g. `"id_number"`.
    pub column: &'a str,
    /// The row's primary key as text (e.g. a UUID). Must be known before the
    /// row is inserted.
    pub row_id: &'a str,
}

impl<'a> Aad<'a> {
    /// Builds an [`Aad`] from its three parts.
    pub fn new(table: &'a str, column: &'a str, row_id: &'a str) -> Self {
        Aad { table, column, row_id }
    }

    /// Checks the rules listed on [`Aad`].
    ///
    /// # Errors
    /// [`CryptoError::InvalidAad`] naming the broken rule.
    pub fn validate(&self) -> Result<(), CryptoError> {
        fn bad_ident(s: &str) -> bool {
            s.contains(['.', ':', '\0'])
        }
        if self.table.is_empty() {
            return Err(CryptoError::InvalidAad("empty table"));
        }
        if self.column.is_empty() {
            return Err(CryptoError::InvalidAad("empty column"));
        }
        if self.row_id.is_empty() {
            return Err(CryptoError::InvalidAad("empty row id"));
        }
        if bad_ident(self.table) {
            return Err(CryptoError::InvalidAad("table contains '.', ':' or NUL"));
        }
        if bad_ident(self.column) {
            return Err(CryptoError::InvalidAad("column contains '.', ':' or NUL"));
        }
        Ok(())
    }

    /// The AAD bytes: `"table.column:row_id"` as UTF-8. Does not validate.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.table.len() + self.column.len() + self.row_id.len() + 2);
        out.extend_from_slice(self.table.as_bytes());
        out.push(b'.');
        out.extend_from_slice(self.column.as_bytes());
        out.push(b':');
        out.extend_from_slice(self.row_id.as_bytes());
        out
    }
}
