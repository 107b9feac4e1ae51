//! 易制毒化学品生产经营单位 an enterprise that produces, trades, uses, stores, carries, imports or
//! exports precursor chemicals (MODULES §1.7 "Enterprise"; 易制毒化学品管理条例 (国务院令第445号)
//! §7–§9 (生产), §14–§16 (经营), §17–§19 (购买), §20–§23 (运输), §28–§31 (进出口)).
//!
//! [`check`] takes the raw strings of the form (or a sheet row, or the API's JSON) and returns
//! the checked [`EnterpriseInput`] or every problem at once, each a [`DomainError`] naming its
//! field. What needs the database — the division codes lie in the deployment's tree and in the
//! user's scope, the credit code is not taken — is the service's part.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::credit_code::UnifiedSocialCreditCode;
use crate::event::{validate_free_text, validate_name};
use crate::kinds::coded_enum;
use crate::message::Message;
use crate::{DivisionCode, DivisionLevel, DomainError, IdNumber};

coded_enum!(
    /// 企业类型 what an enterprise does with precursor chemicals (MODULES §1.7; 条例 §2: 生产、
    /// 经营、购买、运输和进口、出口). An enterprise holds one or more.
    EnterpriseRole {
        /// 生产 (条例 §7–§9: licence for category 1, filing for categories 2 and 3).
        Produce => ("produce", "生产", "Production"),
        /// 经营 (条例 §14–§16).
        Trade => ("trade", "经营", "Trade"),
        /// 使用: buys for its own use (条例 §17–§19 购买).
        Use => ("use", "使用", "Use"),
        /// 储存 (条例 §3: storage kept by the 生产、经营、购买 enterprise or a warehouse).
        Store => ("store", "储存", "Storage"),
        /// 运输 (条例 §20–§23).
        Transport => ("transport", "运输", "Transport"),
        /// 进出口 (条例 §28–§31).
        ImportExport => ("import_export", "进出口", "Import and export"),
    }
);

coded_enum!(
    /// 经营状态 an enterprise's standing in the register.
    EnterpriseStatus {
        /// 正常.
        Normal => ("normal", "正常", "Operating"),
        /// 停产 (停业): registered, not producing or trading now.
        Suspended => ("suspended", "停产", "Suspended"),
        /// 注销: deregistered; kept for the record (ledgers are kept 2 years, 条例 §19).
        Deregistered => ("deregistered", "注销", "Deregistered"),
    }
);

/// Longest enterprise name (characters; local default: the longest registered names are about
/// 60 characters).
pub const MAX_NAME_CHARS: usize = 100;
/// Longest 经营范围 text (characters; local default).
pub const MAX_SCOPE_CHARS: usize = 2000;
/// Longest address (characters; local default, as persons').
pub const MAX_ADDRESS_CHARS: usize = 200;
/// Longest licence number or unit name (characters; local default).
pub const MAX_SHORT_CHARS: usize = 50;
/// Most warehouses on one enterprise record (local default).
pub const MAX_WAREHOUSES: usize = 20;
/// Phone: 7 to 20 characters, digits with `-`, `+` and spaces (local default, as persons').
pub const MAX_PHONE_CHARS: usize = 20;

/// Why an enterprise's field was refused (beyond the shared [`DomainError`] reasons). Wrapped
/// in [`DomainError::Enterprise`] with the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnterpriseProblem {
    /// No role ticked. Code `precursor.enterprise.no_role`.
    #[error("no role")]
    NoRole,
    /// A phone number that is not digits, `-`, `+` and spaces of 7–20 characters. Code
    /// `precursor.enterprise.phone`.
    #[error("phone")]
    Phone,
    /// A division code coarser than a town (乡镇（街道）). Code `precursor.enterprise.division_level`.
    #[error("division level")]
    DivisionLevel,
    /// More than [`MAX_WAREHOUSES`] warehouses. Code `precursor.enterprise.warehouses`.
    #[error("too many warehouses")]
    TooManyWarehouses,
    /// A warehouse row (1-based) with an address and no division or the other way. Code
    /// `precursor.enterprise.warehouse_incomplete`.
    #[error("warehouse incomplete")]
    WarehouseIncomplete {
        /// 1-based row of the warehouse list.
        row: usize,
    },
    /// The credit code is already in the register. Code `precursor.enterprise.duplicate`.
    #[error("duplicate")]
    Duplicate {
        /// The code.
        code: String,
    },
    /// A division code not in the deployment's division list or outside the user's area. Code
    /// `precursor.enterprise.division_unknown`.
    #[error("division unknown")]
    DivisionUnknown {
        /// The code as given.
        code: String,
    },
}

