//! 人员管控 the registry: registering persons, listing and searching them within scope, and
//! the person page (details, measures, timeline, obligations).

use chrono::NaiveDate;
use jindu_domain::clock::Now;
use jindu_domain::event::parse_date;
use jindu_domain::indicator::Headcount;
use jindu_domain::message::Message;
use jindu_domain::{
    AddictionFinding, AssessmentTrigger, ControlStatus, DivisionCode, DivisionLevel, DomainError, IdNumber,
    MeasureKind, Permission, RiskTier, Role, Substance,
};
use sea_orm::Order;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{app_user, division, event, measure, obligation, person};
use crate::service::Sealed;
use crate::service::measures::{self, MeasureView};
use crate::service::person_rows;
use crate::service::record::open_person_write;
use crate::service::record::{self, TimelineEvent, check_version, load_visible, open_person};
use crate::service::{
    Actor, FieldError, Page, ServiceError, ServiceResult, audit, casework, parse_code, scope_bounds, stored,
};
use crate::vault::Vault;

/// The sealed (encrypted) columns of a person row and its blind indexes, from plaintext.
/// AAD = `person.<column>:<id>`.
pub struct SealedPerson {
    pub name: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub note: Option<String>,
    pub name_bidx: String,
    pub id_number_bidx: String,
}

impl SealedPerson {
    /// A new person row `id` registered at `now` with these sealed columns and blind indexes:
    /// version 1, not lost, not sealed, not yet assessed. The caller sets every other column
    /// (`..sealed.new_row(id, now)` after them): sex, birth date, divisions, status, tier, finding,
    /// substance, social worker, first found, circumstances.
    pub(crate) fn new_row(self, id: Uuid, now: Now) -> person::ActiveModel {
        person::ActiveModel {
            id: Set(id),
            name: Set(self.name),
            id_number: Set(self.id_number),
            phone: Set(self.phone),
            address: Set(self.address),
            note: Set(self.note),
            name_bidx: Set(Some(self.name_bidx)),
            id_number_bidx: Set(Some(self.id_number_bidx)),
            lost_since: Set(None),
            sealed_on: Set(None),
            risk_assessed_on: Set(None),
            risk_score: Set(None),
            version: Set(1),
            created_at: Set(now.instant),
            updated_at: Set(now.instant),
            ..Default::default()
        }
    }
}

/// Seals a person's personal fields for row `id` (also the bulk loader's, [`crate::seed`]).
pub fn seal_person(
    vault: &Vault,
    id: Uuid,
    name: &str,
    id_number: &str,
    phone: Option<&str>,
    address: Option<&str>,
    note: Option<&str>,
) -> ServiceResult<SealedPerson> {
    let row = id.to_string();
    Ok(SealedPerson {
        name: vault.seal("person", "name", &row, name)?,
        id_number: vault.seal("person", "id_number", &row, id_number)?,
        phone: vault.seal_opt("person", "phone", id, phone)?,
        address: vault.seal_opt("person", "address", id, address)?,
        note: vault.seal_opt("person", "note", id, note)?,
        name_bidx: vault.name_index(name),
        id_number_bidx: vault.id_number_index(id_number),
    })
}

/// Longest accepted name (characters).
pub const MAX_NAME_CHARS: usize = jindu_domain::event::MAX_NAME_CHARS;

/// The registration form, as typed (all text, validated here).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct NewPerson {
    pub name: String,
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub address: String,
    /// 12-digit code (or a name path) of the community or town.
    pub division: String,
    #[serde(default)]
    pub addiction_finding: String,
    #[serde(default)]
    pub substance: String,
    /// 就业 / 住所 / 家庭支持 / 暴力或自伤自残: `yes`, `no` or empty (not recorded).
    #[serde(default)]
    pub employed: String,
    #[serde(default)]
    pub stable_housing: String,
    #[serde(default)]
    pub family_support: String,
    #[serde(default)]
    pub violent_or_self_harm: String,
    #[serde(default)]
    pub social_worker_id: String,
    #[serde(default)]
    pub first_found_on: String,
    /// Optional first measure: kind code, decision date, report date.
    #[serde(default)]
    pub measure_kind: String,
    #[serde(default)]
    pub decision_date: String,
    #[serde(default)]
    pub report_date: String,
    #[serde(default)]
    pub note: String,
}

fn opt(s: &str) -> Option<&str> {
    let t = s.trim();
    if t.is_empty() { None } else { Some(t) }
}

/// Resolves a division typed as a code or a name path and checks it lies in the actor's scope
/// and is a town or a community. Errors name the field `division`.
pub async fn resolve_division<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    input: &str,
) -> Result<(DivisionCode, DivisionCode), FieldError> {
    let input = input.trim();
    let not_in =
        || FieldError::coded("division", "division.outside", Message::new("msg.division.outside").text("input", input));
    if input.is_empty() {
        return Err(DomainError::Required { field: "division" }.into());
    }
    let found = if input.chars().all(|c| c.is_ascii_digit()) {
        let code = DivisionCode::parse(input).map_err(FieldError::from)?;
        division::Entity::find_by_id(code.to_string()).one(db).await.map_err(|_| not_in())?
    } else {
        let path = input.trim_matches('/');
        division::Entity::find()
            .filter(
                Condition::any()
                    .add(division::Column::NamePath.eq(path))
                    .add(division::Column::NamePath.like(format!("%/{path}"))),
            )
            .one(db)
            .await
            .map_err(|_| not_in())?
    };
    let Some(d) = found else { return Err(not_in()) };
    let code = DivisionCode::parse(&d.code).map_err(|_| not_in())?;
    if !actor.sees(&d.code) {
        return Err(not_in());
    }
    let town = match code.level() {
        DivisionLevel::Town => code,
        DivisionLevel::Village => code.parent().ok_or_else(not_in)?,
        _ => {
            return Err(FieldError::of("division", Message::new("msg.division.level")));
        }
    };
    Ok((code, town))
}

