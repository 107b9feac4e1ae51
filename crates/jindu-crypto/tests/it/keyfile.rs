//! Key documents, key files (mode 0600, no overwrite) and loading.

use std::collections::BTreeMap;

use jindu_crypto::{Aad, Algorithm, CryptoError, KeyRing, MasterKey, check_key_file_permissions};

fn sample_aad() -> Aad<'static> {
    Aad::new("persons", "name", "row-1")
}

#[test]
fn key_document_round_trip() {
    for alg in Algorithm::ALL {
        let mut ring = KeyRing::generate(alg).unwrap();
        let v1 = ring.encrypt(&sample_aad(), "张三").unwrap();
        ring.rotate().unwrap();
        let text = ring.to_key_file_string();
        let back = KeyRing::from_key_file_str(&text).unwrap();
        assert_eq!(back.algorithm(), alg);
        assert_eq!(back.active_version(), 2);
        assert_eq!(back.versions(), vec![1, 2]);
        assert_eq!(back.to_key_file_string(), text);
        assert_eq!(back.decrypt(&sample_aad(), &v1).unwrap(), "张三");
        assert_eq!(back.blind_index("name", "张三"), ring.blind_index("name", "张三"));
        // It is JSON with the documented members.
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["format"], "jindu-keyring");
        assert_eq!(v["algorithm"], alg.as_code());
        assert_eq!(v["active"], 2);
        assert_eq!(v["keys"].as_object().unwrap().len(), 2);
    }
}

#[test]
fn exact_key_document() {
    let mut keys = BTreeMap::new();
    keys.insert(1, MasterKey::from_bytes([0; 32]));
    keys.insert(2, MasterKey::from_bytes([0xFF; 32]));
    let ring = KeyRing::from_parts(Algorithm::Sm4Gcm, 2, keys).unwrap();
    assert_eq!(
        ring.to_key_file_string(),
        "{\n  \"format\": \"jindu-keyring\",\n  \"algorithm\": \"sm4-gcm\",\n  \"active\": 2,\n  \"keys\": {\n    \"1\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\n    \"2\": \"//////////////////////////////////////////8=\"\n  }\n}\n"
    );
}

#[test]
fn invalid_documents_are_rejected_without_echoing_secrets() {
    let key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let cases = [
        "".to_string(),
        "not json".to_string(),
        format!(r#"{{"algorithm":"aes-256-gcm","active":2,"keys":{{"1":"{key}"}}}}"#),
        r#"{"algorithm":"aes-256-gcm","active":1,"keys":{}}"#.to_string(),
        r#"{"algorithm":"aes-256-gcm","active":1,"keys":{"1":"c2VjcmV0"}}"#.to_string(),
        format!(r#"{{"algorithm":"aes-256-gcm","active":0,"keys":{{"0":"{key}"}}}}"#),
        format!(r#"{{"algorithm":"aes-256-gcm","active":"{key}","keys":{{"1":"{key}"}}}}"#),
        format!(r#"{{"format":"other","algorithm":"aes-256-gcm","active":1,"keys":{{"1":"{key}"}}}}"#),
        format!(r#"{{"algorithm":"aes-256-gcm","active":1,"keys":{{"1":"{key}"}},"extra":1}}"#),
    ];
    for doc in &cases {
        match KeyRing::from_key_file_str(doc) {
            Err(CryptoError::InvalidKeyFile(reason)) => {
                assert!(!reason.contains("AAAA"), "{reason}");
                assert!(!reason.contains("c2VjcmV0"), "{reason}");
            }
            other => panic!("{doc}: {other:?}"),
        }
    }
    assert!(matches!(
        KeyRing::from_key_file_str(&format!(r#"{{"algorithm":"rot13","active":1,"keys":{{"1":"{key}"}}}}"#)),
        Err(CryptoError::UnknownAlgorithm(_))
    ));
    // `format` is optional and url-safe / unpadded keys are accepted.
    let ok = KeyRing::from_key_file_str(
        r#"{"algorithm":"sm4-gcm","active":1,"keys":{"1":"__________________________________________8"}}"#,
    )
    .unwrap();
    assert_eq!(ok.algorithm(), Algorithm::Sm4Gcm);
}

#[test]
fn key_file_is_0600_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jindu-keys.json");
    let ring = KeyRing::generate(Algorithm::Aes256Gcm).unwrap();
    ring.write_key_file(&path, false).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    check_key_file_permissions(&path).unwrap();
    let back = KeyRing::read_key_file(&path).unwrap();
    assert_eq!(back.to_key_file_string(), ring.to_key_file_string());
    let loaded = KeyRing::load(Some(&path), "JINDU_TEST_KEYFILE_UNSET_VAR").unwrap();
    assert_eq!(loaded.to_key_file_string(), ring.to_key_file_string());
}

#[test]
fn refuses_to_overwrite_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.json");
    let first = KeyRing::generate(Algorithm::Aes256Gcm).unwrap();
    first.write_key_file(&path, false).unwrap();
    let before = std::fs::read_to_string(&path).unwrap();

    let mut second = KeyRing::generate(Algorithm::Aes256Gcm).unwrap();
    match second.write_key_file(&path, false) {
        Err(CryptoError::KeyFileExists { path: p }) => assert_eq!(p, path),
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);

    // Rotation writes with overwrite = true (atomic replace, still 0600).
    second.rotate().unwrap();
    second.write_key_file(&path, true).unwrap();
    let back = KeyRing::read_key_file(&path).unwrap();
    assert_eq!(back.active_version(), 2);
    assert_eq!(back.to_key_file_string(), second.to_key_file_string());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // No temporary files left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn missing_file_and_no_source() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.json");
    match KeyRing::read_key_file(&path) {
        Err(e @ CryptoError::KeyFileNotFound { .. }) => {
            assert!(e.to_string().starts_with("密钥文件不存在："));
            assert!(e.to_string().contains("key file not found: "));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(KeyRing::load(None, "JINDU_TEST_NO_SOURCE_UNSET_VAR"), Err(CryptoError::NoKeySource { .. })));
    // Writing into a missing directory is an I/O error, not a panic.
    assert!(matches!(
        KeyRing::generate(Algorithm::Aes256Gcm).unwrap().write_key_file(&dir.path().join("no/such/dir/k.json"), false),
        Err(CryptoError::Io { .. })
    ));
}

#[cfg(unix)]
#[test]
fn loose_permissions_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.json");
    KeyRing::generate(Algorithm::Aes256Gcm).unwrap().write_key_file(&path, false).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(matches!(check_key_file_permissions(&path), Err(CryptoError::InsecurePermissions { mode: 0o644, .. })));
}
