//! The crate's single error type.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong in `jindu-crypto`.
///
/// Messages are bilingual (Chinese first, then English) so they can be shown
/// to operators as-is. No variant ever carries key material or plaintext:
/// parse errors of key documents report only a position, never the offending
/// text.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The key file given to [`crate::KeyRing::read_key_file`] /
    /// [`crate::KeyRing::load`] does not exist.
    #[error("密钥文件不存在：{} / key file not found: {}", path.display(), path.display())]
    KeyFileNotFound {
        /// The path that was looked up.
        path: PathBuf,
    },

    /// [`crate::KeyRing::write_key_file`] was called without `overwrite` and
    /// the file already exists. The existing file was left untouched.
    #[error(
        "密钥文件已存在，拒绝覆盖：{} / key file already exists, refusing to overwrite: {}",
        path.display(),
        path.display()
    )]
    KeyFileExists {
        /// The existing file.
        path: PathBuf,
    },

    /// Reading or writing a key file failed for another I/O reason.
    #[error("密钥文件读写失败：{}：{source} / key file I/O error: {}: {source}", path.display(), path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The key document (file or environment variable) is not valid. The
    /// reason never quotes the document itself.
    #[error("密钥文件格式错误：{0} / invalid key file: {0}")]
    InvalidKeyFile(String),

    /// A key file is readable or writable by group or others (unix mode bits
    /// `0o077` set). Returned by [`crate::check_key_file_permissions`].
    #[error(
        "密钥文件权限过宽（{mode:04o}），应为 0600：{} / key file permissions too open ({mode:04o}), expected 0600: {}",
        path.display(),
        path.display()
    )]
    InsecurePermissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits (`mode & 0o7777`).
        mode: u32,
    },

    /// The environment variable is not set (or is empty).
    #[error("环境变量未设置：{0} / environment variable not set: {0}")]
    EnvVarMissing(String),

    /// The environment variable is set but is not valid UTF-8.
    #[error("环境变量不是有效的 UTF-8：{0} / environment variable is not valid UTF-8: {0}")]
    EnvVarNotUnicode(String),

    /// Neither the environment variable nor a key file path was available.
    #[error(
        "未配置密钥：请设置环境变量 {env_var} 或提供密钥文件（jindu init 会创建） / no key configured: set {env_var} or provide a key file (created by `jindu init`)"
    )]
    NoKeySource {
        /// The environment variable that was consulted.
        env_var: String,
    },

    /// An algorithm code other than `aes-256-gcm` / `sm4-gcm`.
    #[error("不支持的算法：{0} / unknown algorithm: {0}")]
    UnknownAlgorithm(String),

    /// The stored value is not a `j1:` ciphertext this crate can parse
    /// (wrong prefix, bad version number, bad base64, too short, ...).
    #[error("密文格式错误：{0} / malformed ciphertext: {0}")]
    Malformed(&'static str),

    /// The ciphertext names a key version that is not in the key ring.
    #[error("未知的密钥版本：{0} / unknown key version: {0}")]
    UnknownKeyVersion(u32),

    /// Authentication failed: wrong key, wrong AAD (table/column/row id), or
    /// the stored value was tampered with.
    #[error(
        "解密失败（密钥错误、关联数据不符或数据被篡改） / decryption failed (wrong key, wrong AAD or tampered data)"
    )]
    Decrypt,

    /// The AEAD refused to encrypt (only possible for absurdly large inputs).
    #[error("加密失败 / encryption failed")]
    Encrypt,

    /// The [`crate::Aad`] is not acceptable: an empty part, or a table/column
    /// name containing `.`, `:` or NUL (which would make the rendering
    /// ambiguous).
    #[error("关联数据无效：{0} / invalid AAD: {0}")]
    InvalidAad(&'static str),

    /// The operating system's random number generator failed.
    #[error("系统随机数生成器不可用：{0} / OS random number generator failed: {0}")]
    Random(String),

    /// HKDF or cipher initialisation rejected a derived key (cannot happen
    /// with the fixed key sizes used here; reported instead of panicking).
    #[error("密钥派生失败 / key derivation failed")]
    KeyDerivation,

    /// The key ring already holds version `u32::MAX`.
    #[error("密钥版本号已用尽 / key version numbers exhausted")]
    VersionOverflow,

    /// [`crate::KeyRing::retire_version`] was asked to remove the active
    /// version or a version that does not exist.
    #[error("无法停用密钥版本 {0}（当前使用中或不存在） / cannot retire key version {0} (active or absent)")]
    CannotRetire(u32),
}