/// The fields a registration and an edit share, as typed.
pub struct ProfileInput<'a> {
    pub name: &'a str,
    pub phone: &'a str,
    pub address: &'a str,
    pub division: &'a str,
    pub addiction_finding: &'a str,
    pub substance: &'a str,
    pub employed: &'a str,
    pub stable_housing: &'a str,
    pub family_support: &'a str,
    pub violent_or_self_harm: &'a str,
    pub social_worker_id: &'a str,
    pub note: &'a str,
}

fn profile_input(p: &NewPerson) -> ProfileInput<'_> {
    ProfileInput {
        name: &p.name,
        phone: &p.phone,
        address: &p.address,
        division: &p.division,
        addiction_finding: &p.addiction_finding,
        substance: &p.substance,
        employed: &p.employed,
        stable_housing: &p.stable_housing,
        family_support: &p.family_support,
        violent_or_self_harm: &p.violent_or_self_harm,
        social_worker_id: &p.social_worker_id,
        note: &p.note,
    }
}

/// The shared fields, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// The community or town the person is managed in, and its town.
    pub division: DivisionCode,
    pub town: DivisionCode,
    pub finding: AddictionFinding,
    pub circumstances: Circumstances,
    pub substance: Option<Substance>,
    pub worker: Option<Uuid>,
    pub note: Option<String>,
}

/// What the risk assessment reads of a person's situation; `None` = not recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Circumstances {
    /// 有稳定就业.
    pub employed: Option<bool>,
    /// 有固定住所.
    pub stable_housing: Option<bool>,
    /// 有家庭支持.
    pub family_support: Option<bool>,
    /// 有暴力或自伤自残行为.
    pub violent_or_self_harm: Option<bool>,
}

/// Parses a yes/no form field: `yes`/`no` (also `1`/`0`, `true`/`false`, `是`/`否`, `有`/`无`);
/// empty = not recorded.
fn parse_yes_no(field: &'static str, input: &str) -> Result<Option<bool>, FieldError> {
    match input.trim() {
        "" => Ok(None),
        "yes" | "1" | "true" | "是" | "有" => Ok(Some(true)),
        "no" | "0" | "false" | "否" | "无" => Ok(Some(false)),
        other => Err(DomainError::InvalidChoice { field, input: other.chars().take(20).collect() }.into()),
    }
}

/// The form value of a yes/no field.
pub fn yes_no_code(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
}

/// Longest accepted phone number (characters) and address (characters; longer is cut).
pub const MAX_PHONE_CHARS: usize = 20;
pub const MAX_ADDRESS_CHARS: usize = 200;

/// Checks the shared fields, pushing every problem onto `errors`; `Some` only when all pass.
/// Default addiction finding 成瘾; the risk tier is not typed but assessed from the record. The social worker must be a social worker
/// inside the actor's scope; the division must be a town or community inside it.
pub async fn parse_profile<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    input: ProfileInput<'_>,
    errors: &mut Vec<FieldError>,
) -> ServiceResult<Option<Profile>> {
    let before = errors.len();
    let name =
        jindu_domain::event::validate_name("name", input.name).map_err(|e| errors.push(e.into())).unwrap_or_default();
    let division = resolve_division(db, actor, input.division).await.map_err(|e| errors.push(e)).ok();
    let finding = match opt(input.addiction_finding) {
        None => Some(AddictionFinding::Addicted),
        Some(s) => parse_code("addiction_finding", s, AddictionFinding::from_code).map_err(|e| errors.push(e)).ok(),
    };
    let mut yes_no = |field: &'static str, v: &str| parse_yes_no(field, v).map_err(|e| errors.push(e)).ok().flatten();
    let circumstances = Circumstances {
        employed: yes_no("employed", input.employed),
        stable_housing: yes_no("stable_housing", input.stable_housing),
        family_support: yes_no("family_support", input.family_support),
        violent_or_self_harm: yes_no("violent_or_self_harm", input.violent_or_self_harm),
    };
    let substance = opt(input.substance)
        .map(|s| parse_code("substance", s, Substance::from_code))
        .transpose()
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let worker = match opt(input.social_worker_id) {
        None => None,
        Some(s) => {
            let found = match Uuid::parse_str(s) {
                Ok(wid) => app_user::Entity::find_by_id(wid)
                    .one(db)
                    .await?
                    // A social worker of the person's own town or community, inside the actor's scope.
                    .filter(|u| {
                        u.role == Role::SocialWorker.as_code()
                            && actor.sees(&u.division_code)
                            && DivisionCode::parse(&u.division_code).is_ok_and(|w| {
                                division.as_ref().is_none_or(|(d, _)| d.to_string().starts_with(&w.prefix()))
                            })
                    })
                    .map(|u| u.id),
                Err(_) => None,
            };
            if found.is_none() {
                errors.push(
                    DomainError::InvalidChoice { field: "social_worker_id", input: s.chars().take(40).collect() }
                        .into(),
                );
            }
            found
        }
    };
    let phone = opt(input.phone).map(str::to_string);
    if let Some(p) = &phone
        && (p.chars().count() > MAX_PHONE_CHARS
            || !p.chars().all(|c| c.is_ascii_digit() || c == '-' || c == '+' || c == ' '))
    {
        errors.push(FieldError::of("phone", Message::new("msg.phone.format")));
    }
    let address = opt(input.address)
        .map(|a| jindu_domain::event::validate_free_text("address", a, MAX_ADDRESS_CHARS))
        .transpose()
        .map_err(|e| errors.push(e.into()))
        .ok()
        .flatten();
    let note = match opt(input.note) {
        Some(n) => jindu_domain::event::validate_free_text("note", n, jindu_domain::event::MAX_NOTE_CHARS)
            .map_err(|e| errors.push(e.into()))
            .ok(),
        None => None,
    };
    match (division, finding, errors.len() == before) {
        (Some((division, town)), Some(finding), true) => {
            Ok(Some(Profile { name, phone, address, division, town, finding, circumstances, substance, worker, note }))
        }
        _ => Ok(None),
    }
}

