//! Blind indexes and search normalisation.

use jindu_crypto::{
    Algorithm, KeyRing, MasterKey, blind_index_version, normalize_id_number, normalize_name, normalize_phone,
};

#[test]
fn deterministic_and_shaped() {
    for alg in Algorithm::ALL {
        let ring = KeyRing::generate(alg).unwrap();
        let a = ring.blind_index("id_number", "430405199001011234");
        let b = ring.blind_index("id_number", "430405199001011234");
        assert_eq!(a, b);
        assert!(a.starts_with("b1:"));
        assert_eq!(a.len(), 3 + 22);
        assert_eq!(blind_index_version(&a), Some(1));
        assert_ne!(a, ring.blind_index("id_number", "430405199001011235"));
    }
}

#[test]
fn columns_and_rings_are_separated() {
    let ring = KeyRing::generate(Algorithm::Aes256Gcm).unwrap();
    assert_ne!(ring.blind_index("name", "张三"), ring.blind_index("alias", "张三"));
    // "column\0value" framing: moving bytes between column and value differs.
    assert_ne!(ring.blind_index("ab", "c"), ring.blind_index("a", "bc"));

    let other = KeyRing::generate(Algorithm::Aes256Gcm).unwrap();
    assert_ne!(ring.blind_index("name", "张三"), other.blind_index("name", "张三"));

    // Same master key, different algorithm (HMAC-SHA256 vs HMAC-SM3).
    let aes = KeyRing::from_master_key(Algorithm::Aes256Gcm, MasterKey::from_bytes([3; 32])).unwrap();
    let sm4 = KeyRing::from_master_key(Algorithm::Sm4Gcm, MasterKey::from_bytes([3; 32])).unwrap();
    assert_ne!(aes.blind_index("name", "张三"), sm4.blind_index("name", "张三"));
}

#[test]
fn search_list_survives_rotation() {
    for alg in Algorithm::ALL {
        let mut ring = KeyRing::generate(alg).unwrap();
        let before = ring.blind_index("name", "张三");
        assert_eq!(ring.blind_indexes_for_search("name", "张三"), vec![before.clone()]);

        ring.rotate().unwrap();
        let after = ring.blind_index("name", "张三");
        assert!(after.starts_with("b2:"));
        assert_ne!(before, after);
        // Active first, then older ones newest first.
        assert_eq!(ring.blind_indexes_for_search("name", "张三"), vec![after.clone(), before.clone()]);

        ring.rotate().unwrap();
        let list = ring.blind_indexes_for_search("name", "张三");
        assert_eq!(list.len(), 3);
        assert!(list[0].starts_with("b3:"));
        assert_eq!(list[1], after);
        assert_eq!(list[2], before);

        // Reloading the ring gives the same indexes.
        let reloaded = KeyRing::from_key_file_str(&ring.to_key_file_string()).unwrap();
        assert_eq!(reloaded.blind_indexes_for_search("name", "张三"), list);
    }
}

#[test]
fn blind_index_version_parsing() {
    assert_eq!(blind_index_version("b12:abc"), Some(12));
    for bad in ["", "b", "b:", "b1:", "x1:abc", "b01:abc", "b0:abc", "1:abc"] {
        assert_eq!(blind_index_version(bad), None, "{bad:?}");
    }
}

#[test]
fn normalisation() {
    assert_eq!(normalize_id_number(" 43040519900101123x "), "43040519900101123X");
    assert_eq!(normalize_id_number("４３０４０５１９９００１０１１２３ｘ"), "43040519900101123X");
    assert_eq!(normalize_name(" 张 三 "), "张三");
    assert_eq!(normalize_name("张\u{3000}三"), "张三");
    assert_eq!(normalize_name("买买提.艾力"), "买买提·艾力");
    assert_eq!(normalize_name("买买提・艾力"), "买买提·艾力");
    assert_eq!(normalize_name("买买提•艾力"), "买买提·艾力");
    assert_eq!(normalize_name("John SMITH"), "johnsmith");
    assert_eq!(normalize_phone("+86 138-1234-5678"), "13812345678");
    assert_eq!(normalize_phone("0086 13812345678"), "13812345678");
    assert_eq!(normalize_phone("１３８１２３４５６７８"), "13812345678");
    assert_eq!(normalize_phone("0731-8888 6666"), "073188886666");

    // Normalised forms give equal indexes.
    let ring = KeyRing::generate(Algorithm::Sm4Gcm).unwrap();
    assert_eq!(
        ring.blind_index("id_number", &normalize_id_number("43040519900101123x")),
        ring.blind_index("id_number", &normalize_id_number("43040519900101123X"))
    );
}