impl EnterpriseProblem {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            EnterpriseProblem::NoRole => "precursor.enterprise.no_role",
            EnterpriseProblem::Phone => "precursor.enterprise.phone",
            EnterpriseProblem::DivisionLevel => "precursor.enterprise.division_level",
            EnterpriseProblem::TooManyWarehouses => "precursor.enterprise.warehouses",
            EnterpriseProblem::WarehouseIncomplete { .. } => "precursor.enterprise.warehouse_incomplete",
            EnterpriseProblem::Duplicate { .. } => "precursor.enterprise.duplicate",
            EnterpriseProblem::DivisionUnknown { .. } => "precursor.enterprise.division_unknown",
        }
    }

    /// The sentence (`msg.` + the code) with the field's label as `field`.
    pub fn message(&self, field: &str) -> Message {
        let (zh, en) = field_label(field).unwrap_or(("该项", "This field"));
        let m = Message::new(match self {
            EnterpriseProblem::NoRole => "msg.precursor.enterprise.no_role",
            EnterpriseProblem::Phone => "msg.precursor.enterprise.phone",
            EnterpriseProblem::DivisionLevel => "msg.precursor.enterprise.division_level",
            EnterpriseProblem::TooManyWarehouses => "msg.precursor.enterprise.warehouses",
            EnterpriseProblem::WarehouseIncomplete { .. } => "msg.precursor.enterprise.warehouse_incomplete",
            EnterpriseProblem::Duplicate { .. } => "msg.precursor.enterprise.duplicate",
            EnterpriseProblem::DivisionUnknown { .. } => "msg.precursor.enterprise.division_unknown",
        })
        .label("field", zh, en);
        match self {
            EnterpriseProblem::TooManyWarehouses => m.text("max", MAX_WAREHOUSES),
            EnterpriseProblem::WarehouseIncomplete { row } => m.text("row", row),
            EnterpriseProblem::Duplicate { code } | EnterpriseProblem::DivisionUnknown { code } => m.text("code", code),
            _ => m,
        }
    }
}

/// Labels of the enterprise form's fields (Chinese, English); `None` for a field not of this
/// form. Used by [`crate::error::field_label`] for the shared sentences (请填写…).
pub fn field_label(field: &str) -> Option<(&'static str, &'static str)> {
    Some(match field {
        "credit_code" => ("统一社会信用代码", "Unified social credit code"),
        "enterprise_name" => ("单位名称", "Enterprise name"),
        "roles" => ("企业类型", "Roles"),
        "business_scope" => ("经营范围", "Business scope"),
        "registered_address" => ("注册地址", "Registered address"),
        "registered_division" => ("注册地区划", "Division of the registered address"),
        "warehouses" => ("仓库", "Warehouses"),
        "warehouse_address" => ("仓库地址", "Warehouse address"),
        "warehouse_division" => ("仓库所在区划", "Division of the warehouse"),
        "legal_rep_name" => ("法定代表人姓名", "Legal representative's name"),
        "legal_rep_id_number" => ("法定代表人身份证号", "Legal representative's ID number"),
        "legal_rep_phone" => ("法定代表人电话", "Legal representative's phone"),
        "responsible_name" => ("易制毒化学品管理负责人姓名", "Precursor manager's name"),
        "responsible_id_number" => ("易制毒化学品管理负责人身份证号", "Precursor manager's ID number"),
        "responsible_phone" => ("易制毒化学品管理负责人电话", "Precursor manager's phone"),
        "hazardous_licence" => ("危险化学品经营许可证编号", "Hazardous chemicals trading licence number"),
        "enterprise_status" => ("经营状态", "Status"),
        "police_unit" => ("监管派出所", "Supervising police station"),
        "safety_unit" => ("安全监管部门", "Safety regulator"),
        _ => return None,
    })
}

/// One warehouse as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarehouseForm {
    #[serde(default)]
    pub address: String,
    /// 9- or 12-digit division code of the town or village.
    #[serde(default)]
    pub division: String,
}