/// Registers a person (and optionally the first measure). All fields are checked and every
/// problem is returned at once; nothing is stored unless all pass. Duplicate ID numbers are
/// refused in scope-safe words. Returns the new person's id.
pub async fn register<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    input: NewPerson,
) -> ServiceResult<Uuid> {
    actor.require(Permission::EditPersons)?;
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::EditPersons).await?;
    let id = register_in(&txn, vault, actor, now, input).await?;
    txn.commit().await?;
    Ok(id)
}

/// [`register`] inside the caller's transaction `db`, without a transaction (or savepoint) of its
/// own; the caller holds [`audit::lock`] and commits, or rolls back on any error. For an import,
/// which registers every row in one transaction: a savepoint per row made PostgreSQL slower with
/// every row (a transaction with tens of thousands of subtransactions).
///
/// # Errors
/// As [`register`].
pub async fn register_in<T: ConnectionTrait + sea_orm::TransactionSession>(
    db: &crate::service::UnitOfWork<T>,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    input: NewPerson,
) -> ServiceResult<Uuid> {
    actor.require(Permission::EditPersons)?;
    let mut errors: Vec<FieldError> = Vec::new();
    let id_number = match IdNumber::parse_on(&input.id_number, now.today) {
        Ok(n) => Some(n),
        Err(reason) => {
            errors.push(DomainError::IdNumber { field: "id_number", reason }.into());
            None
        }
    };
    if let Some(n) = &id_number
        && let Some(dup) = crate::service::transfers::find_duplicate(db, vault, actor, n).await?
    {
        // Scope-safe: in scope, open the record; elsewhere, only the town (or county) and whom
        // to contact, never the name or details (issue #4 item 8).
        errors.push(dup.error());
    }
    let profile = parse_profile(db, actor, profile_input(&input), &mut errors).await?;
    let first_found = match opt(&input.first_found_on).map(|s| parse_date("first_found_on", s)).transpose() {
        Ok(Some(d)) if d > now.today => {
            Err(DomainError::DateInFuture { field: "first_found_on", date: d, today: now.today })
        }
        other => other,
    };
    let first_found = first_found.map_err(|e| errors.push(e.into())).ok().flatten();
    let birth = id_number.as_ref().map(IdNumber::birth_date);
    if let (Some(d), Some(b)) = (first_found, birth)
        && d < b
    {
        errors.push(
            DomainError::DateBefore { field: "first_found_on", date: d, other_field: "birth_date", other: b }.into(),
        );
    }
    let measure_input = match opt(&input.measure_kind) {
        None if opt(&input.decision_date).is_some() || opt(&input.report_date).is_some() => {
            errors.push(DomainError::Required { field: "measure_kind" }.into());
            None
        }
        None => None,
        Some(k) => match measures::parse_decision(k, &input.decision_date, &input.report_date, now) {
            Ok(m) if birth.is_some_and(|b| m.decision_date < b) => {
                let b = birth.unwrap_or(m.decision_date);
                errors.push(
                    DomainError::DateBefore {
                        field: "decision_date",
                        date: m.decision_date,
                        other_field: "birth_date",
                        other: b,
                    }
                    .into(),
                );
                None
            }
            Ok(m) => Some(m),
            Err(mut es) => {
                errors.append(&mut es);
                None
            }
        },
    };
    let (Some(id_number), Some(profile), true) = (id_number, profile, errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };

    let id = Uuid::now_v7();
    let sealed = seal_person(
        vault,
        id,
        &profile.name,
        id_number.as_str(),
        profile.phone.as_deref(),
        profile.address.as_deref(),
        profile.note.as_deref(),
    )?;
    let txn = db;
    person::Entity::insert(person::ActiveModel {
        sex: Set(id_number.sex().as_code().to_string()),
        birth_date: Set(id_number.birth_date()),
        division_code: Set(profile.division.to_string()),
        town_code: Set(profile.town.to_string()),
        control_status: Set(ControlStatus::UnderControl.as_code().to_string()),
        risk_tier: Set(RiskTier::Low.as_code().to_string()),
        addiction_finding: Set(profile.finding.as_code().to_string()),
        substance: Set(profile.substance.map(|s| s.as_code().to_string())),
        social_worker_id: Set(profile.worker),
        first_found_on: Set(first_found),
        employed: Set(profile.circumstances.employed),
        stable_housing: Set(profile.circumstances.stable_housing),
        family_support: Set(profile.circumstances.family_support),
        violent_or_self_harm: Set(profile.circumstances.violent_or_self_harm),
        ..sealed.new_row(id, now)
    })
    .exec(txn)
    .await?;
    let measure_summary = measure_input.as_ref().map(|m| format!("{} {}", m.kind.as_code(), m.decision_date));
    if let Some(m) = measure_input {
        measures::insert_decision(txn, actor, now, id, m).await?;
    }
    casework::reconcile(txn, id, Some(AssessmentTrigger::Registration)).await?;
    // What was created (before: nothing), so a bulk import leaves one record per person that
    // says where and with whom (issue #18 item 2).
    let created = format!(
        "division {}; social_worker {}; measure {}",
        profile.division,
        profile.worker.map_or_else(|| "none".to_string(), |w| w.to_string()),
        measure_summary.unwrap_or_else(|| "none".to_string())
    );
    txn.audit(audit::Entry::ok("person.create", "person", id).with_detail(created)).await?;
    Ok(id)
}

/// A person as the pages show them.
#[derive(Debug, Clone)]
pub struct PersonView {
    pub id: Uuid,
    pub name: String,
    pub id_number: IdNumber,
    /// The ID number as shown: masked unless this view was unmasked.
    pub id_display: String,
    /// True when phone, address and ID number are shown in full (an audited unmask).
    pub unmasked: bool,
    pub sex: jindu_domain::Sex,
    pub birth_date: NaiveDate,
    pub age: u32,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub division_code: String,
    pub division_path: String,
    pub town_code: String,
    pub status: ControlStatus,
    pub risk_tier: RiskTier,
    pub finding: AddictionFinding,
    pub substance: Option<Substance>,
    pub social_worker: Option<String>,
    pub social_worker_id: Option<Uuid>,
    pub first_found_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub version: i32,
    /// Kind of the open (not ended) measure, if any.
    pub current_measure: Option<MeasureKind>,
    /// Decision date and report date (if reported) of that measure: what the person export
    /// writes so that its file imports back (issue #18 item 8).
    pub current_dates: Option<(NaiveDate, Option<NaiveDate>)>,
    /// Score of the latest risk assessment.
    pub risk_score: Option<i32>,
    pub circumstances: Circumstances,
    /// Day lost (失控), while lost.
    pub lost_since: Option<NaiveDate>,
    /// Day the record was sealed (戒断三年).
    pub sealed_on: Option<NaiveDate>,
}

