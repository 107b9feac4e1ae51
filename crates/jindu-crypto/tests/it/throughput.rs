//! Not a benchmark: prints how long 10,000 encryptions take (run with
//! `--nocapture`). Nothing is asserted about speed.

use std::time::Instant;

use jindu_crypto::{Aad, Algorithm, KeyRing};

#[test]
fn ten_thousand_encryptions() {
    for alg in Algorithm::ALL {
        let ring = KeyRing::generate(alg).unwrap();
        let aad = Aad::new("persons", "id_number", "0190f3a2-7c4e-7b1a-9d2e-1f2a3b4c5d6e");
        let n = 10_000u32;
        let start = Instant::now();
        let mut last = String::new();
        for _ in 0..n {
            last = ring.encrypt(&aad, "430405199001011234").unwrap();
        }
        let enc = start.elapsed();
        let start = Instant::now();
        for _ in 0..n {
            assert_eq!(ring.decrypt(&aad, &last).unwrap().len(), 18);
        }
        let dec = start.elapsed();
        let start = Instant::now();
        for i in 0..n {
            let _ = ring.blind_index("id_number", &i.to_string());
        }
        let idx = start.elapsed();
        println!(
            "{}: {n} encryptions in {:.1} ms ({:.0}/s); {n} decryptions in {:.1} ms; {n} blind indexes in {:.1} ms",
            alg.as_code(),
            enc.as_secs_f64() * 1e3,
            f64::from(n) / enc.as_secs_f64(),
            dec.as_secs_f64() * 1e3,
            idx.as_secs_f64() * 1e3,
        );
    }
}
