//! Services: what the web pages, the API and the CLI call. Each takes the database, the acting
//! user (`Actor`), the current time (`Now`, from the one clock) and raw input; validates with
//! `jindu_domain`; enforces the data scope; and writes in one transaction.

use jindu_domain::message::Message;
use jindu_domain::{DivisionCode, DomainError, Permission, Role, RoleProfile};
use sea_orm::DbErr;
use uuid::Uuid;

// Services grouped by work line; each module is also reachable at `service::<module>`.
pub mod accountability;
pub mod administration;
pub mod audit;
pub mod casework;
pub mod import;
pub mod precursors;
pub mod registry;
pub mod statistics;
pub mod unit_of_work;

pub use accountability::{evaluation, responsibility, units};
pub use administration::{admin, deployment, second_factor, setup, tokens, users};
pub use casework::{alerts, caseload, conduct, worklist, workstations};
pub use precursors::{annual_report, credentials, enterprises, ledger, ledger_import};
pub use registry::{measures, persons, police, receipts, record, transfer_file, transfers};
pub use statistics::{dashboard, indicators};
pub use unit_of_work::UnitOfWork;
pub(crate) use unit_of_work::begin_write;

/// The signed-in user on whose behalf a service runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// What the role may do (the shipped default or the administrator's edit).
    pub profile: RoleProfile,
    /// Data scope: every record whose division code starts with `scope.prefix()`.
    pub scope: DivisionCode,
    /// Client address of the request (for the audit log); empty for the CLI.
    pub address: String,
    /// When the password, the second factor, the role, the unit or the account's status last
    /// changed (the later of `password_changed_at` and `sessions_ended_at`): sessions signed in
    /// before it end.
    pub credentials_changed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The member unit (`430405U03`) of a 成员单位 account: what it sees of the responsibility
    /// module (责任书, 规划任务) is its own unit's; `None` for every other role (and a 成员单位
    /// account not yet linked, which then sees no unit's).
    pub member_unit: Option<String>,
    /// The enterprise (`precursor_enterprise.id`) of a 企业 account: it sees and edits that
    /// enterprise only (another answers `NotFound`); `None` for every other role (and a 企业
    /// account not linked, which then sees none).
    pub enterprise: Option<Uuid>,
}

impl Actor {
    /// True when `code` (a 12-digit division code as stored) lies inside this actor's scope.
    pub fn sees(&self, code: &str) -> bool {
        code.starts_with(&self.scope.prefix())
    }

    /// True when the role holds `p`.
    pub fn can(&self, p: Permission) -> bool {
        self.profile.allows(p)
    }

    /// `Ok` when the role holds `p`, else `Forbidden(p)`.
    pub fn require(&self, p: Permission) -> Result<(), ServiceError> {
        if self.can(p) { Ok(()) } else { Err(ServiceError::Forbidden(p)) }
    }

    /// True when the actor is limited to their own caseload (社工).
    pub fn caseload_only(&self) -> bool {
        self.profile.own_caseload_only
    }
}

/// A problem with one input field: the field, a stable code and the sentence as a catalogue
/// [`Message`] (code and parameters), rendered in the reader's language at the edge
/// (`jindu_messages::render`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The form field name, e.g. `id_number`; empty for the form as a whole.
    pub field: &'static str,
    /// Stable code, e.g. `id_number.check_digit`.
    pub code: &'static str,
    /// The sentence to show, e.g. `msg.id_number.check_digit` with the field's label.
    pub message: Message,
}

impl FieldError {
    /// A field error whose code is the message's code without its `msg.` prefix
    /// (`msg.user.name_taken` → `user.name_taken`).
    pub fn of(field: &'static str, message: Message) -> Self {
        let code = message.code.strip_prefix("msg.").unwrap_or(message.code);
        FieldError { field, code, message }
    }

    /// A field error with a code of its own and a message (when several sentences share a code).
    pub fn coded(field: &'static str, code: &'static str, message: Message) -> Self {
        FieldError { field, code, message }
    }
}

impl From<DomainError> for FieldError {
    fn from(e: DomainError) -> Self {
        FieldError { field: e.field().unwrap_or(""), code: e.code(), message: e.message() }
    }
}

