//! 易制毒化学品生产经营单位 the register of precursor enterprises (issue #21 item 2; MODULES §1.7):
//! registered and kept by the 禁毒办 and the police (`ManageEnterprises`), read by them
//! (`ViewEnterprises`), and kept current by the enterprise itself through a 企业 account, whose
//! data scope is its own enterprise only (`Actor::enterprise`): any other enterprise answers
//! `NotFound` exactly like a missing one.
//!
//! The ID numbers and phones of the legal representative and the 易制毒 manager are sealed by the
//! vault (AAD `precursor_enterprise.<column>:<id>`), the ID numbers indexed blind, as persons'
//! are (`persons::seal_person`); the audit log never holds them in clear.

use jindu_domain::clock::Now;
use jindu_domain::message::Message;
use jindu_domain::precursor::enterprise::{
    self as rule, EnterpriseForm, EnterpriseInput, EnterpriseProblem, EnterpriseRole, EnterpriseStatus, WarehouseForm,
};
use jindu_domain::{DivisionCode, DomainError, Permission, Role};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{precursor_enterprise as ent, precursor_warehouse as wh};
use crate::service::{Actor, FieldError, Page, ServiceError, ServiceResult, UnitOfWork, audit, deployment};
use crate::vault::Vault;

/// The table name in the vault's AAD and the audit log.
const TABLE: &str = "precursor_enterprise";

/// Enterprises per list page.
pub const PER_PAGE: u64 = 20;

/// A person of the enterprise as shown: ID number and phone masked unless unmasked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PersonShown {
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
}

/// A warehouse as shown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WarehouseView {
    pub address: String,
    /// 12 digits.
    pub division: String,
    /// `湖南省/衡阳市/珠晖区/广东路街道` (the code when the division list lacks it).
    pub division_path: String,
}

/// The enterprise page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EnterpriseView {
    pub id: Uuid,
    pub credit_code: String,
    pub name: String,
    pub roles: Vec<EnterpriseRole>,
    pub business_scope: String,
    pub registered_address: String,
    /// 12 digits.
    pub division: String,
    pub division_path: String,
    pub warehouses: Vec<WarehouseView>,
    pub legal_rep: PersonShown,
    pub responsible: PersonShown,
    pub hazardous_licence: Option<String>,
    pub status: EnterpriseStatus,
    /// 12 digits of the town whose 派出所 supervises it.
    pub police_unit: String,
    pub police_unit_path: String,
    pub safety_unit: String,
    pub version: i32,
    /// Whether ID numbers and phones are shown in full.
    pub unmasked: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A row of the enterprise list (no personal data beyond the names, which are public on the
/// business licence).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EnterpriseRow {
    pub id: Uuid,
    pub credit_code: String,
    pub name: String,
    pub roles: Vec<EnterpriseRole>,
    pub division: String,
    pub registered_address: String,
    pub status: EnterpriseStatus,
    pub legal_rep_name: String,
    pub responsible_name: String,
    pub hazardous_licence: Option<String>,
    pub police_unit: String,
    /// The risk tier (`None`: not yet assessed).
    pub tier: Option<jindu_domain::RiskTier>,
}

/// The list's filter as typed (query string).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct EnterpriseFilter {
    /// 9-digit town inside the actor's scope; empty: the whole scope.
    #[serde(default)]
    pub town: String,
    /// A role code; empty: all.
    #[serde(default)]
    pub role: String,
    /// A status code; empty: all.
    #[serde(default)]
    pub status: String,
    /// Part of the name, or the credit code (any case, spaces ignored).
    #[serde(default)]
    pub q: String,
    /// A risk tier code; empty: all.
    #[serde(default)]
    pub tier: String,
    /// A category 1–3 of the chemicals on the ledger; empty: all.
    #[serde(default)]
    pub category: String,
    /// `mismatch`: only enterprises with an open flow mismatch (FLOW-S or FLOW-P); empty: all.
    #[serde(default)]
    pub flag: String,
    #[serde(default)]
    pub page: String,
}

/// A filter read strictly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckedEnterpriseFilter {
    pub town: Option<DivisionCode>,
    pub role: Option<EnterpriseRole>,
    pub status: Option<EnterpriseStatus>,
    pub q: String,
    pub tier: Option<jindu_domain::RiskTier>,
    pub category: Option<i32>,
    pub mismatch: bool,
    pub page: u64,
}