/// Filters of the person list; empty strings mean "any".
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PersonFilter {
    pub town: String,
    pub community: String,
    pub measure: String,
    pub status: String,
    /// Full name or ID number (exact, any accepted form; found by blind index, since both are
    /// encrypted at rest).
    pub q: String,
    /// 1-based page number as typed (empty: 1).
    pub page: String,
    /// `1`: the records sealed after three years' abstinence instead (needs `OpenSealed`;
    /// otherwise ignored: routine lists never show them).
    pub sealed: String,
    /// A risk tier code (`high`, `medium`, `low`); empty = all.
    pub risk: String,
}

/// A [`PersonFilter`] read strictly ([`jindu_domain::query`]): every value given is one the list
/// takes, divisions inside the actor's scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckedPersonFilter {
    pub town: Option<DivisionCode>,
    pub community: Option<DivisionCode>,
    pub measure: Option<MeasureKind>,
    pub status: Option<ControlStatus>,
    /// A count of the glossary instead of one status (`registered` = 在册, `in_control`, `lost`).
    pub headcount: Option<Headcount>,
    pub risk: Option<jindu_domain::RiskTier>,
    /// 1-based.
    pub page: u64,
    pub sealed: bool,
}

impl PersonFilter {
    /// Reads the filter strictly for `actor`: `town` a 9-digit town and `community` a 12-digit
    /// community inside the actor's scope, `measure`, `status` (a control status or a
    /// [`Headcount`] code) and `risk` known codes, `page` 1 to
    /// 1,000,000, `sealed` 1 or 0. The search text `q` is free.
    ///
    /// # Errors
    /// `Invalid` naming every refused parameter (`query.*` codes).
    pub fn check(&self, actor: &Actor) -> ServiceResult<CheckedPersonFilter> {
        use jindu_domain::query;
        let mut c = query::Check::new();
        // `status` takes a control status or one of the glossary's counts (在册, 在控, 失控).
        let headcount =
            Headcount::from_code(self.status.trim()).filter(|_| ControlStatus::from_code(self.status.trim()).is_none());
        let f = CheckedPersonFilter {
            town: c.take(query::division("town", &self.town, jindu_domain::DivisionLevel::Town, &actor.scope)),
            community: c.take(query::division(
                "community",
                &self.community,
                jindu_domain::DivisionLevel::Village,
                &actor.scope,
            )),
            measure: c.take(query::choice("measure", &self.measure, MeasureKind::ALL, MeasureKind::as_code)),
            status: if headcount.is_some() {
                None
            } else {
                // The refusal lists the glossary's counts too (they are accepted above).
                c.take(query::choice("status", &self.status, ControlStatus::ALL, ControlStatus::as_code).map_err(|e| {
                    match e {
                        jindu_domain::DomainError::InvalidFilter {
                            field,
                            input,
                            expected: query::Expected::OneOf(mut codes),
                        } => {
                            let counts: Vec<&'static str> =
                                Headcount::ALL.iter().map(|h| h.code()).filter(|h| !codes.contains(h)).collect();
                            codes.extend(counts);
                            jindu_domain::DomainError::InvalidFilter {
                                field,
                                input,
                                expected: query::Expected::OneOf(codes),
                            }
                        }
                        other => other,
                    }
                }))
            },
            headcount,
            risk: c.take(query::choice(
                "risk",
                &self.risk,
                jindu_domain::RiskTier::ALL,
                jindu_domain::RiskTier::as_code,
            )),
            page: c.take(query::page("page", &self.page)),
            sealed: c.take(query::flag("sealed", &self.sealed)),
        };
        crate::service::query_checked(c)?;
        Ok(f)
    }
}

/// Persons per list page.
pub const PER_PAGE: u64 = 20;

/// The person list within the actor's scope (a social worker sees their own caseload), with
/// filters and paging, ordered by division then registration. Every filter value is read
/// strictly ([`PersonFilter::check`]): an unknown one is refused, never ignored. The search text
/// matches a full name or an ID number exactly.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    filter: &PersonFilter,
) -> ServiceResult<Page<PersonView>> {
    actor.require(Permission::ViewPersons)?;
    let checked = filter.check(actor)?;
    let q = list_query(vault, actor, filter, &checked);
    let total = q.clone().count(db).await?;
    let page = crate::service::page_within(checked.page, total, PER_PAGE);
    let models = q
        .order_by_asc(person::Column::DivisionCode)
        .order_by_asc(person::Column::Id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .all(db)
        .await?;
    let rows = views(db, vault, now, models, false).await?;
    Ok(Page { rows, page, per_page: PER_PAGE, total })
}

/// The exports of person lists (`/export/{list}/…`: persons, due and overdue duties, alerts,
/// lost) need `ViewPersons`: checked before the list's name and the query are read (403 first),
/// then again by the service that reads each list.
///
/// # Errors
/// Forbidden.
pub fn authorize_list_export(actor: &Actor) -> ServiceResult<()> {
    actor.require(Permission::ViewPersons)
}

/// Every person of the list with `filter` (its page ignored), in the list's order, for an export;
/// `unmask` shows ID numbers, phones and addresses in full (the caller has checked `Unmask` and
/// audits it). Read in batches of 1,000.
pub async fn list_all<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    filter: &PersonFilter,
    unmask: bool,
) -> ServiceResult<Vec<PersonView>> {
    actor.require(Permission::ViewPersons)?;
    if unmask {
        actor.require(Permission::Unmask)?;
    }
    let checked = filter.check(actor)?;
    let q = list_query(vault, actor, filter, &checked)
        .order_by_asc(person::Column::DivisionCode)
        .order_by_asc(person::Column::Id);
    let mut out = Vec::new();
    let mut pages = q.paginate(db, 1000);
    while let Some(models) = pages.fetch_and_next().await? {
        out.extend(views(db, vault, now, models, unmask).await?);
    }
    Ok(out)
}

