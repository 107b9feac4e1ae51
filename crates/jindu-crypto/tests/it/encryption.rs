//! Encryption, decryption, AAD binding, tampering and rotation.

use jindu_crypto::{Aad, Algorithm, CryptoError, KeyRing, MasterKey, stored_key_version};

const ROW: &str = "0190f3a2-7c4e-7b1a-9d2e-1f2a3b4c5d6e";

fn aad(column: &str) -> Aad<'_> {
    Aad::new("persons", column, ROW)
}

#[test]
fn algorithm_codes_round_trip() {
    assert_eq!(Algorithm::Aes256Gcm.as_code(), "aes-256-gcm");
    assert_eq!(Algorithm::Sm4Gcm.as_code(), "sm4-gcm");
    for a in Algorithm::ALL {
        assert_eq!(Algorithm::from_code(a.as_code()).unwrap(), a);
        assert_eq!(a.as_code().parse::<Algorithm>().unwrap(), a);
        assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{}\"", a.as_code()));
    }
    assert!(matches!(
        Algorithm::from_code("AES-256-GCM"),
        Err(CryptoError::UnknownAlgorithm(c)) if c == "AES-256-GCM"
    ));
}

#[test]
fn aad_renders_table_column_row() {
    assert_eq!(Aad::new("persons", "name", "42").to_bytes(), b"persons.name:42".to_vec());
}

#[test]
fn round_trip_both_algorithms() {
    for alg in Algorithm::ALL {
        let ring = KeyRing::generate(alg).unwrap();
        for plain in [
            "",
            "张三明",
            "430405199001011234",
            "13812345678",
            "湖南省长沙市岳麓区麓山南路88号",
            "多行\n备注：2024-05-01 尿检阴性。\u{1F600}",
        ] {
            let stored = ring.encrypt(&aad("notes"), plain).unwrap();
            let prefix = format!("j1:{}:1:", alg.as_code());
            assert!(stored.starts_with(&prefix), "{stored}");
            assert!(stored.is_ascii());
            assert_eq!(stored_key_version(&stored).unwrap(), (alg, 1));
            assert_eq!(ring.decrypt(&aad("notes"), &stored).unwrap(), plain);
        }
    }
}

#[test]
fn ciphertext_length_is_as_documented() {
    let ring = KeyRing::from_master_key(Algorithm::Aes256Gcm, MasterKey::from_bytes([1; 32])).unwrap();
    let stored = ring.encrypt(&aad("id_number"), "430405199001011234").unwrap();
    // "j1:aes-256-gcm:1:" (17) + base64url of 12 + 18 + 16 = 46 bytes (62 chars).
    assert_eq!(stored.len(), 17 + 62);
}

#[test]
fn same_plaintext_encrypts_differently() {
    let ring = KeyRing::generate(Algorithm::Aes256Gcm).unwrap();
    let a = ring.encrypt(&aad("name"), "张三").unwrap();
    let b = ring.encrypt(&aad("name"), "张三").unwrap();
    assert_ne!(a, b);
}

#[test]
fn wrong_aad_fails_with_decrypt() {
    for alg in Algorithm::ALL {
        let ring = KeyRing::generate(alg).unwrap();
        let stored = ring.encrypt(&aad("name"), "张三明").unwrap();
        let other_row = Aad::new("persons", "name", "0190f3a2-7c4e-7b1a-9d2e-000000000000");
        let other_col = Aad::new("persons", "address", ROW);
        let other_table = Aad::new("contacts", "name", ROW);
        for wrong in [other_row, other_col, other_table] {
            assert!(matches!(ring.decrypt(&wrong, &stored), Err(CryptoError::Decrypt)));
        }
    }
}

#[test]
fn wrong_key_fails_with_decrypt() {
    let a = KeyRing::generate(Algorithm::Aes256Gcm).unwrap();
    let b = KeyRing::generate(Algorithm::Aes256Gcm).unwrap();
    let stored = a.encrypt(&aad("name"), "张三明").unwrap();
    assert!(matches!(b.decrypt(&aad("name"), &stored), Err(CryptoError::Decrypt)));
}

#[test]
fn tampered_byte_fails_with_decrypt() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    for alg in Algorithm::ALL {
        let ring = KeyRing::generate(alg).unwrap();
        let stored = ring.encrypt(&aad("phone"), "13812345678").unwrap();
        let (head, body) = stored.rsplit_once(':').unwrap();
        let blob = URL_SAFE_NO_PAD.decode(body).unwrap();
        // Flip one bit in every byte position: nonce, ciphertext and tag.
        for i in 0..blob.len() {
            let mut t = blob.clone();
            t[i] ^= 0x01;
            let forged = format!("{head}:{}", URL_SAFE_NO_PAD.encode(&t));
            assert!(matches!(ring.decrypt(&aad("phone"), &forged), Err(CryptoError::Decrypt)), "byte {i}");
        }
        // Truncated tag.
        let short = format!("{head}:{}", URL_SAFE_NO_PAD.encode(&blob[..blob.len() - 1]));
        assert!(matches!(ring.decrypt(&aad("phone"), &short), Err(CryptoError::Decrypt)));
    }
}

