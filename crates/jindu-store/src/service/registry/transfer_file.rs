//! 异地执行 across deployments: the transfer file (issue #4 item 5; 戒毒条例 §22 "the old office
//! sends the file"). [`export`] writes a person's profile, measures (with their clocks), timeline
//! and pending obligations as JSON, encrypted with a one-time passphrase shown once to the
//! exporter; [`import`] on the other deployment checks everything and stores it all or nothing.
//!
//! File format (version [`VERSION`]): a JSON envelope `{format, version, kdf, m_cost, t_cost,
//! p_cost, salt, algorithm, payload}` with no personal data in clear. The key is argon2id(
//! passphrase, salt) (32 bytes); the payload is sealed with AES-256-GCM through
//! [`jindu_crypto::KeyRing`] with associated data `transfer_file.payload:<salt>`.

use argon2::{Algorithm as Argon2Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use jindu_domain::clock::Now;
use jindu_domain::measure::MeasureClock;
use jindu_domain::message::Message;
use jindu_domain::transfer::{self as rules, TransferStatus};
use jindu_domain::{
    AddictionFinding, ControlStatus, DivisionCode, DomainError, EndReason, EventKind, IdNumber, MeasureKind,
    ObligationKind, RiskTier, Sex, Substance, Suspension, TestMethod, TestResult,
};
use sea_orm::Order;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::entities::{event, measure, obligation, person, transfer};
use crate::service::person_rows;
use crate::service::record::TimelineEvent;
use crate::service::{FieldError, ServiceError, ServiceResult, audit, deployment, measures};
use crate::vault::Vault;

/// The envelope's `format` value.
pub const FORMAT: &str = "jindu-transfer-file";
/// The file format version written by this program; import accepts exactly this version.
pub const VERSION: u32 = 1;
/// argon2id cost: memory in KiB, iterations, lanes (OWASP 2023 minimum for argon2id).
const M_COST: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
/// Largest accepted argon2 memory cost from a file (KiB), so a hostile file cannot exhaust memory.
const MAX_M_COST: u32 = 262_144;
/// Letters of a passphrase: no 0/O, 1/I/L.
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    format: String,
    version: u32,
    kdf: String,
    m_cost: u32,
    t_cost: u32,
    p_cost: u32,
    salt: String,
    algorithm: String,
    payload: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    version: u32,
    exported_at: DateTime<Utc>,
    /// 12-digit code of the exporting deployment's root.
    from_root: String,
    /// 12-digit code of the place it was sent to.
    to_code: String,
    person: PersonData,
    measures: Vec<MeasureData>,
    events: Vec<EventData>,
    obligations: Vec<ObligationData>,
}

#[derive(Debug, Serialize, Deserialize)]
struct PersonData {
    name: String,
    id_number: String,
    sex: String,
    birth_date: NaiveDate,
    phone: Option<String>,
    address: Option<String>,
    division_code: String,
    control_status: String,
    risk_tier: String,
    addiction_finding: String,
    substance: Option<String>,
    first_found_on: Option<NaiveDate>,
    note: Option<String>,
    /// Circumstances the risk assessment reads (absent in files from before they existed).
    #[serde(default)]
    employed: Option<bool>,
    #[serde(default)]
    stable_housing: Option<bool>,
    #[serde(default)]
    family_support: Option<bool>,
    #[serde(default)]
    violent_or_self_harm: Option<bool>,
}