/// The counts of persons ([`Headcount`]: 在册, 在控, 失控, …) of the person list's scope, caseload
/// and filters — all but the status filter, so the list states how many of its persons are 在册
/// by the one definition the 驾驶舱, the overview, the API and the report use. One grouped count
/// over `control_status`. Needs `ViewPersons`.
pub async fn headcounts<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    filter: &PersonFilter,
) -> ServiceResult<Vec<(Headcount, u64)>> {
    actor.require(Permission::ViewPersons)?;
    let unfiltered = PersonFilter { status: String::new(), page: String::new(), ..filter.clone() };
    let checked = unfiltered.check(actor)?;
    let rows: Vec<(String, i64)> = list_query(vault, actor, &unfiltered, &checked)
        .select_only()
        .column(person::Column::ControlStatus)
        .column_as(
            sea_orm::sea_query::Expr::from(sea_orm::sea_query::Func::count(sea_orm::sea_query::Expr::col(
                person::Column::Id,
            ))),
            "n",
        )
        .group_by(person::Column::ControlStatus)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_status: std::collections::HashMap<ControlStatus, i64> = std::collections::HashMap::new();
    for (status, n) in rows {
        *by_status.entry(stored("control_status", &status, ControlStatus::from_code)?).or_default() += n;
    }
    Ok(Headcount::ALL
        .iter()
        .map(|h| (*h, u64::try_from(h.count(|s| by_status.get(&s).copied().unwrap_or(0))).unwrap_or(0)))
        .collect())
}

/// The query of the person list: scope, caseload, sealed or not, and the filters. `status` is a
/// control status code or a [`Headcount`] code (`registered` = 在册, `in_control`, `lost`).
fn list_query(
    vault: &Vault,
    actor: &Actor,
    filter: &PersonFilter,
    checked: &CheckedPersonFilter,
) -> sea_orm::Select<person::Entity> {
    let (lo, hi) = scope_bounds(&actor.scope);
    let mut q = person::Entity::find().filter(person::Column::DivisionCode.between(lo, hi));
    q = if checked.sealed && actor.can(Permission::OpenSealed) {
        q.filter(person::Column::SealedOn.is_not_null())
    } else {
        q.filter(person::Column::SealedOn.is_null())
    };
    if actor.caseload_only() {
        q = q.filter(person::Column::SocialWorkerId.eq(actor.user_id));
    }
    if let Some(t) = checked.town {
        let (lo, hi) = scope_bounds(&t);
        q = q.filter(person::Column::TownCode.between(lo, hi));
    }
    if let Some(c) = checked.community {
        q = q.filter(person::Column::DivisionCode.eq(c.to_string()));
    }
    if let Some(s) = checked.status {
        q = q.filter(person::Column::ControlStatus.eq(s.as_code()));
    } else if let Some(h) = checked.headcount {
        q = q.filter(person::Column::ControlStatus.is_in(h.statuses().iter().map(|s| s.as_code())));
    }
    if let Some(r) = checked.risk {
        q = q.filter(person::Column::RiskTier.eq(r.as_code()));
    }
    if let Some(k) = checked.measure {
        q = q.filter(
            person::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(measure::Column::PersonId)
                    .from(measure::Entity)
                    .and_where(measure::Column::Kind.eq(k.as_code()))
                    .and_where(measure::Column::EndedOn.is_null())
                    .to_owned(),
            ),
        );
    }
    let text = filter.q.trim();
    if !text.is_empty() {
        q = match IdNumber::parse(text) {
            Ok(n) => q.filter(person::Column::IdNumberBidx.is_in(vault.id_number_search(n.as_str()))),
            Err(_) => q.filter(person::Column::NameBidx.is_in(vault.name_search(text))),
        };
    }
    q
}

async fn views<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    now: Now,
    models: Vec<person::Model>,
    unmask: bool,
) -> ServiceResult<Vec<PersonView>> {
    let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
    let open: Vec<measure::Model> = measure::Entity::find()
        .filter(measure::Column::PersonId.is_in(ids.clone()))
        .filter(measure::Column::EndedOn.is_null())
        .all(db)
        .await?;
    let worker_ids: Vec<Uuid> = models.iter().filter_map(|m| m.social_worker_id).collect();
    let workers = app_user::Entity::find().filter(app_user::Column::Id.is_in(worker_ids)).all(db).await?;
    let codes: Vec<String> = models.iter().map(|m| m.division_code.clone()).collect();
    let divisions = division::Entity::find().filter(division::Column::Code.is_in(codes)).all(db).await?;
    models
        .into_iter()
        .map(|m| {
            let open_measure = open.iter().filter(|x| x.person_id == m.id).max_by_key(|x| x.decision_date);
            let current = open_measure.and_then(|x| MeasureKind::from_code(&x.kind));
            let dates = open_measure.map(|x| (x.decision_date, x.reported_on));
            let worker =
                m.social_worker_id.and_then(|w| workers.iter().find(|u| u.id == w)).map(|u| u.display_name.clone());
            let path =
                divisions.iter().find(|d| d.code == m.division_code).map(|d| d.name_path.clone()).unwrap_or_default();
            let mut view = to_view(open_person(vault, m)?, now, current, worker, path, unmask)?;
            view.current_dates = dates;
            Ok(view)
        })
        .collect()
}