/// The enterprise form, as typed (all text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseForm {
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub name: String,
    /// Role codes (`produce`, `trade`, …) or labels (`生产`, `经营`, …).
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub business_scope: String,
    #[serde(default)]
    pub registered_address: String,
    /// 9- or 12-digit division code of the town or village of the registered address.
    #[serde(default)]
    pub registered_division: String,
    #[serde(default)]
    pub warehouses: Vec<WarehouseForm>,
    #[serde(default)]
    pub legal_rep_name: String,
    #[serde(default)]
    pub legal_rep_id_number: String,
    #[serde(default)]
    pub legal_rep_phone: String,
    #[serde(default)]
    pub responsible_name: String,
    #[serde(default)]
    pub responsible_id_number: String,
    #[serde(default)]
    pub responsible_phone: String,
    #[serde(default)]
    pub hazardous_licence: String,
    /// Status code (`normal`, `suspended`, `deregistered`) or label; empty: 正常.
    #[serde(default)]
    pub status: String,
    /// The supervising 派出所: its division code (9 or 12 digits, the town it serves).
    #[serde(default)]
    pub police_unit: String,
    /// 安监 unit: the name of the safety regulator.
    #[serde(default)]
    pub safety_unit: String,
}

/// A person of the enterprise (法定代表人 or 易制毒化学品管理负责人), checked. The ID number and
/// the phone are personal data: the store seals them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponsiblePerson {
    pub name: String,
    pub id_number: Option<IdNumber>,
    pub phone: Option<String>,
}

/// A checked warehouse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warehouse {
    pub address: String,
    pub division: DivisionCode,
}

/// A checked enterprise form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseInput {
    pub credit_code: UnifiedSocialCreditCode,
    pub name: String,
    pub roles: BTreeSet<EnterpriseRole>,
    pub business_scope: String,
    pub registered_address: String,
    pub registered_division: DivisionCode,
    pub warehouses: Vec<Warehouse>,
    pub legal_rep: ResponsiblePerson,
    pub responsible: ResponsiblePerson,
    pub hazardous_licence: Option<String>,
    pub status: EnterpriseStatus,
    pub police_unit: DivisionCode,
    pub safety_unit: String,
}

/// Roles as stored: the codes joined by `,` in declaration order (`produce,trade`).
pub fn roles_code(roles: &BTreeSet<EnterpriseRole>) -> String {
    roles.iter().map(|r| r.as_code()).collect::<Vec<_>>().join(",")
}

/// Roles from their stored form; unknown codes are skipped.
pub fn roles_from_code(stored: &str) -> BTreeSet<EnterpriseRole> {
    stored.split(',').filter_map(|c| EnterpriseRole::from_code(c.trim())).collect()
}

fn role_of(text: &str) -> Option<EnterpriseRole> {
    let t = text.trim();
    EnterpriseRole::from_code(t).or_else(|| EnterpriseRole::ALL.iter().copied().find(|r| r.label_zh() == t))
}

/// A status from its code or label; empty is 正常.
pub fn status_of(text: &str) -> Option<EnterpriseStatus> {
    let t = text.trim();
    if t.is_empty() {
        return Some(EnterpriseStatus::Normal);
    }
    EnterpriseStatus::from_code(t).or_else(|| EnterpriseStatus::ALL.iter().copied().find(|s| s.label_zh() == t))
}

/// Checks a phone: empty is `None`; else 7–20 characters of digits, `-`, `+`, spaces, with at
/// least 7 digits.
fn phone(field: &'static str, input: &str, errors: &mut Vec<DomainError>) -> Option<String> {
    let p = input.trim();
    if p.is_empty() {
        return None;
    }
    let ok = p.chars().count() <= MAX_PHONE_CHARS
        && p.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' '))
        && p.chars().filter(char::is_ascii_digit).count() >= 7;
    if ok {
        Some(p.to_string())
    } else {
        errors.push(DomainError::Enterprise { field, reason: EnterpriseProblem::Phone });
        None
    }
}

/// A division code of a town or village (9 or 12 digits as typed; stored as 12).
fn town_or_village(field: &'static str, input: &str, errors: &mut Vec<DomainError>) -> Option<DivisionCode> {
    let t = input.trim();
    if t.is_empty() {
        errors.push(DomainError::Required { field });
        return None;
    }
    match DivisionCode::parse(t) {
        Ok(c) if matches!(c.level(), DivisionLevel::Town | DivisionLevel::Village) => Some(c),
        Ok(_) => {
            errors.push(DomainError::Enterprise { field, reason: EnterpriseProblem::DivisionLevel });
            None
        }
        Err(_) => {
            errors.push(DomainError::DivisionCode { field, input: t.chars().take(40).collect() });
            None
        }
    }
}