impl EnterpriseFilter {
    /// Reads the filter strictly: `town` a town in the actor's scope, `role` and `status` known
    /// codes, `q` at most 100 characters without control characters, `page` 1 to 1,000,000.
    ///
    /// # Errors
    /// `Invalid` naming every refused parameter (`query.*`).
    pub fn check(&self, actor: &Actor) -> ServiceResult<CheckedEnterpriseFilter> {
        use jindu_domain::query;
        let mut c = query::Check::new();
        let f = CheckedEnterpriseFilter {
            town: c.take(query::division("town", &self.town, jindu_domain::DivisionLevel::Town, &actor.scope)),
            role: c.take(query::choice("role", &self.role, EnterpriseRole::ALL, EnterpriseRole::as_code)),
            status: c.take(query::choice("status", &self.status, EnterpriseStatus::ALL, EnterpriseStatus::as_code)),
            q: c.take(query::text("q", &self.q, 100)),
            tier: c.take(query::choice(
                "tier",
                &self.tier,
                jindu_domain::RiskTier::ALL,
                jindu_domain::RiskTier::as_code,
            )),
            category: c.take(query::number("category", &self.category, 1, 3)).map(|n| n as i32),
            mismatch: c.take(query::choice("flag", &self.flag, &["mismatch"], |s: &'static str| s)).is_some(),
            page: c.take(query::page("page", &self.page)),
        };
        crate::service::query_checked(c)?;
        Ok(f)
    }
}

/// The query of the enterprises the actor sees: its scope (a range on `division_code`), and for
/// a 企业 account its own enterprise only.
pub(crate) fn visible_query(actor: &Actor) -> Select<ent::Entity> {
    let (lo, hi) = crate::service::scope_bounds(&actor.scope);
    let q = ent::Entity::find().filter(ent::Column::DivisionCode.between(lo, hi));
    if actor.role == Role::Enterprise {
        // Unlinked: no enterprise (the nil id matches no row).
        q.filter(ent::Column::Id.eq(actor.enterprise.unwrap_or(Uuid::nil())))
    } else {
        q
    }
}

/// The enterprise `id` when the actor sees it; `NotFound` for a missing one and for one outside
/// the scope or, for a 企业 account, any other enterprise (the two look alike).
pub(crate) async fn load_visible<C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> ServiceResult<ent::Model> {
    visible_query(actor)
        .filter(ent::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("precursor_enterprise"))
}

fn filtered(actor: &Actor, f: &CheckedEnterpriseFilter) -> Select<ent::Entity> {
    let mut q = visible_query(actor);
    if let Some(t) = f.town {
        let (lo, hi) = crate::service::scope_bounds(&t);
        q = q.filter(ent::Column::DivisionCode.between(lo, hi));
    }
    if let Some(r) = f.role {
        let c = r.as_code();
        q = q.filter(
            Condition::any()
                .add(ent::Column::Roles.eq(c))
                .add(ent::Column::Roles.like(format!("{c},%")))
                .add(ent::Column::Roles.like(format!("%,{c}")))
                .add(ent::Column::Roles.like(format!("%,{c},%"))),
        );
    }
    if let Some(s) = f.status {
        q = q.filter(ent::Column::Status.eq(s.as_code()));
    }
    if let Some(t) = f.tier {
        use crate::entities::precursor_risk as risk;
        let tiered = sea_orm::sea_query::Query::select()
            .column(risk::Column::EnterpriseId)
            .from(risk::Entity)
            .and_where(risk::Column::Tier.eq(t.as_code()))
            .to_owned();
        q = q.filter(ent::Column::Id.in_subquery(tiered));
    }
    if let Some(c) = f.category {
        use crate::entities::precursor_movement as mv;
        let handled = sea_orm::sea_query::Query::select()
            .column(mv::Column::EnterpriseId)
            .from(mv::Entity)
            .and_where(mv::Column::Category.eq(c))
            .to_owned();
        q = q.filter(ent::Column::Id.in_subquery(handled));
    }
    if f.mismatch {
        use crate::entities::precursor_finding as finding;
        let open = sea_orm::sea_query::Query::select()
            .column(finding::Column::EnterpriseId)
            .from(finding::Entity)
            .and_where(finding::Column::Rule.is_in(["FLOW-S", "FLOW-P"]))
            .and_where(finding::Column::ResolvedAt.is_null())
            .to_owned();
        q = q.filter(ent::Column::Id.in_subquery(open));
    }
    if !f.q.is_empty() {
        let code: String = f.q.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
        q = q.filter(Condition::any().add(ent::Column::Name.contains(&f.q)).add(ent::Column::CreditCode.eq(code)));
    }
    q
}

fn row(m: ent::Model) -> ServiceResult<EnterpriseRow> {
    Ok(EnterpriseRow {
        status: stored_status(&m.status)?,
        roles: rule::roles_from_code(&m.roles).into_iter().collect(),
        id: m.id,
        credit_code: m.credit_code,
        name: m.name,
        division: m.division_code,
        registered_address: m.registered_address,
        legal_rep_name: m.legal_rep_name,
        responsible_name: m.responsible_name,
        hazardous_licence: m.hazardous_licence,
        police_unit: m.police_unit,
        tier: None,
    })
}

/// Fills in each row's risk tier.
async fn with_tiers<C: ConnectionTrait>(db: &C, mut rows: Vec<EnterpriseRow>) -> ServiceResult<Vec<EnterpriseRow>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let tiers = super::risk::tiers_of(db, &ids).await?;
    for r in &mut rows {
        r.tier = tiers.get(&r.id).copied();
    }
    Ok(rows)
}

fn stored_status(code: &str) -> ServiceResult<EnterpriseStatus> {
    EnterpriseStatus::from_code(code).ok_or_else(|| ServiceError::Data(format!("enterprise status {code}")))
}

/// The enterprise list within the actor's scope (a 企业 account: its own enterprise), with
/// filters and paging, by division then name. Needs `ViewEnterprises`.
///
/// # Errors
/// Forbidden; `Invalid` for a refused filter value; store errors.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &EnterpriseFilter,
) -> ServiceResult<Page<EnterpriseRow>> {
    actor.require(Permission::ViewEnterprises)?;
    let checked = filter.check(actor)?;
    let q = filtered(actor, &checked);
    let total = q.clone().count(db).await?;
    let page = crate::service::page_within(checked.page, total, PER_PAGE);
    let rows = q
        .order_by_asc(ent::Column::DivisionCode)
        .order_by_asc(ent::Column::Name)
        .order_by_asc(ent::Column::Id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .all(db)
        .await?
        .into_iter()
        .map(row)
        .collect::<ServiceResult<Vec<_>>>()?;
    let rows = with_tiers(db, rows).await?;
    Ok(Page { rows, page, per_page: PER_PAGE, total })
}

/// Every enterprise of the list with `filter` (its page ignored), in the list's order, for the
/// Excel export. Needs `ViewEnterprises`.
///
/// # Errors
/// As [`list`].
pub async fn list_all<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &EnterpriseFilter,
) -> ServiceResult<Vec<EnterpriseRow>> {
    actor.require(Permission::ViewEnterprises)?;
    let checked = filter.check(actor)?;
    let rows = filtered(actor, &checked)
        .order_by_asc(ent::Column::DivisionCode)
        .order_by_asc(ent::Column::Name)
        .order_by_asc(ent::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(row)
        .collect::<ServiceResult<Vec<_>>>()?;
    with_tiers(db, rows).await
}

/// 查阅 How an enterprise's record is read, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// ID numbers and phones masked.
    Masked,
    /// In full: needs `Unmask`.
    Unmasked,
}

