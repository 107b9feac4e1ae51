//! `jindu bench precursors`: bulk-generates enterprises and ledger movements (multi-row inserts:
//! half sales, half the buyers' matching purchases, about 5 % of them off by 4 % so they stay
//! unmatched), times `recheck_all` from scratch, then one new movement's `recheck` (p50/p99 over
//! `--samples`), and beside it a plain SQL self-join finding, for every sale, a compatible
//! purchase, printing the ratio. Prints figures; asserts nothing.

use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{Duration as Days, NaiveDate};
use jindu_domain::clock::Now;
use jindu_store::db;
use jindu_store::entities::{precursor_enterprise as ent, precursor_movement as mv};
use jindu_store::service::precursors::checks;
use jindu_store::service::{UnitOfWork, audit};
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbBackend, EntityTrait, Statement};
use uuid::Uuid;

/// Options of the bench.
pub struct Options {
    pub url: Option<String>,
    pub enterprises: usize,
    pub movements: usize,
    pub samples: usize,
}

/// A synthetic credit code: `91430405` + 10 digits (the bench does not check it).
fn code(i: usize) -> String {
    format!("91430405{i:010}")
}

pub async fn run(o: Options) -> Result<()> {
    let (url, temp) = match &o.url {
        Some(u) => (u.clone(), None),
        None => {
            let dir = std::env::temp_dir().join(format!("jindu-bench-precursors-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            (format!("sqlite://{}", dir.join("bench.db").display()), Some(dir))
        }
    };
    let res = measure(&url, &o).await;
    if let Some(dir) = temp {
        let _ = std::fs::remove_dir_all(dir);
    }
    res
}

async fn measure(url: &str, o: &Options) -> Result<()> {
    let conn = db::connect(url).await?;
    let now = Now::system();
    let n = o.enterprises.max(2);
    let started = Instant::now();
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
    let towns = ["430405001000", "430405002000", "430405003000", "430405007000", "430405009000"];
    let mut rows = Vec::with_capacity(n);
    for (i, id) in ids.iter().enumerate() {
        let town = towns[i % towns.len()];
        rows.push(ent::ActiveModel {
            id: Set(*id),
            credit_code: Set(code(i)),
            name: Set(format!("演示企业{i:05}（演示数据）")),
            roles: Set("trade".into()),
            business_scope: Set("演示".into()),
            registered_address: Set("演示地址".into()),
            division_code: Set(town.into()),
            legal_rep_name: Set("演示".into()),
            legal_rep_id_number: Set(None),
            legal_rep_id_bidx: Set(None),
            legal_rep_phone: Set(None),
            responsible_name: Set("演示".into()),
            responsible_id_number: Set(None),
            responsible_id_bidx: Set(None),
            responsible_phone: Set(None),
            hazardous_licence: Set(None),
            status: Set("normal".into()),
            police_unit: Set(town.into()),
            safety_unit: Set("演示".into()),
            version: Set(1),
            created_by: Set(None),
            created_at: Set(now.instant),
            updated_at: Set(now.instant),
        });
        if rows.len() == 500 {
            ent::Entity::insert_many(std::mem::take(&mut rows)).exec_without_returning(&conn).await?;
        }
    }
    if !rows.is_empty() {
        ent::Entity::insert_many(rows).exec_without_returning(&conn).await?;
    }
    // Movements: pairs (sale by A to B, purchase by B from A); 1 in 20 purchases 4 % short.
    let mut rng = rand::rngs::StdRng::seed_from_u64(21);
    let first = now.today - Days::days(365);
    let pairs = o.movements / 2;
    let mut batch: Vec<mv::ActiveModel> = Vec::with_capacity(1000);
    let row = |id: Uuid, e: usize, kind: &str, q: i64, on: NaiveDate, other: usize, doc: String| mv::ActiveModel {
        id: Set(id),
        enterprise_id: Set(ids[e]),
        division_code: Set(towns[e % towns.len()].into()),
        warehouse_id: Set(Uuid::from_u128(ids[e].as_u128() ^ 1)),
        entry: Set("e41".into()),
        category: Set(3),
        measure: Set("mass".into()),
        kind: Set(kind.into()),
        quantity: Set(q),
        concentration_bp: Set(None),
        occurred_on: Set(on),
        document_no: Set(doc),
        counterparty_code: Set(Some(code(other))),
        counterparty_id: Set(None),
        counterparty_name: Set(None),
        payment: Set(Some("transfer".into())),
        credential_id: Set(None),
        filed_on: Set(Some(on)),
        reverses: Set(None),
        source: Set("import".into()),
        import_job_id: Set(None),
        recorded_by: Set(Uuid::nil()),
        recorded_at: Set(now.instant),
    };
    for p in 0..pairs {
        let a = rng.random_range(0..n);
        let mut b = rng.random_range(0..n);
        if b == a {
            b = (a + 1) % n;
        }
        let q: i64 = rng.random_range(1_000..200_000);
        let on = first + Days::days(rng.random_range(0..360));
        let bought = if p % 20 == 0 { q * 96 / 100 } else { q };
        batch.push(row(Uuid::now_v7(), a, "sale", q, on, b, format!("XS{p}")));
        batch.push(row(Uuid::now_v7(), b, "purchase", bought, on + Days::days(1), a, format!("CG{p}")));
        if batch.len() >= 1000 {
            mv::Entity::insert_many(std::mem::take(&mut batch)).exec_without_returning(&conn).await?;
        }
    }
    if !batch.is_empty() {
        mv::Entity::insert_many(batch).exec_without_returning(&conn).await?;
    }
    jindu_store::sql::optimize(&conn).await.ok();
    println!(
        "generated {n} enterprises and {} movements in {:.1} s on {}",
        pairs * 2,
        started.elapsed().as_secs_f64(),
        url.split(':').next().unwrap_or("")
    );

    // The full re-check from scratch.
    let t = Instant::now();
    let r = checks::recheck_all(&conn, now, 200).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let full = t.elapsed();
    println!(
        "recheck_all from scratch: {:.2} s ({} enterprises, {} findings raised, {} resolved)",
        full.as_secs_f64(),
        r.enterprises,
        r.raised,
        r.resolved
    );

    // The plain SQL self-join: every sale with a compatible purchase (same pair, entry, within
    // 30 days, quantity within 0.5 %).
    let days = match conn.get_database_backend() {
        DbBackend::Postgres => "abs(p.occurred_on - s.occurred_on)",
        _ => "abs(julianday(p.occurred_on) - julianday(s.occurred_on))",
    };
    let sql = format!(
        "SELECT count(*) AS n FROM precursor_movement s \
         JOIN precursor_enterprise ea ON ea.id = s.enterprise_id \
         JOIN precursor_enterprise eb ON eb.credit_code = s.counterparty_code \
         WHERE s.kind = 'sale' AND EXISTS (SELECT 1 FROM precursor_movement p \
           WHERE p.enterprise_id = eb.id AND p.kind = 'purchase' AND p.counterparty_code = ea.credit_code \
           AND p.entry = s.entry AND {days} <= 30 \
           AND abs(p.quantity - s.quantity) * 10000 <= s.quantity * 50)"
    );
    let t = Instant::now();
    let matched = conn
        .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await?
        .and_then(|r| r.try_get::<i64>("", "n").ok())
        .unwrap_or(0);
    let join = t.elapsed();
    println!(
        "plain SQL self-join: {:.2} s ({matched} of {pairs} sales with a compatible purchase); recheck_all / join = {:.2}",
        join.as_secs_f64(),
        full.as_secs_f64() / join.as_secs_f64().max(1e-9)
    );

    // One new movement's re-check, in its unit of work, as a ledger write does it.
    let mut samples: Vec<Duration> = Vec::with_capacity(o.samples);
    for k in 0..o.samples.max(1) {
        let a = rng.random_range(0..n);
        let b = (a + 1 + rng.random_range(0..n - 1)) % n;
        let on = now.today - Days::days(rng.random_range(0..30));
        let m = row(Uuid::now_v7(), a, "sale", 10_000, on, b, format!("NEW{k}"));
        let t = Instant::now();
        let uow = UnitOfWork::begin_as(&conn, audit::Who::system(), now).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        mv::Entity::insert(m).exec_without_returning(&uow).await?;
        checks::recheck(&uow, now, &[ids[a]]).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        uow.commit().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        samples.push(t.elapsed());
    }
    let (p50, p99, mean) = crate::bench::summary(&mut samples);
    println!(
        "one new movement + recheck of its enterprise ({} samples): p50 {p50:.1} ms, p99 {p99:.1} ms, mean {mean:.1} ms",
        samples.len()
    );
    Ok(())
}