fn text(field: &'static str, input: &str, max: usize, errors: &mut Vec<DomainError>) -> String {
    validate_free_text(field, input, max).unwrap_or_else(|e| {
        errors.push(e);
        String::new()
    })
}

fn person(
    (name_f, id_f, phone_f): (&'static str, &'static str, &'static str),
    (name, id, tel): (&str, &str, &str),
    today: chrono::NaiveDate,
    errors: &mut Vec<DomainError>,
) -> ResponsiblePerson {
    let name = validate_name(name_f, name).unwrap_or_else(|e| {
        errors.push(e);
        String::new()
    });
    let id_number = if id.trim().is_empty() {
        None
    } else {
        IdNumber::parse_on(id, today).map_err(|reason| errors.push(DomainError::IdNumber { field: id_f, reason })).ok()
    };
    ResponsiblePerson { name, id_number, phone: phone(phone_f, tel, errors) }
}

/// Checks an enterprise form (MODULES §1.7): the credit code by GB 32100-2015
/// ([`UnifiedSocialCreditCode::parse`]); the name (1–100 characters); at least one role; the
/// 经营范围 (required, at most 2000 characters); the registered address (required) and its
/// division (a town or village: 9 or 12 digits); at most 20 warehouses, each with an address and
/// a town or village division; the legal representative and the 易制毒 manager by name (required),
/// ID number (GB 11643, optional) and phone (optional); the licence number (optional, at most 50);
/// the status (empty: 正常); the supervising 派出所 as the division code of the town it serves
/// (required); the 安监 unit (optional, at most 50). `today` (Asia/Shanghai) bounds the dates of
/// birth in ID numbers.
///
/// # Errors
/// Every problem at once, in form order, each naming its field.
pub fn check(form: &EnterpriseForm, today: chrono::NaiveDate) -> Result<EnterpriseInput, Vec<DomainError>> {
    let mut errors = Vec::new();
    let credit_code = UnifiedSocialCreditCode::parse(&form.credit_code)
        .map_err(|reason| errors.push(DomainError::CreditCode { field: "credit_code", reason }))
        .ok();
    let name = form.name.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = if name.is_empty() {
        errors.push(DomainError::Required { field: "enterprise_name" });
        String::new()
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(DomainError::TooLong { field: "enterprise_name", max: MAX_NAME_CHARS });
        String::new()
    } else if name.chars().any(crate::event::is_hidden) || !name.chars().any(char::is_alphabetic) {
        errors.push(DomainError::InvalidText { field: "enterprise_name" });
        String::new()
    } else {
        name
    };
    let mut roles = BTreeSet::new();
    for r in form.roles.iter().flat_map(|r| r.split([',', '，', '、'])).filter(|r| !r.trim().is_empty()) {
        match role_of(r) {
            Some(role) => {
                roles.insert(role);
            }
            None => errors.push(DomainError::InvalidChoice { field: "roles", input: r.trim().to_string() }),
        }
    }
    if roles.is_empty() && !errors.iter().any(|e| e.field() == Some("roles")) {
        errors.push(DomainError::Enterprise { field: "roles", reason: EnterpriseProblem::NoRole });
    }
    let business_scope = text("business_scope", &form.business_scope, MAX_SCOPE_CHARS, &mut errors);
    if form.business_scope.trim().is_empty() {
        errors.push(DomainError::Required { field: "business_scope" });
    }
    let registered_address = text("registered_address", &form.registered_address, MAX_ADDRESS_CHARS, &mut errors);
    if form.registered_address.trim().is_empty() {
        errors.push(DomainError::Required { field: "registered_address" });
    }
    let registered_division = town_or_village("registered_division", &form.registered_division, &mut errors);
    let typed: Vec<&WarehouseForm> =
        form.warehouses.iter().filter(|w| !(w.address.trim().is_empty() && w.division.trim().is_empty())).collect();
    let mut warehouses = Vec::new();
    if typed.len() > MAX_WAREHOUSES {
        errors.push(DomainError::Enterprise { field: "warehouses", reason: EnterpriseProblem::TooManyWarehouses });
    } else {
        for (i, w) in typed.iter().enumerate() {
            if w.address.trim().is_empty() || w.division.trim().is_empty() {
                errors.push(DomainError::Enterprise {
                    field: "warehouses",
                    reason: EnterpriseProblem::WarehouseIncomplete { row: i + 1 },
                });
                continue;
            }
            let address = text("warehouse_address", &w.address, MAX_ADDRESS_CHARS, &mut errors);
            if let Some(division) = town_or_village("warehouse_division", &w.division, &mut errors) {
                warehouses.push(Warehouse { address, division });
            }
        }
    }
    let legal_rep = person(
        ("legal_rep_name", "legal_rep_id_number", "legal_rep_phone"),
        (&form.legal_rep_name, &form.legal_rep_id_number, &form.legal_rep_phone),
        today,
        &mut errors,
    );
    let responsible = person(
        ("responsible_name", "responsible_id_number", "responsible_phone"),
        (&form.responsible_name, &form.responsible_id_number, &form.responsible_phone),
        today,
        &mut errors,
    );
    let licence = text("hazardous_licence", &form.hazardous_licence, MAX_SHORT_CHARS, &mut errors);
    let status = status_of(&form.status).or_else(|| {
        errors.push(DomainError::InvalidChoice { field: "enterprise_status", input: form.status.trim().to_string() });
        None
    });
    let police_unit = town_or_village("police_unit", &form.police_unit, &mut errors);
    let safety_unit = text("safety_unit", &form.safety_unit, MAX_SHORT_CHARS, &mut errors);
    match (credit_code, registered_division, status, police_unit) {
        (Some(credit_code), Some(registered_division), Some(status), Some(police_unit)) if errors.is_empty() => {
            Ok(EnterpriseInput {
                credit_code,
                name,
                roles,
                business_scope,
                registered_address,
                registered_division,
                warehouses,
                legal_rep,
                responsible,
                hazardous_licence: Some(licence).filter(|l| !l.is_empty()),
                status,
                police_unit,
                safety_unit,
            })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::testing;
    use crate::test_days::d;

    /// A valid form: 华为's published credit code (see `credit_code`), 珠晖区 广东路街道
    /// (430405001000), a synthetic ID number 430405199001011233 (check digit worked by hand in
    /// `id_number`'s tests' way: Σ = 4·7+3·9+0·10+4·5+0·8+5·4+1·2+9·1+9·6+0·3+0·7+1·9+0·10+1·5
    /// +1·8+2·4+3·2 = 196, 196 mod 11 = 9 → `3`).
    fn form() -> EnterpriseForm {
        EnterpriseForm {
            credit_code: "914403001922038216".into(),
            name: "演示化工有限公司".into(),
            roles: vec!["trade".into(), "储存".into()],
            business_scope: "硫酸、盐酸销售".into(),
            registered_address: "衡阳市珠晖区广东路1号".into(),
            registered_division: "430405001".into(),
            warehouses: vec![
                WarehouseForm { address: "珠晖区仓储路2号".into(), division: "430405001000".into() },
                WarehouseForm::default(),
            ],
            legal_rep_name: "张三".into(),
            legal_rep_id_number: "430405199001011233".into(),
            legal_rep_phone: "138 0000 0000".into(),
            responsible_name: "李四".into(),
            responsible_id_number: String::new(),
            responsible_phone: "0734-8123456".into(),
            hazardous_licence: "湘衡危化经字〔2024〕001号".into(),
            status: String::new(),
            police_unit: "430405001".into(),
            safety_unit: "珠晖区应急管理局".into(),
        }
    }

    #[test]
    fn a_valid_form_is_checked_to_exact_values() {
        let e = check(&form(), d("2026-12-07")).unwrap();
        assert_eq!(e.credit_code.as_str(), "914403001922038216");
        assert_eq!(e.roles.iter().copied().collect::<Vec<_>>(), vec![EnterpriseRole::Trade, EnterpriseRole::Store]);
        assert_eq!(roles_code(&e.roles), "trade,store");
        assert_eq!(roles_from_code("trade,store,bogus"), e.roles);
        assert_eq!(e.registered_division.to_string(), "430405001000");
        assert_eq!(e.warehouses.len(), 1, "the empty row is dropped");
        assert_eq!(e.legal_rep.id_number.as_ref().map(IdNumber::as_str), Some("430405199001011233"));
        assert_eq!(e.legal_rep.phone.as_deref(), Some("138 0000 0000"));
        assert_eq!(e.responsible.id_number, None);
        assert_eq!(e.status, EnterpriseStatus::Normal);
        assert_eq!(e.hazardous_licence.as_deref(), Some("湘衡危化经字〔2024〕001号"));
    }

    #[test]
    fn every_problem_is_returned_at_once_each_naming_its_field() {
        let mut f = form();
        f.credit_code = "914403001922038217".into();
        f.name = " ".into();
        f.roles = vec![];
        f.registered_division = "4304".into();
        f.warehouses = vec![WarehouseForm { address: "仓库".into(), division: String::new() }];
        f.legal_rep_id_number = "430405199001011238".into();
        f.responsible_phone = "call me".into();
        f.status = "歇业".into();
        f.police_unit = String::new();
        let errors = check(&f, d("2026-12-07")).unwrap_err();
        let fields: Vec<&str> = errors.iter().filter_map(DomainError::field).collect();
        assert_eq!(
            fields,
            vec![
                "credit_code",
                "enterprise_name",
                "roles",
                "registered_division",
                "warehouses",
                "legal_rep_id_number",
                "responsible_phone",
                "enterprise_status",
                "police_unit"
            ]
        );
        assert_eq!(errors[0].code(), "credit_code.check");
        assert_eq!(testing::zh(&errors[0].message()), "统一社会信用代码校验码错误：第18位应为“6”，实为“7”。");
        assert_eq!(testing::zh(&errors[1].message()), "请填写单位名称。");
        assert_eq!(
            testing::zh(&errors[2].message()),
            "请至少选择一种企业类型（生产、经营、使用、储存、运输、进出口）。"
        );
        assert_eq!(
            testing::zh(&errors[3].message()),
            "注册地区划应为乡镇（街道）或村（社区）的区划代码（9位或12位）。"
        );
        assert_eq!(testing::zh(&errors[4].message()), "第1个仓库的地址和所在区划都要填写。");
        assert_eq!(testing::zh(&errors[5].message()), "法定代表人身份证号校验码错误：应为3，实为8。");
        assert!(testing::zh(&errors[6].message()).starts_with("易制毒化学品管理负责人电话格式不正确"));
        assert_eq!(testing::zh(&errors[8].message()), "请填写监管派出所。");
    }

    #[test]
    fn roles_and_status_by_code_or_label() {
        let mut f = form();
        f.roles = vec!["生产、经营".into(), "import_export".into()];
        f.status = "停产".into();
        let e = check(&f, d("2026-12-07")).unwrap();
        assert_eq!(
            e.roles.into_iter().collect::<Vec<_>>(),
            vec![EnterpriseRole::Produce, EnterpriseRole::Trade, EnterpriseRole::ImportExport]
        );
        assert_eq!(e.status, EnterpriseStatus::Suspended);
        f.roles = vec!["销售".into()];
        let errors = check(&f, d("2026-12-07")).unwrap_err();
        assert_eq!(errors, vec![DomainError::InvalidChoice { field: "roles", input: "销售".into() }]);
        assert_eq!(status_of("deregistered"), Some(EnterpriseStatus::Deregistered));
        assert_eq!(status_of("x"), None);
    }

    #[test]
    fn phones_both_ends() {
        let mut errs = Vec::new();
        assert_eq!(phone("legal_rep_phone", "1234567", &mut errs).as_deref(), Some("1234567"));
        assert_eq!(phone("legal_rep_phone", "123456", &mut errs), None);
        assert_eq!(phone("legal_rep_phone", "+86 138-0000-0000", &mut errs).as_deref(), Some("+86 138-0000-0000"));
        assert_eq!(phone("legal_rep_phone", &"1".repeat(20), &mut errs).as_deref(), Some("11111111111111111111"));
        assert_eq!(phone("legal_rep_phone", &"1".repeat(21), &mut errs), None);
        assert_eq!(phone("legal_rep_phone", "", &mut errs), None);
        assert_eq!(errs.len(), 2);
    }

    #[test]
    fn warehouses_at_most_twenty() {
        let mut f = form();
        f.warehouses = vec![WarehouseForm { address: "仓".into(), division: "430405001".into() }; MAX_WAREHOUSES];
        assert_eq!(check(&f, d("2026-12-07")).unwrap().warehouses.len(), 20);
        f.warehouses.push(WarehouseForm { address: "仓".into(), division: "430405001".into() });
        let errors = check(&f, d("2026-12-07")).unwrap_err();
        assert_eq!(
            errors,
            vec![DomainError::Enterprise { field: "warehouses", reason: EnterpriseProblem::TooManyWarehouses }]
        );
        assert_eq!(testing::zh(&errors[0].message()), "仓库最多登记20个。");
    }
}