async fn path_of<C: ConnectionTrait>(db: &C, code: &str) -> ServiceResult<String> {
    Ok(match code.parse::<DivisionCode>() {
        Ok(c) => deployment::division_by_code(db, c).await?.map(|d| d.name_path).unwrap_or_else(|| code.to_string()),
        Err(_) => code.to_string(),
    })
}

/// The enterprise page, read like a person's (`persons::read_person`): `ViewEnterprises` (and
/// `Unmask` for [`Reading::Unmasked`]) before anything is read, the enterprise within the actor's
/// scope (`NotFound` otherwise), and one audit record per read — `precursor.enterprise.unmask`
/// for an unmasked read, else `precursor.enterprise.read` — since the record holds personal data.
///
/// # Errors
/// Forbidden, NotFound, Db, Vault.
pub async fn get<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    id: Uuid,
    reading: Reading,
) -> ServiceResult<EnterpriseView> {
    actor.require(Permission::ViewEnterprises)?;
    if reading == Reading::Unmasked {
        actor.require(Permission::Unmask)?;
    }
    let m = load_visible(db, actor, id).await?;
    let action = match reading {
        Reading::Unmasked => "precursor.enterprise.unmask",
        Reading::Masked => "precursor.enterprise.read",
    };
    audit::record(db, &audit::Who::actor(actor), now, audit::Entry::ok(action, TABLE, id)).await?;
    view(db, vault, m, reading == Reading::Unmasked).await
}