/// Errors of a service call. Only `Db` is internal; the others are shown to people.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input refused; nothing was stored.
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    /// The object does not exist or lies outside the actor's scope (the two look alike).
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The role lacks a permission; nothing was read or written.
    #[error("not allowed: {0:?}")]
    Forbidden(Permission),
    /// Refused for a reason the sentence gives (403: e.g. a deployment-wide setting changed by a
    /// user scoped to part of the deployment); nothing was read or written.
    #[error("refused: {}", .0.code)]
    Refused(FieldError),
    /// A stale edit (optimistic concurrency).
    #[error("the record was changed by someone else; reload and try again")]
    Conflict,
    /// Database failure: logged, shown as a generic message.
    #[error("database: {0}")]
    Db(#[from] DbErr),
    /// Stored data that cannot be read back (a bug or manual edit): logged, shown generically.
    #[error("stored data: {0}")]
    Data(String),
    /// Keys or a sealed value (wrong key file, tampering): logged, shown generically.
    #[error("{0}")]
    Vault(#[from] crate::vault::VaultError),
}

impl From<DomainError> for ServiceError {
    fn from(e: DomainError) -> Self {
        ServiceError::Invalid(vec![e.into()])
    }
}

impl ServiceError {
    /// The sentences for a person (the CLI prints them; pages and the API map the variants to
    /// their own status and page): every problem of `Invalid`, the refusal's sentence, the kind of
    /// record not found (`msg.not_found`), or a generic sentence for a fault that is logged.
    pub fn messages(&self) -> Vec<Message> {
        match self {
            ServiceError::Invalid(errs) => errs.iter().map(|e| e.message.clone()).collect(),
            ServiceError::Refused(e) => vec![e.message.clone()],
            ServiceError::NotFound(what) => {
                vec![Message::new("msg.not_found").nested("what", Message::new(object_code(what)))]
            }
            ServiceError::Forbidden(_) => vec![Message::new("msg.page.forbidden")],
            ServiceError::Conflict => vec![Message::new("msg.conflict")],
            ServiceError::Vault(e) => vec![e.message()],
            ServiceError::Db(e) => vec![Message::new("msg.store.database_error").text("cause", e)],
            ServiceError::Data(cause) => vec![Message::new("msg.store.data_error").text("cause", cause)],
        }
    }
}

/// The catalogue code of the name of a kind of record (`NotFound("user")` → `msg.object.user`).
fn object_code(what: &str) -> &'static str {
    match what {
        "user" => "msg.object.user",
        "person" => "msg.object.person",
        "division" => "msg.object.division",
        "scheme" => "msg.object.scheme",
        "measure" => "msg.object.measure",
        "deployment" => "msg.object.deployment",
        "workstation" => "msg.object.workstation",
        "token" => "msg.object.token",
        "task" => "msg.object.task",
        "evaluation unit" => "msg.object.evaluation_unit",
        "evaluation run" => "msg.object.evaluation_run",
        "evaluation item" => "msg.object.evaluation_item",
        "attachment" => "msg.object.attachment",
        "transfer" => "msg.object.transfer",
        "police_report" => "msg.object.police_report",
        "member" => "msg.object.member",
        "leave" => "msg.object.leave",
        "alert" => "msg.object.alert",
        _ => "msg.object.record",
    }
}

impl From<FieldError> for ServiceError {
    fn from(e: FieldError) -> Self {
        ServiceError::Invalid(vec![e])
    }
}

/// Result of a service call.
pub type ServiceResult<T> = Result<T, ServiceError>;

/// Lowest and highest 12-digit code inside a scope prefix: the bounds of a range read.
pub fn scope_bounds(scope: &DivisionCode) -> (String, String) {
    let p = scope.prefix();
    (format!("{p:0<12}"), format!("{p:9<12}"))
}

pub(crate) fn parse_code<T>(field: &'static str, input: &str, parse: fn(&str) -> Option<T>) -> Result<T, FieldError> {
    parse(input.trim())
        .ok_or_else(|| FieldError::from(DomainError::InvalidChoice { field, input: input.chars().take(40).collect() }))
}