#[derive(Debug, Serialize, Deserialize)]
struct MeasureData {
    id: Uuid,
    kind: String,
    decision_date: NaiveDate,
    reported_on: Option<NaiveDate>,
    suspensions: Vec<Suspension>,
    ended_on: Option<NaiveDate>,
    end_reason: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct EventData {
    id: Uuid,
    measure_id: Option<Uuid>,
    kind: String,
    occurred_on: NaiveDate,
    recorded_at: DateTime<Utc>,
    test_method: Option<String>,
    test_result: Option<String>,
    substance: Option<String>,
    note: Option<String>,
    amends: Option<Uuid>,
    detail: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ObligationData {
    kind: String,
    due_date: NaiveDate,
}

/// An exported transfer file.
#[derive(Debug, Clone)]
pub struct Exported {
    /// The file's bytes (JSON, nothing personal in clear).
    pub bytes: Vec<u8>,
    /// The one-time passphrase, shown once; never stored.
    pub passphrase: String,
    /// Hex SHA-256 of the file, recorded in the audit log and the transfer row.
    pub file_hash: String,
    pub transfer_id: Uuid,
}

fn new_passphrase() -> String {
    let chars: Vec<char> = (0..20).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect();
    chars.chunks(5).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// Upper case, without spaces and dashes: how a passphrase is compared.
fn normalize_passphrase(p: &str) -> String {
    p.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect()
}

fn derive_ring(passphrase: &str, salt: &[u8], m: u32, t: u32, p: u32) -> ServiceResult<jindu_crypto::KeyRing> {
    let params = Params::new(m, t, p, Some(32)).map_err(|e| ServiceError::Data(format!("argon2 params: {e}")))?;
    let mut key = [0u8; 32];
    Argon2::new(Argon2Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(normalize_passphrase(passphrase).as_bytes(), salt, &mut key)
        .map_err(|e| ServiceError::Data(format!("argon2: {e}")))?;
    let ring = jindu_crypto::KeyRing::from_master_key(
        jindu_crypto::Algorithm::Aes256Gcm,
        jindu_crypto::MasterKey::from_bytes(key),
    )
    .map_err(|e| ServiceError::Data(format!("key: {e}")))?;
    jindu_crypto::zeroize::Zeroize::zeroize(&mut key);
    Ok(ring)
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn file_error(message: Message) -> ServiceError {
    FieldError::coded("file", "transfer_file.invalid", message).into()
}

fn wrong_passphrase() -> ServiceError {
    FieldError::of("passphrase", Message::new("msg.transfer_file.passphrase")).into()
}

/// Exports person `person_id` to another deployment at `to` (a division code outside this
/// deployment), run by the operator (`who`, e.g. the CLI). In one transaction: a transfer row
/// (external, handed over, with the file hash), a Transfer event, the person moved out of every
/// list of this deployment (their division becomes `to`; the history stays) and their
/// obligations removed; audited as `transfer.export` with the file hash. Refused for a person
/// with an open transfer or a status that allows no transfer.
pub async fn export<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    who: &audit::Who,
    now: Now,
    person_id: Uuid,
    to: &str,
) -> ServiceResult<Exported> {
    let to_code = DivisionCode::parse(to)
        .map_err(|_| DomainError::DivisionCode { field: "to_division", input: to.chars().take(40).collect() })?;
    let root = deployment::root(db).await?.ok_or_else(|| ServiceError::Data("no deployment root".into()))?;
    if root.code.contains(&to_code) {
        return Err(FieldError::of("to_division", Message::new("msg.transfer_file.inside")).into());
    }
    let txn = crate::service::UnitOfWork::begin_as(db, who.clone(), now).await?;
    let p = person::Entity::find_by_id(person_id)
        .one(&txn)
        .await?
        .filter(|p| p.division_code.starts_with(&root.code.prefix()))
        .ok_or(ServiceError::NotFound("person"))?;
    let status = crate::service::stored("control_status", &p.control_status, ControlStatus::from_code)?;
    jindu_domain::status::check_event_allowed(status, EventKind::Transfer)?;
    if crate::service::record::open_of(&txn, p.id).await?.is_some() {
        return Err(DomainError::Transfer { reason: "open_exists" }.into());
    }
    let opened = crate::service::record::open_person(vault, p.clone())?;
    let ms = person_rows(&txn, measure::Column::PersonId, p.id, &[(measure::Column::DecisionDate, Order::Asc)]).await?;
    let measures_data = ms
        .iter()
        .map(|m| {
            Ok(MeasureData {
                id: m.id,
                kind: m.kind.clone(),
                decision_date: m.decision_date,
                reported_on: m.reported_on,
                suspensions: serde_json::from_str(&m.suspensions)
                    .map_err(|e| ServiceError::Data(format!("suspensions: {e}")))?,
                ended_on: m.ended_on,
                end_reason: m.end_reason.clone(),
            })
        })
        .collect::<ServiceResult<Vec<_>>>()?;
    let evs = person_rows(
        &txn,
        event::Column::PersonId,
        p.id,
        &[(event::Column::OccurredOn, Order::Asc), (event::Column::RecordedAt, Order::Asc)],
    )
    .await?;
    let events_data = evs
        .into_iter()
        .map(|e| {
            Ok(EventData {
                note: vault.open_opt("event", "note", e.id, e.note.as_deref())?,
                id: e.id,
                measure_id: e.measure_id,
                kind: e.kind,
                occurred_on: e.occurred_on,
                recorded_at: e.recorded_at,
                test_method: e.test_method,
                test_result: e.test_result,
                substance: e.substance,
                amends: e.amends_event_id,
                detail: e.detail,
            })
        })
        .collect::<ServiceResult<Vec<_>>>()?;
    let obligations_data = obligation::Entity::find()
        .filter(obligation::Column::PersonId.eq(p.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|o| ObligationData { kind: o.kind, due_date: o.due_date })
        .collect();
    let payload = Payload {
        version: VERSION,
        exported_at: now.instant,
        from_root: root.code.to_string(),
        to_code: to_code.to_string(),
        person: PersonData {
            name: opened.name,
            id_number: opened.id_number,
            sex: p.sex.clone(),
            birth_date: p.birth_date,
            phone: opened.phone,
            address: opened.address,
            division_code: p.division_code.clone(),
            control_status: p.control_status.clone(),
            risk_tier: p.risk_tier.clone(),
            addiction_finding: p.addiction_finding.clone(),
            substance: p.substance.clone(),
            first_found_on: p.first_found_on,
            note: opened.note,
            employed: p.employed,
            stable_housing: p.stable_housing,
            family_support: p.family_support,
            violent_or_self_harm: p.violent_or_self_harm,
        },
        measures: measures_data,
        events: events_data,
        obligations: obligations_data,
    };
    let plain = serde_json::to_string(&payload).map_err(|e| ServiceError::Data(e.to_string()))?;
    let passphrase = new_passphrase();
    let salt: [u8; 16] = rand::random();
    let salt_b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(salt);
    let ring = derive_ring(&passphrase, &salt, M_COST, T_COST, P_COST)?;
    let sealed = ring
        .encrypt(&jindu_crypto::Aad::new("transfer_file", "payload", &salt_b64), &plain)
        .map_err(|e| ServiceError::Data(format!("seal: {e}")))?;
    let envelope = Envelope {
        format: FORMAT.into(),
        version: VERSION,
        kdf: "argon2id".into(),
        m_cost: M_COST,
        t_cost: T_COST,
        p_cost: P_COST,
        salt: salt_b64,
        algorithm: "aes-256-gcm".into(),
        payload: sealed,
    };
    let bytes = serde_json::to_vec_pretty(&envelope).map_err(|e| ServiceError::Data(e.to_string()))?;
    let file_hash = hex_sha256(&bytes);

    let transfer_id = Uuid::now_v7();
    let county = to_code.to_string().get(..6).and_then(|c| DivisionCode::parse(c).ok()).unwrap_or(to_code);
    transfer::Entity::insert(transfer::ActiveModel {
        id: Set(transfer_id),
        person_id: Set(p.id),
        from_division_code: Set(p.division_code.clone()),
        from_town_code: Set(p.town_code.clone()),
        to_division_code: Set(to_code.to_string()),
        to_town_code: Set(county.to_string()),
        status: Set(TransferStatus::HandedOver.as_code().to_string()),
        pull: Set(false),
        requested_by: Set(who.user_id),
        requested_at: Set(now.instant),
        reason: Set(None),
        decided_by: Set(who.user_id),
        decided_at: Set(Some(now.instant)),
        decided_on: Set(Some(now.today)),
        reject_reason: Set(None),
        report_deadline: Set(None),
        reported_on: Set(None),
        external: Set(true),
        file_hash: Set(Some(file_hash.clone())),
    })
    .exec(&txn)
    .await?;
    crate::service::transfers::move_person(&txn, &p, &to_code.to_string(), &county.to_string(), now).await?;
    obligation::Entity::delete_many().filter(obligation::Column::PersonId.eq(p.id)).exec(&txn).await?;
    let note = format!("移交至系统外（异地执行）：{}，文件 SHA-256 {}", to_code, &file_hash[..16]);
    let detail = serde_json::json!({ "transfer_id": transfer_id.to_string(), "step": "handed_over", "from": p.division_code, "to": to_code.to_string(), "file_hash": file_hash }).to_string();
    TimelineEvent::new(p.id, EventKind::Transfer, now.today)
        .note(vault, &note)
        .detail(detail)
        .insert_by(&txn, who.user_id, now)
        .await?;
    // The figures: the person counts here until the hand-over and in the other county after.
    crate::service::indicators::maintain(&txn, p.id, now.today).await?;
    txn.audit(
        audit::Entry::ok("transfer.export", "person", p.id).with_detail(format!("{transfer_id} sha256={file_hash}")),
    )
    .await?;
    txn.commit().await?;
    Ok(Exported { bytes, passphrase, file_hash, transfer_id })
}

/// Result of an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub person_id: Uuid,
    /// False when this very file was imported before (nothing new was stored).
    pub created: bool,
    /// Last day to report at the new place (15 days from the import, 戒毒条例 §22).
    pub report_deadline: NaiveDate,
}

fn opt_code<T>(field: &'static str, v: &Option<String>, parse: fn(&str) -> Option<T>) -> ServiceResult<Option<T>> {
    v.as_deref().map(|s| crate::service::parse_code(field, s, parse).map_err(ServiceError::from)).transpose()
}

/// Imports a transfer file into town or community `town` of this deployment, run by the
/// operator (`who`). Checks the passphrase, the format version and every value (ID number,
/// codes, dates, measure clocks); refuses an ID number already registered here with the words of
/// the registration form; stores all or nothing. The person arrives under an accepted external
/// transfer with a report duty due 15 days after today ([`rules::report_deadline`]). Importing
/// the same file again stores nothing new and returns the person imported the first time.
pub async fn import<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    who: &audit::Who,
    now: Now,
    file: &[u8],
    passphrase: &str,
    town: &str,
) -> ServiceResult<Imported> {
    let envelope: Envelope =
        serde_json::from_slice(file).map_err(|_| file_error(Message::new("msg.transfer_file.not_jindu")))?;
    if envelope.format != FORMAT || envelope.version != VERSION {
        return Err(file_error(
            Message::new("msg.transfer_file.version")
                .text("format", &envelope.format)
                .text("version", envelope.version)
                .text("supported", VERSION),
        ));
    }
    if envelope.kdf != "argon2id"
        || envelope.algorithm != "aes-256-gcm"
        || envelope.m_cost > MAX_M_COST
        || envelope.t_cost > 10
        || envelope.p_cost > 8
    {
        return Err(file_error(Message::new("msg.transfer_file.parameters")));
    }
    if normalize_passphrase(passphrase).is_empty() {
        return Err(DomainError::Required { field: "passphrase" }.into());
    }
    let salt =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&envelope.salt).map_err(|_| wrong_passphrase())?;
    let ring = derive_ring(passphrase, &salt, envelope.m_cost, envelope.t_cost, envelope.p_cost)
        .map_err(|_| wrong_passphrase())?;
    let plain = ring
        .decrypt(&jindu_crypto::Aad::new("transfer_file", "payload", &envelope.salt), &envelope.payload)
        .map_err(|_| wrong_passphrase())?;
    let payload: Payload =
        serde_json::from_str(&plain).map_err(|_| file_error(Message::new("msg.transfer_file.damaged")))?;
    let file_hash = hex_sha256(file);

    let txn = crate::service::UnitOfWork::begin_as(db, who.clone(), now).await?;
    // The same file again: nothing new.
    if let Some(t) = transfer::Entity::find().filter(transfer::Column::FileHash.eq(file_hash.clone())).one(&txn).await?
    {
        return Ok(Imported {
            person_id: t.person_id,
            created: false,
            report_deadline: t.report_deadline.unwrap_or(now.today),
        });
    }
    let (division, town_code) = target(&txn, town).await?;
    let mut errors: Vec<FieldError> = Vec::new();
    let pd = &payload.person;
    let number = IdNumber::parse_on(&pd.id_number, now.today)
        .map_err(|reason| errors.push(DomainError::IdNumber { field: "id_number", reason }.into()))
        .ok();
    if let Some(n) = &number
        && person::Entity::find()
            .filter(person::Column::IdNumberBidx.is_in(vault.id_number_search(n.as_str())))
            .one(&txn)
            .await?
            .is_some()
    {
        // The operator has the whole deployment in view: name the town, as the form does.
        let cli = import_actor(&txn, who).await?;
        if let Some(dup) = crate::service::transfers::find_duplicate(&txn, vault, &cli, n).await? {
            errors.push(dup.error());
        }
    }
    let name = jindu_domain::event::validate_name("name", &pd.name).map_err(|e| errors.push(e.into())).ok();
    let sex = crate::service::parse_code("sex", &pd.sex, Sex::from_code).map_err(|e| errors.push(e)).ok();
    let status = crate::service::parse_code("control_status", &pd.control_status, ControlStatus::from_code)
        .map_err(|e| errors.push(e))
        .ok();
    let tier =
        crate::service::parse_code("risk_tier", &pd.risk_tier, RiskTier::from_code).map_err(|e| errors.push(e)).ok();
    let finding = crate::service::parse_code("addiction_finding", &pd.addiction_finding, AddictionFinding::from_code)
        .map_err(|e| errors.push(e))
        .ok();
    let substance = opt_code("substance", &pd.substance, Substance::from_code).map_err(|e| push(&mut errors, e)).ok();
    if number.as_ref().is_some_and(|n| n.birth_date() != pd.birth_date) {
        errors.push(FieldError::of("birth_date", Message::new("msg.transfer_file.birth_date")));
    }
    let mut clocks = Vec::new();
    for m in &payload.measures {
        match measure_clock(m, now.today) {
            Ok(c) => clocks.push((m, c)),
            Err(e) => push(&mut errors, e),
        }
    }
    for e in &payload.events {
        if let Err(x) = crate::service::parse_code("kind", &e.kind, EventKind::from_code) {
            errors.push(x);
        }
        if e.occurred_on > now.today {
            errors
                .push(DomainError::DateInFuture { field: "event_date", date: e.occurred_on, today: now.today }.into());
        }
        for r in [
            opt_code("test_method", &e.test_method, TestMethod::from_code).map(|_| ()),
            opt_code("test_result", &e.test_result, TestResult::from_code).map(|_| ()),
            opt_code("substance", &e.substance, Substance::from_code).map(|_| ()),
        ] {
            if let Err(x) = r {
                push(&mut errors, x);
            }
        }
    }
    let (Some(number), Some(name), Some(sex), Some(status), Some(tier), Some(finding), Ok(substance), true) =
        (number, name, sex, status, tier, finding, substance.ok_or(()), errors.is_empty())
    else {
        return Err(ServiceError::Invalid(errors));
    };

    let person_id = Uuid::now_v7();
    let sealed = crate::service::persons::seal_person(
        vault,
        person_id,
        &name,
        number.as_str(),
        pd.phone.as_deref(),
        pd.address.as_deref(),
        pd.note.as_deref(),
    )?;
    person::Entity::insert(person::ActiveModel {
        sex: Set(sex.as_code().to_string()),
        birth_date: Set(number.birth_date()),
        division_code: Set(division.to_string()),
        town_code: Set(town_code.to_string()),
        control_status: Set(status.as_code().to_string()),
        risk_tier: Set(tier.as_code().to_string()),
        addiction_finding: Set(finding.as_code().to_string()),
        substance: Set(substance.map(|s| s.as_code().to_string())),
        social_worker_id: Set(None),
        first_found_on: Set(pd.first_found_on),
        employed: Set(pd.employed),
        stable_housing: Set(pd.stable_housing),
        family_support: Set(pd.family_support),
        violent_or_self_harm: Set(pd.violent_or_self_harm),
        ..sealed.new_row(person_id, now)
    })
    .exec(&txn)
    .await?;
    let cal = deployment::calendar(&txn).await?;
    let mut measure_ids = std::collections::HashMap::new();
    for (m, clock) in &clocks {
        let id = Uuid::now_v7();
        measure_ids.insert(m.id, id);
        let mut am = measure::ActiveModel {
            id: Set(id),
            person_id: Set(person_id),
            kind: Set(clock.kind.as_code().to_string()),
            decision_date: Set(clock.decision_date),
            created_at: Set(now.instant),
            ..Default::default()
        };
        measures::clock_columns(&mut am, clock, now, &cal)?;
        am.insert(&txn).await?;
    }
    let mut event_ids = std::collections::HashMap::new();
    for e in &payload.events {
        event_ids.insert(e.id, Uuid::now_v7());
    }
    for e in &payload.events {
        let id = event_ids.get(&e.id).copied().unwrap_or_else(Uuid::now_v7);
        let note = e.note.as_deref().map(|n| {
            jindu_domain::event::validate_free_text("note", n, 2000).unwrap_or_else(|_| n.chars().take(2000).collect())
        });
        event::Entity::insert(event::ActiveModel {
            id: Set(id),
            person_id: Set(person_id),
            measure_id: Set(e.measure_id.and_then(|m| measure_ids.get(&m).copied())),
            kind: Set(e.kind.clone()),
            occurred_on: Set(e.occurred_on),
            recorded_at: Set(e.recorded_at),
            // The recorder belongs to the other system; the note keeps what they wrote.
            recorded_by: Set(None),
            test_method: Set(e.test_method.clone()),
            test_result: Set(e.test_result.clone()),
            substance: Set(e.substance.clone()),
            note: Set(vault.seal_opt("event", "note", id, note.as_deref())?),
            amends_event_id: Set(e.amends.and_then(|a| event_ids.get(&a).copied())),
            detail: Set(e.detail.clone()),
        })
        .exec(&txn)
        .await?;
    }
    let deadline = rules::report_deadline(now.today, &cal);
    let transfer_id = Uuid::now_v7();
    transfer::Entity::insert(transfer::ActiveModel {
        id: Set(transfer_id),
        person_id: Set(person_id),
        from_division_code: Set(payload.person.division_code.clone()),
        from_town_code: Set(payload.person.division_code.get(..9).map(|t| format!("{t}000")).unwrap_or_default()),
        to_division_code: Set(division.to_string()),
        to_town_code: Set(town_code.to_string()),
        status: Set(TransferStatus::Accepted.as_code().to_string()),
        pull: Set(false),
        requested_by: Set(None),
        requested_at: Set(payload.exported_at),
        reason: Set(None),
        decided_by: Set(who.user_id),
        decided_at: Set(Some(now.instant)),
        decided_on: Set(Some(now.today)),
        reject_reason: Set(None),
        report_deadline: Set(Some(deadline)),
        reported_on: Set(None),
        external: Set(true),
        file_hash: Set(Some(file_hash.clone())),
    })
    .exec(&txn)
    .await?;
    let note = format!(
        "自系统外接收（异地执行）：原执行地 {}，应于{deadline}前报到（戒毒条例第二十二条）",
        payload.person.division_code
    );
    let detail = serde_json::json!({ "transfer_id": transfer_id.to_string(), "step": "imported", "from": payload.person.division_code, "to": division.to_string(), "file_hash": file_hash }).to_string();
    TimelineEvent::new(person_id, EventKind::Transfer, now.today)
        .note(vault, &note)
        .detail(detail)
        .insert_by(&txn, who.user_id, now)
        .await?;
    crate::service::casework::reconcile(&txn, person_id, Some(jindu_domain::AssessmentTrigger::Registration)).await?;
    // Without a running measure there is no schedule, but the report duty still applies.
    if obligation::Entity::find()
        .filter(obligation::Column::PersonId.eq(person_id))
        .filter(obligation::Column::Kind.eq(ObligationKind::TransferReport.as_code()))
        .one(&txn)
        .await?
        .is_none()
        && status == ControlStatus::UnderControl
    {
        obligation::Entity::insert(obligation::ActiveModel {
            person_id: Set(person_id),
            kind: Set(ObligationKind::TransferReport.as_code().to_string()),
            due_date: Set(deadline),
            division_code: Set(division.to_string()),
            social_worker_id: Set(None),
            measure_id: Set(None),
        })
        .exec(&txn)
        .await?;
    }
    txn.audit(
        audit::Entry::ok("transfer.import", "person", person_id)
            .with_detail(format!("{transfer_id} sha256={file_hash}")),
    )
    .await?;
    txn.commit().await?;
    Ok(Imported { person_id, created: true, report_deadline: deadline })
}

fn push(errors: &mut Vec<FieldError>, e: ServiceError) {
    match e {
        ServiceError::Invalid(mut es) => errors.append(&mut es),
        other => errors.push(FieldError::coded(
            "file",
            "transfer_file.invalid",
            Message::new("msg.internal").text("detail", other),
        )),
    }
}

/// Rebuilds and checks a measure's clock from the file by replaying its steps.
fn measure_clock(m: &MeasureData, today: NaiveDate) -> ServiceResult<MeasureClock> {
    let kind = crate::service::parse_code("measure_kind", &m.kind, MeasureKind::from_code)?;
    let mut clock = MeasureClock::decide(kind, m.decision_date, today)?;
    if let Some(r) = m.reported_on {
        clock.record_report(r, today)?;
    }
    for s in &m.suspensions {
        clock.suspend(s.from, today)?;
        if let Some(to) = s.to {
            clock.resume(to, today)?;
        }
    }
    match (m.ended_on, m.end_reason.as_deref()) {
        (Some(d), Some(r)) => {
            clock.end(d, crate::service::parse_code("end_reason", r, EndReason::from_code)?, today)?
        }
        (None, None) => {}
        _ => return Err(DomainError::Required { field: "end_reason" }.into()),
    }
    Ok(clock)
}

/// The receiving community or town (of this deployment).
async fn target<C: ConnectionTrait>(db: &C, town: &str) -> ServiceResult<(DivisionCode, DivisionCode)> {
    let root = deployment::root(db).await?.ok_or_else(|| ServiceError::Data("no deployment root".into()))?;
    let outside = || {
        ServiceError::from(FieldError::coded(
            "town",
            "division.outside",
            Message::new("msg.transfer_file.town_outside").text("town", town.chars().take(40).collect::<String>()),
        ))
    };
    if town.trim().is_empty() {
        return Err(DomainError::Required { field: "town" }.into());
    }
    let code = DivisionCode::parse(town).map_err(|_| outside())?;
    if !root.code.contains(&code) || deployment::division_by_code(db, code).await?.is_none() {
        return Err(outside());
    }
    match code.level() {
        jindu_domain::DivisionLevel::Town => Ok((code, code)),
        jindu_domain::DivisionLevel::Village => Ok((code, code.parent().ok_or_else(outside)?)),
        _ => Err(outside()),
    }
}

/// An actor with the whole deployment in view, standing for the operator in the duplicate check.
async fn import_actor<C: ConnectionTrait>(db: &C, who: &audit::Who) -> ServiceResult<crate::service::Actor> {
    let root = deployment::root(db).await?.ok_or_else(|| ServiceError::Data("no deployment root".into()))?;
    Ok(crate::service::Actor {
        user_id: who.user_id.unwrap_or_else(Uuid::nil),
        username: who.username.clone(),
        display_name: who.username.clone(),
        role: jindu_domain::Role::Office,
        profile: jindu_domain::access::default_profile(jindu_domain::Role::Office),
        scope: root.code,
        address: who.address.clone(),
        credentials_changed_at: None,
        member_unit: None,
        enterprise: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passphrases_are_grouped_and_compared_loosely() {
        let p = new_passphrase();
        assert_eq!(p.len(), 23);
        assert_eq!(p.matches('-').count(), 3);
        assert!(p.chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))));
        assert_eq!(normalize_passphrase("abcde-fghjk mnpqr"), "ABCDEFGHJKMNPQR");
    }

    #[test]
    fn a_sealed_payload_opens_only_with_its_passphrase() {
        let salt = [7u8; 16];
        let ring = derive_ring("ABCDE-FGHJK-MNPQR-STUVW", &salt, 1024, 1, 1).unwrap();
        let aad = jindu_crypto::Aad::new("transfer_file", "payload", "s");
        let sealed = ring.encrypt(&aad, "{\"x\":1}").unwrap();
        let same = derive_ring("abcde fghjk mnpqr stuvw", &salt, 1024, 1, 1).unwrap();
        assert_eq!(same.decrypt(&aad, &sealed).unwrap(), "{\"x\":1}");
        let other = derive_ring("ABCDE-FGHJK-MNPQR-STUVX", &salt, 1024, 1, 1).unwrap();
        assert!(other.decrypt(&aad, &sealed).is_err());
    }
}