async fn view<C: ConnectionTrait>(db: &C, vault: &Vault, m: ent::Model, full: bool) -> ServiceResult<EnterpriseView> {
    let open = |col: &str, v: &Option<String>| vault.open_opt(TABLE, col, m.id, v.as_deref());
    let id_shown = |v: Option<String>| v.map(|s| if full { s } else { jindu_crypto::mask_id_number(&s) });
    let phone_shown = |v: Option<String>| v.map(|s| if full { s } else { jindu_crypto::mask_phone(&s) });
    let legal_rep = PersonShown {
        name: m.legal_rep_name.clone(),
        id_number: id_shown(open("legal_rep_id_number", &m.legal_rep_id_number)?),
        phone: phone_shown(open("legal_rep_phone", &m.legal_rep_phone)?),
    };
    let responsible = PersonShown {
        name: m.responsible_name.clone(),
        id_number: id_shown(open("responsible_id_number", &m.responsible_id_number)?),
        phone: phone_shown(open("responsible_phone", &m.responsible_phone)?),
    };
    let mut warehouses = Vec::new();
    for w in wh::Entity::find().filter(wh::Column::EnterpriseId.eq(m.id)).order_by_asc(wh::Column::Seq).all(db).await? {
        warehouses.push(WarehouseView {
            division_path: path_of(db, &w.division_code).await?,
            address: w.address,
            division: w.division_code,
        });
    }
    Ok(EnterpriseView {
        status: stored_status(&m.status)?,
        roles: rule::roles_from_code(&m.roles).into_iter().collect(),
        division_path: path_of(db, &m.division_code).await?,
        police_unit_path: path_of(db, &m.police_unit).await?,
        id: m.id,
        credit_code: m.credit_code,
        name: m.name,
        business_scope: m.business_scope,
        registered_address: m.registered_address,
        division: m.division_code,
        warehouses,
        legal_rep,
        responsible,
        hazardous_licence: m.hazardous_licence,
        police_unit: m.police_unit,
        safety_unit: m.safety_unit,
        version: m.version,
        unmasked: full,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// The stored values as a form, for the edit page (ID numbers and phones in full: the editor
/// holds `ManageEnterprises` and, to see them, `Unmask`; without `Unmask` they come masked and
/// [`update`] keeps the stored value when the masked text comes back unchanged). Needs
/// `ManageEnterprises`; the read is audited as [`get`]'s.
///
/// # Errors
/// Forbidden, NotFound, Db, Vault.
pub async fn edit_form<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    id: Uuid,
) -> ServiceResult<(EnterpriseForm, i32)> {
    edit_permission(actor)?;
    let reading = if actor.can(Permission::Unmask) { Reading::Unmasked } else { Reading::Masked };
    let v = get(db, vault, actor, now, id, reading).await?;
    let form = EnterpriseForm {
        credit_code: v.credit_code,
        name: v.name,
        roles: v.roles.iter().map(|r| r.as_code().to_string()).collect(),
        business_scope: v.business_scope,
        registered_address: v.registered_address,
        registered_division: v.division,
        warehouses: v
            .warehouses
            .into_iter()
            .map(|w| WarehouseForm { address: w.address, division: w.division })
            .collect(),
        legal_rep_name: v.legal_rep.name,
        legal_rep_id_number: v.legal_rep.id_number.unwrap_or_default(),
        legal_rep_phone: v.legal_rep.phone.unwrap_or_default(),
        responsible_name: v.responsible.name,
        responsible_id_number: v.responsible.id_number.unwrap_or_default(),
        responsible_phone: v.responsible.phone.unwrap_or_default(),
        hazardous_licence: v.hazardous_licence.unwrap_or_default(),
        status: v.status.as_code().to_string(),
        police_unit: v.police_unit,
        safety_unit: v.safety_unit,
    };
    Ok((form, v.version))
}

/// Checks that `code` is a division of the deployment's list inside the actor's scope.
async fn known_in_scope<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    field: &'static str,
    code: DivisionCode,
) -> ServiceResult<Option<FieldError>> {
    let known = deployment::division_by_code(db, code).await?.is_some();
    // A 企业 account cannot change its supervising 派出所 (checked by `update`), which may lie
    // outside its own area.
    let in_scope = actor.sees(&code.to_string()) || (actor.role == Role::Enterprise && field == "police_unit");
    Ok((!known || !in_scope).then(|| {
        DomainError::Enterprise { field, reason: EnterpriseProblem::DivisionUnknown { code: code.to_string() } }.into()
    }))
}

/// The domain's check and then the database's: every division in the list and in scope.
async fn check_form<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    form: &EnterpriseForm,
) -> ServiceResult<EnterpriseInput> {
    let checked = rule::check(form, now.today);
    let mut errors: Vec<FieldError> = match &checked {
        Ok(_) => Vec::new(),
        Err(e) => e.iter().cloned().map(FieldError::from).collect(),
    };
    if let Ok(input) = &checked {
        let mut codes = vec![("registered_division", input.registered_division)];
        codes.extend(input.warehouses.iter().map(|w| ("warehouse_division", w.division)));
        codes.push(("police_unit", input.police_unit));
        for (field, code) in codes {
            if let Some(e) = known_in_scope(db, actor, field, code).await? {
                errors.push(e);
            }
        }
    }
    match checked {
        Ok(input) if errors.is_empty() => Ok(input),
        _ => Err(ServiceError::Invalid(errors)),
    }
}

