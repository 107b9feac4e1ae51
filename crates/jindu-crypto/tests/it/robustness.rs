//! `decrypt` and friends never panic, whatever they are given.

use jindu_crypto::{Aad, Algorithm, CryptoError, KeyRing, blind_index_version, stored_key_version};
use proptest::prelude::*;
use rand::{Rng, RngCore};

fn aad() -> Aad<'static> {
    Aad::new("persons", "notes", "row-1")
}

#[test]
fn thousand_random_garbage_strings() {
    let ring = KeyRing::generate(Algorithm::Aes256Gcm).unwrap();
    let mut rng = rand::rng();
    let alphabet: Vec<char> = "j1:aes-256-gcmsm4AZaz09_-+/=!张\0\u{FFFF}".chars().collect();
    for i in 0..1000 {
        let len = rng.random_range(0..200);
        let s: String = match i % 3 {
            // Arbitrary chars.
            0 => (0..len).map(|_| rng.random::<char>()).collect(),
            // Chars from a tricky alphabet.
            1 => (0..len).map(|_| alphabet[rng.random_range(0..alphabet.len())]).collect(),
            // A valid-looking header with random base64url bytes.
            _ => {
                let mut bytes = vec![0u8; len];
                rng.fill_bytes(&mut bytes);
                use base64::Engine;
                format!(
                    "j1:{}:1:{}",
                    if i % 2 == 0 { "aes-256-gcm" } else { "sm4-gcm" },
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
                )
            }
        };
        assert!(ring.decrypt(&aad(), &s).is_err(), "{s:?}");
        let _ = ring.needs_rotation(&s);
        let _ = stored_key_version(&s);
        let _ = blind_index_version(&s);
    }
}

#[test]
fn every_truncation_of_a_valid_value_fails_cleanly() {
    for alg in Algorithm::ALL {
        let ring = KeyRing::generate(alg).unwrap();
        let stored = ring.encrypt(&aad(), "2024-05-01 尿检阴性").unwrap();
        for cut in 0..stored.len() {
            let r = ring.decrypt(&aad(), &stored[..cut]);
            assert!(matches!(r, Err(CryptoError::Malformed(_) | CryptoError::Decrypt)), "cut {cut}: {r:?}");
        }
        assert!(ring.decrypt(&aad(), &stored).is_ok());
    }
}

proptest! {
    #[test]
    fn decrypt_never_panics(s in ".*") {
        let ring = KeyRing::from_master_key(
            Algorithm::Sm4Gcm,
            jindu_crypto::MasterKey::from_bytes([5; 32]),
        ).unwrap();
        prop_assert!(ring.decrypt(&aad(), &s).is_err());
    }

    #[test]
    fn decrypt_never_panics_on_j1_bodies(body in "[A-Za-z0-9_\\-]{0,120}", v in 0u32..4) {
        let ring = KeyRing::from_master_key(
            Algorithm::Aes256Gcm,
            jindu_crypto::MasterKey::from_bytes([5; 32]),
        ).unwrap();
        let s = format!("j1:aes-256-gcm:{v}:{body}");
        prop_assert!(ring.decrypt(&aad(), &s).is_err());
    }

    #[test]
    fn round_trip_any_text(plain in "\\PC{0,64}", row in "[a-z0-9:.\\-]{1,40}") {
        for alg in Algorithm::ALL {
            let ring = KeyRing::from_master_key(alg, jindu_crypto::MasterKey::from_bytes([6; 32])).unwrap();
            let a = Aad::new("persons", "notes", &row);
            let s = ring.encrypt(&a, &plain).unwrap();
            prop_assert_eq!(ring.decrypt(&a, &s).unwrap(), plain.clone());
        }
    }

    #[test]
    fn masks_never_panic(s in "\\PC{0,40}") {
        let _ = jindu_crypto::mask_name(&s);
        let _ = jindu_crypto::mask_phone(&s);
        let _ = jindu_crypto::mask_id_number(&s);
        let _ = jindu_crypto::mask_address(&s);
        let _ = jindu_crypto::normalize_name(&s);
        let _ = jindu_crypto::normalize_id_number(&s);
        let _ = jindu_crypto::normalize_phone(&s);
    }
}