fn to_view(
    m: person::Model,
    now: Now,
    current: Option<MeasureKind>,
    worker: Option<String>,
    path: String,
    unmask: bool,
) -> ServiceResult<PersonView> {
    let id_number = IdNumber::parse(&m.id_number).map_err(|_| ServiceError::Data(format!("id_number of {}", m.id)))?;
    // Masked by default (430405********1234, 138****5678); full values only on an audited unmask.
    let (id_display, phone, address) = if unmask {
        (id_number.as_str().to_string(), m.phone, m.address)
    } else {
        (
            id_number.masked(),
            m.phone.as_deref().map(jindu_crypto::mask_phone),
            m.address.as_deref().map(jindu_crypto::mask_address),
        )
    };
    Ok(PersonView {
        id_display,
        unmasked: unmask,
        id: m.id,
        age: jindu_domain::days::age_full_years(m.birth_date, now.today),
        name: m.name,
        id_number,
        sex: stored("sex", &m.sex, jindu_domain::Sex::from_code)?,
        birth_date: m.birth_date,
        phone,
        address,
        division_code: m.division_code,
        division_path: path,
        town_code: m.town_code,
        status: stored("control_status", &m.control_status, ControlStatus::from_code)?,
        risk_tier: stored("risk_tier", &m.risk_tier, RiskTier::from_code)?,
        finding: stored("addiction_finding", &m.addiction_finding, AddictionFinding::from_code)?,
        substance: m.substance.as_deref().and_then(Substance::from_code),
        social_worker: worker,
        social_worker_id: m.social_worker_id,
        first_found_on: m.first_found_on,
        note: m.note,
        version: m.version,
        current_measure: current,
        current_dates: None,
        risk_score: m.risk_score,
        circumstances: Circumstances {
            employed: m.employed,
            stable_housing: m.stable_housing,
            family_support: m.family_support,
            violent_or_self_harm: m.violent_or_self_harm,
        },
        lost_since: m.lost_since,
        sealed_on: m.sealed_on,
    })
}

/// A timeline entry.
#[derive(Debug, Clone)]
pub struct EventView {
    pub id: Uuid,
    pub kind: jindu_domain::EventKind,
    pub occurred_on: NaiveDate,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub recorded_by: Option<String>,
    pub test_method: Option<jindu_domain::TestMethod>,
    pub test_result: Option<jindu_domain::TestResult>,
    pub substance: Option<Substance>,
    pub note: Option<String>,
    pub amends: Option<Uuid>,
    /// Set when a later amendment corrects this event.
    pub amended_by: Option<Uuid>,
    /// Figures recorded with the event (JSON): the gap of a contact restored, the lateness of a
    /// return from leave, the rule that set a person lost, the grounds of a breach report.
    pub detail: Option<String>,
}

/// A due duty with its overdue days (positive = overdue).
#[derive(Debug, Clone)]
pub struct ObligationView {
    pub kind: jindu_domain::ObligationKind,
    pub due_date: NaiveDate,
    pub overdue_days: i64,
}

/// Everything on the person page.
#[derive(Debug, Clone)]
pub struct PersonDetail {
    pub person: PersonView,
    pub measures: Vec<MeasureView>,
    pub events: Vec<EventView>,
    pub obligations: Vec<ObligationView>,
}

/// 查阅 How one person's record is read, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// ID number, phone and address masked (the person page as shown by default).
    Masked,
    /// In full: needs `Unmask`.
    Unmasked,
}

/// The one audited read of a person's record (issue #19 item 1): checks `ViewPersons` (and
/// `Unmask` for [`Reading::Unmasked`]) before anything is read, loads the person within the
/// actor's data scope ([`load_visible`]: out of scope answers `NotFound` like a missing record)
/// and records the read in a unit of its own — `person.unmask` for an unmasked read,
/// `person.open_sealed` for a sealed record, else `person.read` — one record per read.
///
/// # Errors
/// `Forbidden`, `NotFound`, `Db`.
pub(crate) async fn read_person<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    id: Uuid,
    reading: Reading,
) -> ServiceResult<person::Model> {
    actor.require(Permission::ViewPersons)?;
    if reading == Reading::Unmasked {
        actor.require(Permission::Unmask)?;
    }
    let p = load_visible(db, actor, id).await?;
    let action = match reading {
        Reading::Unmasked => "person.unmask",
        Reading::Masked if p.sealed_on.is_some() => "person.open_sealed",
        Reading::Masked => "person.read",
    };
    audit::record(db, &audit::Who::actor(actor), now, audit::Entry::ok(action, "person", id)).await?;
    Ok(p)
}

/// The person page: details, measures (newest first), timeline (newest first) and obligations,
/// read through [`read_person`] (permission, scope, one audit record). [`Reading::Masked`]
/// shows the ID number, phone and address masked (430405********1234, 138****5678);
/// [`Reading::Unmasked`] shows them in full, needs `Unmask` and is audited as `person.unmask`.
///
/// # Errors
/// `Forbidden` (`ViewPersons`, or `Unmask` for an unmasked read), `NotFound` (missing or out of
/// scope), `Db`, `Vault`.
pub async fn detail<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    id: Uuid,
    reading: Reading,
) -> ServiceResult<PersonDetail> {
    let p = read_person(db, actor, now, id, reading).await?;
    let measures = measures::views_for(db, now, id).await?;
    let events = person_rows(
        db,
        event::Column::PersonId,
        id,
        &[(event::Column::OccurredOn, Order::Desc), (event::Column::RecordedAt, Order::Desc)],
    )
    .await?;
    let user_ids: Vec<Uuid> = events.iter().filter_map(|e| e.recorded_by).collect();
    let users = app_user::Entity::find().filter(app_user::Column::Id.is_in(user_ids)).all(db).await?;
    let amended: Vec<(Uuid, Uuid)> = events.iter().filter_map(|e| e.amends_event_id.map(|a| (a, e.id))).collect();
    let events = events
        .into_iter()
        .map(|e| {
            Ok(EventView {
                id: e.id,
                kind: stored("event kind", &e.kind, jindu_domain::EventKind::from_code)?,
                occurred_on: e.occurred_on,
                recorded_at: e.recorded_at,
                recorded_by: e
                    .recorded_by
                    .and_then(|u| users.iter().find(|x| x.id == u))
                    .map(|u| u.display_name.clone()),
                test_method: e.test_method.as_deref().and_then(jindu_domain::TestMethod::from_code),
                test_result: e.test_result.as_deref().and_then(jindu_domain::TestResult::from_code),
                substance: e.substance.as_deref().and_then(Substance::from_code),
                note: vault.open_opt("event", "note", e.id, e.note.as_deref())?,
                amends: e.amends_event_id,
                amended_by: amended.iter().find(|(a, _)| *a == e.id).map(|(_, b)| *b),
                detail: e.detail,
            })
        })
        .collect::<ServiceResult<Vec<_>>>()?;
    let obligations = person_rows(db, obligation::Column::PersonId, id, &[(obligation::Column::DueDate, Order::Asc)])
        .await?
        .into_iter()
        .map(|o| {
            Ok(ObligationView {
                kind: stored("obligation kind", &o.kind, jindu_domain::ObligationKind::from_code)?,
                due_date: o.due_date,
                overdue_days: jindu_domain::days::overdue_days(o.due_date, now.today),
            })
        })
        .collect::<ServiceResult<Vec<_>>>()?;
    let unmasked = reading == Reading::Unmasked;
    let view =
        views(db, vault, now, vec![p], unmasked).await?.into_iter().next().ok_or(ServiceError::NotFound("person"))?;
    Ok(PersonDetail { person: view, measures, events, obligations })
}

