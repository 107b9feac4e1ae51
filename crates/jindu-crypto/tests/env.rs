//! Loading keys from environment variables. All in one test function so no
//! other thread of this test binary reads the environment while it changes.

use jindu_crypto::{Aad, Algorithm, CryptoError, KeyRing};

fn set(name: &str, value: &str) {
    // SAFETY: this binary has a single test, so no concurrent env access.
    unsafe { std::env::set_var(name, value) };
}

#[test]
fn env_var_loading() {
    let aad = Aad::new("persons", "name", "row-1");

    // Missing.
    assert!(matches!(
        KeyRing::from_env("JINDU_TEST_ENV_MISSING_7f3a"),
        Err(CryptoError::EnvVarMissing(n)) if n == "JINDU_TEST_ENV_MISSING_7f3a"
    ));

    // Full JSON document, preferred over the key file.
    let ring = KeyRing::generate(Algorithm::Sm4Gcm).unwrap();
    set("JINDU_TEST_ENV_JSON_7f3a", &ring.to_key_file_string());
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
    set("JINDU_TEST_ENV_BLANK_7f3a", "  ");
    let loaded = KeyRing::load(Some(&path), "JINDU_TEST_ENV_BLANK_7f3a").unwrap();
    assert_eq!(loaded.to_key_file_string(), file_ring.to_key_file_string());
    assert!(matches!(KeyRing::from_env("JINDU_TEST_ENV_BLANK_7f3a"), Err(CryptoError::EnvVarMissing(_))));

    // Bare base64 32-byte key: version 1, AES-256-GCM.
    set("JINDU_TEST_ENV_BARE_7f3a", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n");
    let bare = KeyRing::from_env("JINDU_TEST_ENV_BARE_7f3a").unwrap();
    assert_eq!(bare.algorithm(), Algorithm::Aes256Gcm);
    assert_eq!(bare.active_version(), 1);
    let same = KeyRing::from_master_key(Algorithm::Aes256Gcm, jindu_crypto::MasterKey::from_bytes([1; 32])).unwrap();
    assert_eq!(bare.to_key_file_string(), same.to_key_file_string());

    // Garbage is an error naming the variable but not its value.
    set("JINDU_TEST_ENV_BAD_7f3a", "hunter2");
    match KeyRing::from_env("JINDU_TEST_ENV_BAD_7f3a") {
        Err(CryptoError::InvalidKeyFile(reason)) => {
            assert!(reason.contains("JINDU_TEST_ENV_BAD_7f3a"));
            assert!(!reason.contains("hunter2"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(KeyRing::load(Some(&path), "JINDU_TEST_ENV_BAD_7f3a"), Err(CryptoError::InvalidKeyFile(_))));
}