/// The refused query parameters of a [`jindu_domain::query::Check`], as `Invalid` (each error
/// names its parameter); `Ok` when every parameter was accepted.
///
/// # Errors
/// `Invalid` with one [`FieldError`] per refused parameter.
pub fn query_checked(check: jindu_domain::query::Check) -> ServiceResult<()> {
    check.finish().map_err(|errs| ServiceError::Invalid(errs.into_iter().map(FieldError::from).collect()))
}

/// A sub-record id typed in a form (a leave, a working-group member, an alert): missing or
/// unreadable is a field error (422) naming `field`, never a 404. The `_form` services call it
/// after the permission and the person's scope are checked.
///
/// # Errors
/// `Invalid`: `Required` when blank, `InvalidChoice` when not an id.
pub fn sub_id(field: &'static str, input: &str) -> ServiceResult<Uuid> {
    match input.trim() {
        "" => Err(DomainError::Required { field }.into()),
        t => Uuid::parse_str(t)
            .map_err(|_| DomainError::InvalidChoice { field, input: t.chars().take(40).collect() }.into()),
    }
}

pub(crate) fn stored<T>(what: &str, value: &str, parse: fn(&str) -> Option<T>) -> ServiceResult<T> {
    parse(value).ok_or_else(|| ServiceError::Data(format!("{what}: {value}")))
}

/// The rows about one person of the table whose person column is `person` (`measure`,
/// `event`, `obligation`, `leave_request`, …: `person_id`), in `order` (column and direction,
/// first the most significant): the measures, timeline, duties or leave of a person page, a
/// transfer file or a reconciliation. No scope check: callers have loaded the person.
///
/// # Errors
/// `DbErr` on a database failure.
pub(crate) async fn person_rows<Col, C>(
    db: &C,
    person: Col,
    person_id: Uuid,
    order: &[(Col, sea_orm::Order)],
) -> Result<Vec<<Col::EntityName as sea_orm::EntityTrait>::Model>, DbErr>
where
    Col: sea_orm::ColumnTrait,
    Col::EntityName: sea_orm::EntityTrait,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::{EntityTrait, QueryFilter, QueryOrder};
    let mut rows = <Col::EntityName as EntityTrait>::find().filter(person.eq(person_id));
    for (column, direction) in order {
        rows = rows.order_by(*column, direction.clone());
    }
    rows.all(db).await
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    /// 1-based page number.
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

impl<T> Page<T> {
    /// Number of pages (at least 1).
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }
}

/// The page to show when `requested` was asked for and the list holds `total` rows,
/// `per_page` a page: the requested one, or the last when it asked past the end (a link to page
/// 2 kept after the list shrank to one page shows page 1, never "page 2 of 1" with no rows).
pub fn page_within(requested: u64, total: u64, per_page: u64) -> u64 {
    requested.clamp(1, total.div_ceil(per_page.max(1)).max(1))
}

/// Whether a write about a person may touch a record sealed after three years abstinent
/// (戒毒条例 §7 and the local sealing rule: only the forms that bring a person back may).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sealed {
    /// A sealed record is refused (`person.sealed`, naming the day it was sealed).
    Refused,
    /// A sealed record is written (the caller's permission says who may open one).
    Allowed,
}

#[cfg(test)]
mod page_tests {
    #[test]
    fn a_page_past_the_end_is_the_last_page() {
        use super::page_within;
        // 59 rows, 50 a page: pages 1 and 2.
        assert_eq!(page_within(1, 59, 50), 1);
        assert_eq!(page_within(2, 59, 50), 2);
        assert_eq!(page_within(3, 59, 50), 2);
        assert_eq!(page_within(1_000_000, 59, 50), 2);
        // Exactly full pages: 100 rows make 2, not 3.
        assert_eq!(page_within(3, 100, 50), 2);
        // An empty list has one (empty) page; page 0 reads as 1.
        assert_eq!(page_within(7, 0, 20), 1);
        assert_eq!(page_within(0, 59, 50), 1);
    }
}