/// The stored values of a person's record for the edit form. Phone and address are in full only
/// for roles holding `Unmask`; others see them masked, and [`update`] keeps the stored value
/// when the masked text comes back unchanged. Needs `EditPersons`. The caller shows the person
/// page's data too, whose read is audited.
pub async fn edit_values<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    id: Uuid,
) -> ServiceResult<EditPerson> {
    actor.require(Permission::EditPersons)?;
    let p = open_person(vault, load_visible(db, actor, id).await?)?;
    let (phone, address) = if actor.can(Permission::Unmask) {
        (p.phone.unwrap_or_default(), p.address.unwrap_or_default())
    } else {
        (
            p.phone.as_deref().map(jindu_crypto::mask_phone).unwrap_or_default(),
            p.address.as_deref().map(jindu_crypto::mask_address).unwrap_or_default(),
        )
    };
    Ok(EditPerson {
        version: p.version.to_string(),
        name: p.name,
        phone,
        address,
        division: p.division_code,
        addiction_finding: p.addiction_finding,
        substance: p.substance.unwrap_or_default(),
        employed: yes_no_code(p.employed).to_string(),
        stable_housing: yes_no_code(p.stable_housing).to_string(),
        family_support: yes_no_code(p.family_support).to_string(),
        violent_or_self_harm: yes_no_code(p.violent_or_self_harm).to_string(),
        social_worker_id: p.social_worker_id.map(|w| w.to_string()).unwrap_or_default(),
        note: p.note.unwrap_or_default(),
    })
}

/// The status form, as typed: new status code, the date it took effect, and the version the
/// form was loaded at (optimistic concurrency; empty = not checked).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct StatusChange {
    pub status: String,
    pub date: String,
    pub version: String,
}

/// Changes a person's control status (e.g. to 死亡 Deceased, 出境 Abroad, 羁押 InCustody) on
/// `date`, recording a StatusChanged event; refused for illegal transitions (a deceased person
/// stays deceased). Obligations are recomputed in the same transaction.
pub async fn change_status<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    id: Uuid,
    input: &StatusChange,
) -> ServiceResult<()> {
    let (txn, p) = open_person_write(db, actor, now, Permission::ManageMeasures, id, Sealed::Allowed).await?;
    check_version(&input.version, p.version)?;
    let to = parse_code("status", &input.status, ControlStatus::from_code)?;
    let on = if input.date.trim().is_empty() {
        return Err(DomainError::Required { field: "date" }.into());
    } else {
        parse_date("date", &input.date)?
    };
    jindu_domain::event::validate_event_date_since("date", on, ("birth_date", p.birth_date), now.today)?;
    change_status_in(&txn, vault, actor, now, &p, to, on).await?;
    txn.commit().await?;
    Ok(())
}

/// [`change_status`] inside the caller's transaction, for a person already loaded in scope: no
/// permission check, version check, lock or commit (an import's rows, a form). Records the
/// `status_changed` event dated `on`, the lost-since date, the person's obligations and the
/// audit record `person.status`.
///
/// # Errors
/// The status change the domain refuses ([`jindu_domain::status::check_status_change`]); store
/// errors.
pub(crate) async fn change_status_in<T: ConnectionTrait + sea_orm::TransactionSession>(
    txn: &crate::service::UnitOfWork<T>,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    p: &person::Model,
    to: ControlStatus,
    on: NaiveDate,
) -> ServiceResult<()> {
    let id = p.id;
    let from = stored("control_status", &p.control_status, ControlStatus::from_code)?;
    jindu_domain::status::check_status_change(from, to)?;
    record::set_status(txn, p, to, now).await?;
    let detail = serde_json::json!({ "from": from.as_code(), "to": to.as_code() }).to_string();
    let note = format!("{} → {}", from.label_zh(), to.label_zh());
    TimelineEvent::new(id, jindu_domain::EventKind::StatusChanged, on)
        .note(vault, &note)
        .detail(detail)
        .insert(txn, actor, now)
        .await?;
    if to != ControlStatus::LostContact {
        casework::set_lost_since(txn, id, None).await?;
    } else {
        casework::set_lost_since(txn, id, Some(on)).await?;
    }
    casework::reconcile(txn, id, None).await?;
    txn.audit(audit::Entry::ok("person.status", "person", id).with_detail(format!(
        "{} -> {}",
        from.as_code(),
        to.as_code()
    )))
    .await?;
    Ok(())
}