/// The sealed personal columns of an enterprise row `id`.
struct SealedPeople {
    legal_rep_id_number: Option<String>,
    legal_rep_id_bidx: Option<String>,
    legal_rep_phone: Option<String>,
    responsible_id_number: Option<String>,
    responsible_id_bidx: Option<String>,
    responsible_phone: Option<String>,
}

fn seal_people(vault: &Vault, id: Uuid, input: &EnterpriseInput) -> ServiceResult<SealedPeople> {
    let legal_id = input.legal_rep.id_number.as_ref().map(|n| n.as_str());
    let resp_id = input.responsible.id_number.as_ref().map(|n| n.as_str());
    Ok(SealedPeople {
        legal_rep_id_number: vault.seal_opt(TABLE, "legal_rep_id_number", id, legal_id)?,
        legal_rep_id_bidx: legal_id.map(|n| vault.id_number_index(n)),
        legal_rep_phone: vault.seal_opt(TABLE, "legal_rep_phone", id, input.legal_rep.phone.as_deref())?,
        responsible_id_number: vault.seal_opt(TABLE, "responsible_id_number", id, resp_id)?,
        responsible_id_bidx: resp_id.map(|n| vault.id_number_index(n)),
        responsible_phone: vault.seal_opt(TABLE, "responsible_phone", id, input.responsible.phone.as_deref())?,
    })
}

/// What the audit record says of an enterprise's values: no ID number or phone in clear, only
/// whether one is recorded.
fn summary(input: &EnterpriseInput) -> String {
    let has = |b: bool| if b { "yes" } else { "-" };
    format!(
        "credit_code={} name={} roles={} division={} address={} warehouses={} legal_rep={} (id {} phone {}) \
         responsible={} (id {} phone {}) licence={} status={} police_unit={} safety_unit={}",
        input.credit_code,
        input.name,
        rule::roles_code(&input.roles),
        input.registered_division,
        input.registered_address,
        input.warehouses.iter().map(|w| format!("{}@{}", w.address, w.division)).collect::<Vec<_>>().join(";"),
        input.legal_rep.name,
        has(input.legal_rep.id_number.is_some()),
        has(input.legal_rep.phone.is_some()),
        input.responsible.name,
        has(input.responsible.id_number.is_some()),
        has(input.responsible.phone.is_some()),
        input.hazardous_licence.as_deref().unwrap_or("-"),
        input.status.as_code(),
        input.police_unit,
        input.safety_unit,
    )
}

fn duplicate(code: &str) -> ServiceError {
    DomainError::Enterprise { field: "credit_code", reason: EnterpriseProblem::Duplicate { code: code.to_string() } }
        .into()
}