#[test]
fn header_errors() {
    let ring = KeyRing::generate(Algorithm::Aes256Gcm).unwrap();
    let good = ring.encrypt(&aad("name"), "张三").unwrap();
    let body = good.rsplit_once(':').unwrap().1;
    let a = aad("name");
    assert!(matches!(ring.decrypt(&a, &format!("j1:aes-256-gcm:7:{body}")), Err(CryptoError::UnknownKeyVersion(7))));
    for bad in [
        "",
        "张三",
        "j2:aes-256-gcm:1:AAAA",
        "j1:des:1:AAAA",
        "j1:aes-256-gcm:0:AAAA",
        "j1:aes-256-gcm:01:AAAA",
        "j1:aes-256-gcm:x:AAAA",
        "j1:aes-256-gcm:1",
        "j1:aes-256-gcm:1:",
        "j1:aes-256-gcm:1:AAAA",
        "j1:aes-256-gcm:1:!!!!",
        "j1:aes-256-gcm:1:AAAA:AAAA",
    ] {
        assert!(
            matches!(ring.decrypt(&a, bad), Err(CryptoError::Malformed(_))),
            "{bad:?} -> {:?}",
            ring.decrypt(&a, bad)
        );
    }
}

#[test]
fn invalid_aad_is_rejected() {
    let ring = KeyRing::generate(Algorithm::Aes256Gcm).unwrap();
    for bad in [
        Aad::new("", "name", "1"),
        Aad::new("persons", "", "1"),
        Aad::new("persons", "name", ""),
        Aad::new("per.sons", "name", "1"),
        Aad::new("persons", "na:me", "1"),
        Aad::new("persons", "na\0me", "1"),
    ] {
        assert!(matches!(ring.encrypt(&bad, "x"), Err(CryptoError::InvalidAad(_))));
    }
    // The row id is last, so it may contain separators.
    let ok = Aad::new("persons", "name", "a.b:c");
    let s = ring.encrypt(&ok, "x").unwrap();
    assert_eq!(ring.decrypt(&ok, &s).unwrap(), "x");
}

#[test]
fn rotation_keeps_old_values_readable() {
    for alg in Algorithm::ALL {
        let mut ring = KeyRing::generate(alg).unwrap();
        let old = ring.encrypt(&aad("name"), "欧阳娜娜").unwrap();
        assert!(!ring.needs_rotation(&old));

        assert_eq!(ring.rotate().unwrap(), 2);
        assert_eq!(ring.active_version(), 2);
        assert_eq!(ring.versions(), vec![1, 2]);

        assert_eq!(ring.decrypt(&aad("name"), &old).unwrap(), "欧阳娜娜");
        assert!(ring.needs_rotation(&old));

        let plain = ring.decrypt(&aad("name"), &old).unwrap();
        let new = ring.encrypt(&aad("name"), &plain).unwrap();
        assert!(new.starts_with(&format!("j1:{}:2:", alg.as_code())));
        assert!(!ring.needs_rotation(&new));
        assert!(ring.needs_rotation("not encrypted"));

        // Retire v1 once everything is re-encrypted.
        assert!(matches!(ring.retire_version(2), Err(CryptoError::CannotRetire(2))));
        ring.retire_version(1).unwrap();
        assert!(matches!(ring.retire_version(1), Err(CryptoError::CannotRetire(1))));
        assert!(matches!(ring.decrypt(&aad("name"), &old), Err(CryptoError::UnknownKeyVersion(1))));
        assert_eq!(ring.decrypt(&aad("name"), &new).unwrap(), "欧阳娜娜");
        assert_eq!(ring.rotate().unwrap(), 3);
    }
}

#[test]
fn value_under_other_algorithm_needs_rotation_but_decrypts() {
    // Same master key, ring switched from AES to SM4 in the key file.
    let aes = KeyRing::from_master_key(Algorithm::Aes256Gcm, MasterKey::from_bytes([9; 32])).unwrap();
    let sm4 = KeyRing::from_master_key(Algorithm::Sm4Gcm, MasterKey::from_bytes([9; 32])).unwrap();
    let stored = aes.encrypt(&aad("name"), "张三").unwrap();
    assert!(sm4.needs_rotation(&stored));
    assert_eq!(sm4.decrypt(&aad("name"), &stored).unwrap(), "张三");
}

#[test]
fn debug_output_has_no_secrets() {
    let key = MasterKey::from_bytes([0xAB; 32]);
    assert_eq!(format!("{key:?}"), "MasterKey(<redacted>)");
    let ring = KeyRing::from_master_key(Algorithm::Sm4Gcm, key).unwrap();
    let dbg = format!("{ring:?}");
    assert_eq!(dbg, "KeyRing { algorithm: Sm4Gcm, active: 1, versions: [1] }");
}

#[test]
fn error_messages_are_bilingual() {
    let e = CryptoError::KeyFileNotFound { path: "/etc/jindu/keys.json".into() };
    assert_eq!(e.to_string(), "密钥文件不存在：/etc/jindu/keys.json / key file not found: /etc/jindu/keys.json");
    assert_eq!(CryptoError::UnknownKeyVersion(3).to_string(), "未知的密钥版本：3 / unknown key version: 3");
}

#[test]
fn key_ring_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<KeyRing>();
}