/// The edit form of a person's record, as typed. The ID number is not editable: a wrong
/// number means a wrong identity and is handled by the office, not by an edit.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct EditPerson {
    /// The version the form was loaded at (optimistic concurrency).
    pub version: String,
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub address: String,
    pub division: String,
    #[serde(default)]
    pub addiction_finding: String,
    #[serde(default)]
    pub substance: String,
    #[serde(default)]
    pub employed: String,
    #[serde(default)]
    pub stable_housing: String,
    #[serde(default)]
    pub family_support: String,
    #[serde(default)]
    pub violent_or_self_harm: String,
    #[serde(default)]
    pub social_worker_id: String,
    #[serde(default)]
    pub note: String,
}

/// Updates a person's record if `input.version` is still the stored version; otherwise
/// `Conflict` (someone else saved first). Records an amendment event naming the changed fields
/// and refreshes obligations (the division, worker and risk tier move them). Errors: `Invalid`
/// with every field problem, `NotFound` outside scope, `Conflict`.
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    id: Uuid,
    input: EditPerson,
) -> ServiceResult<()> {
    actor.require(Permission::EditPersons)?;
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::EditPersons).await?;
    let p = open_person(vault, load_visible(&txn, actor, id).await?)?;
    let Ok(version) = input.version.trim().parse::<i32>() else {
        return Err(ServiceError::Conflict);
    };
    if version != p.version {
        return Err(ServiceError::Conflict);
    }
    let mut errors: Vec<FieldError> = Vec::new();
    // A role without `Unmask` edits the masked text; unchanged, it keeps the stored value.
    let keep = |typed: &str, stored: &Option<String>, mask: fn(&str) -> String| -> String {
        match stored {
            Some(s) if !actor.can(Permission::Unmask) && typed.trim() == mask(s) => s.clone(),
            _ => typed.to_string(),
        }
    };
    let phone_typed = keep(&input.phone, &p.phone, jindu_crypto::mask_phone);
    let address_typed = keep(&input.address, &p.address, jindu_crypto::mask_address);
    let profile = parse_profile(
        &txn,
        actor,
        ProfileInput {
            name: &input.name,
            phone: &phone_typed,
            address: &address_typed,
            division: &input.division,
            addiction_finding: &input.addiction_finding,
            substance: &input.substance,
            employed: &input.employed,
            stable_housing: &input.stable_housing,
            family_support: &input.family_support,
            violent_or_self_harm: &input.violent_or_self_harm,
            social_worker_id: &input.social_worker_id,
            note: &input.note,
        },
        &mut errors,
    )
    .await?;
    let (
        Some(Profile {
            name,
            phone,
            address,
            division: division_code,
            town: town_code,
            finding,
            circumstances: c,
            substance,
            worker,
            note,
        }),
        true,
    ) = (profile, errors.is_empty())
    else {
        return Err(ServiceError::Invalid(errors));
    };
    let mut changed: Vec<&str> = Vec::new();
    let mut mark = |cond: bool, label: &'static str| {
        if cond {
            changed.push(label);
        }
    };
    mark(name != p.name, "姓名");
    mark(phone != p.phone, "联系电话");
    mark(address != p.address, "现住址");
    mark(division_code.to_string() != p.division_code, "所属辖区");
    mark(finding.as_code() != p.addiction_finding, "成瘾认定");
    mark(c.employed != p.employed, "就业情况");
    mark(c.stable_housing != p.stable_housing, "住所情况");
    mark(c.family_support != p.family_support, "家庭支持");
    mark(c.violent_or_self_harm != p.violent_or_self_harm, "暴力或自伤自残行为");
    mark(substance.map(|s| s.as_code().to_string()) != p.substance, "主要滥用毒品");
    mark(worker != p.social_worker_id, "责任社工");
    mark(note != p.note, "备注");
    if changed.is_empty() {
        return Ok(());
    }
    let sealed = seal_person(vault, id, &name, &p.id_number, phone.as_deref(), address.as_deref(), note.as_deref())?;
    let res = person::Entity::update_many()
        .set(person::ActiveModel {
            name: Set(sealed.name),
            id_number: Set(sealed.id_number),
            phone: Set(sealed.phone),
            address: Set(sealed.address),
            name_bidx: Set(Some(sealed.name_bidx)),
            id_number_bidx: Set(Some(sealed.id_number_bidx)),
            division_code: Set(division_code.to_string()),
            town_code: Set(town_code.to_string()),
            addiction_finding: Set(finding.as_code().to_string()),
            employed: Set(c.employed),
            stable_housing: Set(c.stable_housing),
            family_support: Set(c.family_support),
            violent_or_self_harm: Set(c.violent_or_self_harm),
            substance: Set(substance.map(|s| s.as_code().to_string())),
            social_worker_id: Set(worker),
            note: Set(sealed.note),
            version: Set(p.version + 1),
            updated_at: Set(now.instant),
            ..Default::default()
        })
        .filter(person::Column::Id.eq(id))
        .filter(person::Column::Version.eq(p.version))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    let note = format!("修改人员信息：{}", changed.join("、"));
    // A corrected division is a move of the indicators' 属地 from today on: the months before stay
    // with the town that held the person (`indicators::town_timeline`).
    let detail = (division_code.to_string() != p.division_code).then(|| {
        serde_json::json!({ "division_from": p.division_code, "division_to": division_code.to_string() }).to_string()
    });
    TimelineEvent::new(id, jindu_domain::EventKind::Amendment, now.today)
        .note(vault, &note)
        .detail(detail)
        .insert(&txn, actor, now)
        .await?;
    casework::reconcile(&txn, id, Some(AssessmentTrigger::Profile)).await?;
    txn.audit(audit::Entry::ok("person.update", "person", id).with_detail(changed.join(","))).await?;
    txn.commit().await?;
    Ok(())
}

/// Choices offered by the registration and edit forms: the communities in scope and the social
/// workers in scope as (id, display name, division code). Needs `EditPersons`.
pub async fn form_choices<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> ServiceResult<(Vec<crate::service::deployment::Division>, Vec<(Uuid, String, String)>)> {
    actor.require(Permission::EditPersons)?;
    let communities = crate::service::deployment::in_scope(db, actor.scope, DivisionLevel::Village).await?;
    let workers = crate::service::users::social_workers(db, &actor.scope).await?;
    Ok((communities, workers))
}