async fn insert_warehouses<C: ConnectionTrait>(
    db: &C,
    now: Now,
    id: Uuid,
    input: &EnterpriseInput,
) -> ServiceResult<()> {
    for (i, w) in input.warehouses.iter().enumerate() {
        wh::ActiveModel {
            id: Set(Uuid::now_v7()),
            enterprise_id: Set(id),
            seq: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
            address: Set(w.address.clone()),
            division_code: Set(w.division.to_string()),
            created_at: Set(now.instant),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Whether the actor may register enterprises (the new-enterprise form is drawn only then).
///
/// # Errors
/// Forbidden (`ManageEnterprises`).
pub fn authorize_create(actor: &Actor) -> ServiceResult<()> {
    actor.require(Permission::ManageEnterprises)
}

/// Registers an enterprise. Needs `ManageEnterprises` (禁毒办, 派出所; a 企业 account keeps its own
/// record but registers none); every division in the deployment's list and the actor's scope;
/// the credit code not yet registered. Personal data sealed; audited
/// `precursor.enterprise.create` with the values (ID numbers and phones only as present or not).
///
/// # Errors
/// Forbidden; `Invalid` with every problem at once, each naming its field; nothing stored.
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    form: &EnterpriseForm,
) -> ServiceResult<Uuid> {
    actor.require(Permission::ManageEnterprises)?;
    let input = check_form(db, actor, now, form).await?;
    let uow = UnitOfWork::begin(db, actor, now, Permission::ManageEnterprises).await?;
    if ent::Entity::find().filter(ent::Column::CreditCode.eq(input.credit_code.as_str())).one(&uow).await?.is_some() {
        return Err(duplicate(input.credit_code.as_str()));
    }
    let id = Uuid::now_v7();
    let sealed = seal_people(vault, id, &input)?;
    ent::ActiveModel {
        id: Set(id),
        credit_code: Set(input.credit_code.to_string()),
        name: Set(input.name.clone()),
        roles: Set(rule::roles_code(&input.roles)),
        business_scope: Set(input.business_scope.clone()),
        registered_address: Set(input.registered_address.clone()),
        division_code: Set(input.registered_division.to_string()),
        legal_rep_name: Set(input.legal_rep.name.clone()),
        legal_rep_id_number: Set(sealed.legal_rep_id_number),
        legal_rep_id_bidx: Set(sealed.legal_rep_id_bidx),
        legal_rep_phone: Set(sealed.legal_rep_phone),
        responsible_name: Set(input.responsible.name.clone()),
        responsible_id_number: Set(sealed.responsible_id_number),
        responsible_id_bidx: Set(sealed.responsible_id_bidx),
        responsible_phone: Set(sealed.responsible_phone),
        hazardous_licence: Set(input.hazardous_licence.clone()),
        status: Set(input.status.as_code().to_string()),
        police_unit: Set(input.police_unit.to_string()),
        safety_unit: Set(input.safety_unit.clone()),
        version: Set(1),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now.instant),
        updated_at: Set(now.instant),
    }
    .insert(&uow)
    .await?;
    insert_warehouses(&uow, now, id, &input).await?;
    uow.audit(audit::Entry::ok("precursor.enterprise.create", TABLE, id).with_detail(summary(&input))).await?;
    uow.commit().await?;
    Ok(id)
}

/// The stored form of a sealed column, or the typed value when it is the masked text of the
/// stored one (an editor without `Unmask` sent the masked value back unchanged).
fn unmasked_or_typed(typed: &str, stored: Option<&str>, mask: fn(&str) -> String) -> String {
    match stored {
        Some(s) if typed.trim() == mask(s) => s.to_string(),
        _ => typed.to_string(),
    }
}

/// The permission an edit of an enterprise record is made under: `ManageEnterprises`, or for a
/// 企业 account `EditOwnEnterprise` (its own record only, by `load_visible`).
///
/// # Errors
/// Forbidden (`ManageEnterprises`) when the role holds neither.
pub fn edit_permission(actor: &Actor) -> ServiceResult<Permission> {
    if actor.can(Permission::ManageEnterprises) {
        Ok(Permission::ManageEnterprises)
    } else if actor.role == Role::Enterprise && actor.can(Permission::EditOwnEnterprise) {
        Ok(Permission::EditOwnEnterprise)
    } else {
        Err(ServiceError::Forbidden(Permission::ManageEnterprises))
    }
}

/// Changes an enterprise's record. Needs `ManageEnterprises` or, for a 企业 account,
/// `EditOwnEnterprise`; the enterprise in the actor's scope
/// (a 企业 account: its own); `version` the one the form was read at (else `Conflict`). A 企业
/// account cannot change its credit code, status or supervising 派出所 (the police keep those).
/// Audited `precursor.enterprise.update` with the values before and after.
///
/// # Errors
/// Forbidden; NotFound; Conflict; `Invalid` with every problem at once; nothing stored.
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    id: Uuid,
    version: i32,
    form: &EnterpriseForm,
) -> ServiceResult<()> {
    let permission = edit_permission(actor)?;
    let kept = load_visible(db, actor, id).await?;
    let stored = |col: &str, v: &Option<String>| vault.open_opt(TABLE, col, id, v.as_deref());
    let mut form = form.clone();
    // Masked values sent back unchanged keep the stored ones.
    let (lri, lrp) =
        (stored("legal_rep_id_number", &kept.legal_rep_id_number)?, stored("legal_rep_phone", &kept.legal_rep_phone)?);
    let (rsi, rsp) = (
        stored("responsible_id_number", &kept.responsible_id_number)?,
        stored("responsible_phone", &kept.responsible_phone)?,
    );
    form.legal_rep_id_number =
        unmasked_or_typed(&form.legal_rep_id_number, lri.as_deref(), jindu_crypto::mask_id_number);
    form.legal_rep_phone = unmasked_or_typed(&form.legal_rep_phone, lrp.as_deref(), jindu_crypto::mask_phone);
    form.responsible_id_number =
        unmasked_or_typed(&form.responsible_id_number, rsi.as_deref(), jindu_crypto::mask_id_number);
    form.responsible_phone = unmasked_or_typed(&form.responsible_phone, rsp.as_deref(), jindu_crypto::mask_phone);
    let input = check_form(db, actor, now, &form).await?;
    if actor.role == Role::Enterprise {
        let mut refused = Vec::new();
        if input.credit_code.as_str() != kept.credit_code {
            refused.push("credit_code");
        }
        if input.status.as_code() != kept.status {
            refused.push("enterprise_status");
        }
        if input.police_unit.to_string() != kept.police_unit {
            refused.push("police_unit");
        }
        if !refused.is_empty() {
            return Err(ServiceError::Invalid(
                refused
                    .into_iter()
                    .map(|f| {
                        let (zh, en) = rule::field_label(f).unwrap_or(("该项", "This field"));
                        FieldError::of(f, Message::new("msg.precursor.enterprise.police_only").label("field", zh, en))
                    })
                    .collect(),
            ));
        }
    }
    let uow = UnitOfWork::begin(db, actor, now, permission).await?;
    let current = ent::Entity::find_by_id(id).one(&uow).await?.ok_or(ServiceError::NotFound("precursor_enterprise"))?;
    if current.version != version {
        return Err(ServiceError::Conflict);
    }
    if input.credit_code.as_str() != current.credit_code
        && ent::Entity::find().filter(ent::Column::CreditCode.eq(input.credit_code.as_str())).one(&uow).await?.is_some()
    {
        return Err(duplicate(input.credit_code.as_str()));
    }
    let before = stored_input(vault, &current, &uow).await?;
    let sealed = seal_people(vault, id, &input)?;
    let mut model = current.into_active_model();
    model.credit_code = Set(input.credit_code.to_string());
    model.name = Set(input.name.clone());
    model.roles = Set(rule::roles_code(&input.roles));
    model.business_scope = Set(input.business_scope.clone());
    model.registered_address = Set(input.registered_address.clone());
    model.division_code = Set(input.registered_division.to_string());
    model.legal_rep_name = Set(input.legal_rep.name.clone());
    model.legal_rep_id_number = Set(sealed.legal_rep_id_number);
    model.legal_rep_id_bidx = Set(sealed.legal_rep_id_bidx);
    model.legal_rep_phone = Set(sealed.legal_rep_phone);
    model.responsible_name = Set(input.responsible.name.clone());
    model.responsible_id_number = Set(sealed.responsible_id_number);
    model.responsible_id_bidx = Set(sealed.responsible_id_bidx);
    model.responsible_phone = Set(sealed.responsible_phone);
    model.hazardous_licence = Set(input.hazardous_licence.clone());
    model.status = Set(input.status.as_code().to_string());
    model.police_unit = Set(input.police_unit.to_string());
    model.safety_unit = Set(input.safety_unit.clone());
    model.version = Set(version + 1);
    model.updated_at = Set(now.instant);
    model.update(&uow).await?;
    wh::Entity::delete_many().filter(wh::Column::EnterpriseId.eq(id)).exec(&uow).await?;
    insert_warehouses(&uow, now, id, &input).await?;
    let changed_people = |a: &EnterpriseInput, b: &EnterpriseInput| {
        let mut c = Vec::new();
        if a.legal_rep.id_number != b.legal_rep.id_number {
            c.push("legal_rep_id_number");
        }
        if a.legal_rep.phone != b.legal_rep.phone {
            c.push("legal_rep_phone");
        }
        if a.responsible.id_number != b.responsible.id_number {
            c.push("responsible_id_number");
        }
        if a.responsible.phone != b.responsible.phone {
            c.push("responsible_phone");
        }
        c.join(",")
    };
    let detail = match &before {
        Some(b) => format!("{} → {} (sealed changed: {})", summary(b), summary(&input), changed_people(b, &input)),
        None => format!("→ {}", summary(&input)),
    };
    uow.audit(audit::Entry::ok("precursor.enterprise.update", TABLE, id).with_detail(detail)).await?;
    uow.commit().await?;
    Ok(())
}

