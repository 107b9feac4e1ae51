//! Loading keys from environment variables. The variables are given to a child process (this
//! test binary run again for `env_var_loading_in_child` alone), never set with
//! `std::env::set_var` here: the binary runs many tests on many threads, and changing the
//! environment while another thread reads it is undefined behaviour.

use std::process::Command;

use jindu_crypto::{Aad, Algorithm, CryptoError, KeyRing, MasterKey};

/// Set on the child process only: the marker that the variables below are there.
const CHILD: &str = "JINDU_TEST_ENV_CHILD_7f3a";

/// The ring the JSON variable holds (a fixed key, so that the child can build it again).
fn json_ring() -> KeyRing {
    KeyRing::from_master_key(Algorithm::Sm4Gcm, MasterKey::from_bytes([7; 32])).unwrap()
}

#[test]
fn env_var_loading() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["env::env_var_loading_in_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("JINDU_TEST_ENV_JSON_7f3a", json_ring().to_key_file_string())
        .env("JINDU_TEST_ENV_BLANK_7f3a", "  ")
        .env("JINDU_TEST_ENV_BARE_7f3a", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n")
        .env("JINDU_TEST_ENV_BAD_7f3a", "hunter2")
        .env_remove("JINDU_TEST_ENV_MISSING_7f3a")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("test env::env_var_loading_in_child ... ok"), "the child ran no test:\n{stdout}");
    assert!(stdout.contains("test result: ok. 1 passed"), "{stdout}");
}

/// The checks, in the child started by [`env_var_loading`]; a no-op in the parent's run.
#[test]
fn env_var_loading_in_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let aad = Aad::new("persons", "name", "row-1");

    // Missing.
    assert!(matches!(
        KeyRing::from_env("JINDU_TEST_ENV_MISSING_7f3a"),
        Err(CryptoError::EnvVarMissing(n)) if n == "JINDU_TEST_ENV_MISSING_7f3a"
    ));

    // Full JSON document, preferred over the key file.
    let ring = json_ring();
    let from_env = KeyRing::from_env("JINDU_TEST_ENV_JSON_7f3a").unwrap();
    assert_eq!(from_env.algorithm(), Algorithm::Sm4Gcm);
    let stored = ring.encrypt(&aad, "张三").unwrap();
    assert_eq!(from_env.decrypt(&aad, &stored).unwrap(), "张三");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.json");
    let file_ring = KeyRing::generate(Algorithm::Aes256Gcm).unwrap();
    file_ring.write_key_file(&path, false).unwrap();
    let loaded = KeyRing::load(Some(&path), "JINDU_TEST_ENV_JSON_7f3a").unwrap();
    assert_eq!(loaded.to_key_file_string(), ring.to_key_file_string());

    // Blank counts as unset: falls back to the file.
    let loaded = KeyRing::load(Some(&path), "JINDU_TEST_ENV_BLANK_7f3a").unwrap();
    assert_eq!(loaded.to_key_file_string(), file_ring.to_key_file_string());
    assert!(matches!(KeyRing::from_env("JINDU_TEST_ENV_BLANK_7f3a"), Err(CryptoError::EnvVarMissing(_))));

    // Bare base64 32-byte key: version 1, AES-256-GCM.
    let bare = KeyRing::from_env("JINDU_TEST_ENV_BARE_7f3a").unwrap();
    assert_eq!(bare.algorithm(), Algorithm::Aes256Gcm);
    assert_eq!(bare.active_version(), 1);
    let same = KeyRing::from_master_key(Algorithm::Aes256Gcm, MasterKey::from_bytes([1; 32])).unwrap();
    assert_eq!(bare.to_key_file_string(), same.to_key_file_string());

    // Garbage is an error naming the variable but not its value.
    match KeyRing::from_env("JINDU_TEST_ENV_BAD_7f3a") {
        Err(CryptoError::InvalidKeyFile(reason)) => {
            assert!(reason.contains("JINDU_TEST_ENV_BAD_7f3a"));
            assert!(!reason.contains("hunter2"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(KeyRing::load(Some(&path), "JINDU_TEST_ENV_BAD_7f3a"), Err(CryptoError::InvalidKeyFile(_))));
}