/// The stored row as a checked input (for the audit record's "before"); `None` when a stored
/// value no longer passes today's checks (then only the new values are recorded).
async fn stored_input<C: ConnectionTrait>(
    vault: &Vault,
    m: &ent::Model,
    db: &C,
) -> ServiceResult<Option<EnterpriseInput>> {
    let open = |col: &str, v: &Option<String>| vault.open_opt(TABLE, col, m.id, v.as_deref());
    let warehouses = wh::Entity::find()
        .filter(wh::Column::EnterpriseId.eq(m.id))
        .order_by_asc(wh::Column::Seq)
        .all(db)
        .await?
        .into_iter()
        .map(|w| WarehouseForm { address: w.address, division: w.division_code })
        .collect();
    let form = EnterpriseForm {
        credit_code: m.credit_code.clone(),
        name: m.name.clone(),
        roles: vec![m.roles.clone()],
        business_scope: m.business_scope.clone(),
        registered_address: m.registered_address.clone(),
        registered_division: m.division_code.clone(),
        warehouses,
        legal_rep_name: m.legal_rep_name.clone(),
        legal_rep_id_number: open("legal_rep_id_number", &m.legal_rep_id_number)?.unwrap_or_default(),
        legal_rep_phone: open("legal_rep_phone", &m.legal_rep_phone)?.unwrap_or_default(),
        responsible_name: m.responsible_name.clone(),
        responsible_id_number: open("responsible_id_number", &m.responsible_id_number)?.unwrap_or_default(),
        responsible_phone: open("responsible_phone", &m.responsible_phone)?.unwrap_or_default(),
        hazardous_licence: m.hazardous_licence.clone().unwrap_or_default(),
        status: m.status.clone(),
        police_unit: m.police_unit.clone(),
        safety_unit: m.safety_unit.clone(),
    };
    // The stored values passed the same check when written; a date of birth cannot move.
    Ok(rule::check(&form, chrono::NaiveDate::MAX).ok())
}

/// The enterprise registered under `credit_code` (any case and spacing), for linking an account
/// (`jindu user add --role enterprise --enterprise <code>`): its id and division.
///
/// # Errors
/// `Invalid` naming `enterprise` when the code is malformed or not registered.
pub async fn by_credit_code<C: ConnectionTrait>(db: &C, credit_code: &str) -> ServiceResult<(Uuid, DivisionCode)> {
    let code = jindu_domain::precursor::UnifiedSocialCreditCode::parse(credit_code)
        .map_err(|reason| ServiceError::from(DomainError::CreditCode { field: "enterprise", reason }))?;
    let m = ent::Entity::find().filter(ent::Column::CreditCode.eq(code.as_str())).one(db).await?.ok_or_else(|| {
        ServiceError::from(FieldError::of(
            "enterprise",
            Message::new("msg.precursor.enterprise.unknown").text("code", code.as_str()),
        ))
    })?;
    let division =
        DivisionCode::parse(&m.division_code).map_err(|_| ServiceError::Data("enterprise division".into()))?;
    Ok((m.id, division))
}

/// Creates a 企业 account linked to the enterprise registered under `credit_code` (`jindu user
/// add --role enterprise --enterprise <code>`, the demo's `qy01`): the account's unit is the
/// enterprise's division, its data scope the enterprise only. One unit of work: the account
/// ([`users::add`](crate::service::users::add)), the link and the audit records `user.create` and
/// `user.enterprise_link`.
///
/// # Errors
/// `Invalid` naming `enterprise` (malformed or unregistered code), `role` (not `enterprise`), or
/// any of `users::add`'s refusals; nothing stored.
pub async fn add_account<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: audit::Who,
    now: Now,
    mut input: crate::service::users::NewUser,
    credit_code: &str,
) -> ServiceResult<Uuid> {
    use crate::entities::app_user;
    if input.role.trim() != Role::Enterprise.as_code() {
        return Err(FieldError::of("role", Message::new("msg.precursor.enterprise.link_role")).into());
    }
    let (enterprise, division) = by_credit_code(db, credit_code).await?;
    input.division = division;
    let uow = UnitOfWork::begin_as(db, who, now).await?;
    let id = crate::service::users::add(&uow, now, input).await?;
    app_user::Entity::update_many()
        .col_expr(app_user::Column::EnterpriseId, sea_orm::sea_query::Expr::value(enterprise))
        .filter(app_user::Column::Id.eq(id))
        .exec(&uow)
        .await?;
    uow.audit(audit::Entry::ok("user.create", "user", id)).await?;
    uow.audit(audit::Entry::ok("user.enterprise_link", "user", id).with_detail(format!("enterprise {enterprise}")))
        .await?;
    uow.commit().await?;
    Ok(id)
}
