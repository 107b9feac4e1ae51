//! The JSON API under `/api/v1`, authenticated by API tokens (`Authorization: Bearer jdu_…`),
//! with its OpenAPI document at `/api/openapi.json`.
//!
//! Like the pages, handlers only translate: they call one `jindu_store::service` function with
//! the token's `Actor` and the time from the one clock, and turn the result into JSON. The
//! services check the permission (403) and the data scope (404, exactly like a missing id).
//! Every route is registered through utoipa-axum's `OpenApiRouter`, so the document is built
//! from the same annotations as the router and cannot drift from it; [`API_ROUTES`] lists the
//! access of each route and a test compares it with [`api_registered_routes`].

use jindu_domain::message::Message;
use std::sync::OnceLock;

use axum::Json;
use axum::Router;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequestParts, Path, State};

use crate::strict_query::ApiQuery;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use jindu_domain::Permission;
use jindu_store::service::measures::{self, MeasureView};
use jindu_store::service::persons::{self, EventView, ObligationView, PersonFilter, PersonView};
use jindu_store::service::worklist::{self, DueItem};
use jindu_store::service::{Actor, ServiceError, tokens};
use serde::{Deserialize, Serialize};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::routes::{Access, RouteSpec};

/// Every API route with the access it needs (see [`crate::routes::ROUTES`] for the pages).
pub const API_ROUTES: &[RouteSpec] = &[
    RouteSpec {
        method: "GET",
        path: "/api/v1/persons",
        access: Access::Needs(Permission::ViewPersons),
        person_scoped: false,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/persons/{id}",
        access: Access::Needs(Permission::ViewPersons),
        person_scoped: true,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/persons/{id}/events",
        access: Access::Needs(Permission::ViewPersons),
        person_scoped: true,
    },
    RouteSpec {
        method: "POST",
        path: "/api/v1/persons/{id}/events",
        access: Access::Needs(Permission::RecordWork),
        person_scoped: true,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/persons/{id}/measures",
        access: Access::Needs(Permission::ViewPersons),
        person_scoped: true,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/obligations",
        access: Access::Needs(Permission::ViewPersons),
        person_scoped: false,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/precursor-enterprises",
        access: Access::Needs(Permission::ViewEnterprises),
        person_scoped: false,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/precursor-enterprises/{ent}",
        access: Access::Needs(Permission::ViewEnterprises),
        person_scoped: false,
    },
    RouteSpec {
        method: "GET",
        path: "/api/v1/precursor-enterprises/{ent}/credentials",
        access: Access::Needs(Permission::ViewEnterprises),
        person_scoped: false,
    },
    RouteSpec { method: "GET", path: "/api/openapi.json", access: Access::Public, person_scoped: false },
];

// ---------------------------------------------------------------------------------------------
// Errors

/// One field problem of a refused input.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldErrorDto {
    /// The input field, e.g. `date`; empty for the input as a whole.
    pub field: String,
    /// Stable code, e.g. `date.future`.
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

/// An error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorBody {
    /// `unauthorized`, `bad_request`, `invalid`, `forbidden`, `not_found`, `conflict`,
    /// `too_large`, `unsupported_media_type` or `internal`.
    pub code: String,
    /// A sentence in Chinese and English (`中文 / English`).
    pub message: String,
    /// For `invalid`: every field problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldErrorDto>>,
}

/// An error of the API, answered as JSON.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ApiErrorBody,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError { status, body: ApiErrorBody { code: code.into(), message: message.into(), errors: None } }
    }

    /// An error whose `message` is the catalogue's sentence in both languages (`中文 / English`).
    fn of(status: StatusCode, code: &str, message: &Message) -> Self {
        let (zh, en) = jindu_messages::render_both(message);
        Self::new(status, code, format!("{zh} / {en}"))
    }

    /// 400 `bad_request` for a query string refused before its values were read (a repeated or
    /// unreadable parameter, [`crate::strict_query`]), the parameter named in `errors`.
    pub(crate) fn query_string(e: &jindu_domain::query::QueryStringError) -> Self {
        let (zh, en) = jindu_messages::render_both(&e.message());
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: ApiErrorBody {
                code: "bad_request".into(),
                message: format!("{zh} / {en}"),
                errors: Some(vec![FieldErrorDto {
                    field: e.parameter().unwrap_or_default(),
                    code: e.code().into(),
                    message_zh: zh,
                    message_en: en,
                }]),
            },
        }
    }

    /// 401: no token, or an unknown, expired or revoked one.
    pub fn unauthorized() -> Self {
        Self::of(StatusCode::UNAUTHORIZED, "unauthorized", &Message::new("msg.api.unauthorized"))
    }

    fn not_found() -> Self {
        Self::of(StatusCode::NOT_FOUND, "not_found", &Message::new("msg.api.not_found"))
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(errs) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                body: ApiErrorBody {
                    code: "invalid".into(),
                    message: errs
                        .iter()
                        .map(|e| {
                            let (zh, en) = jindu_messages::render_both(&e.message);
                            format!("{zh} / {en}")
                        })
                        .collect::<Vec<_>>()
                        .join(" "),
                    errors: Some(
                        errs.into_iter()
                            .map(|e| {
                                let (message_zh, message_en) = jindu_messages::render_both(&e.message);
                                FieldErrorDto { field: e.field.into(), code: e.code.into(), message_zh, message_en }
                            })
                            .collect(),
                    ),
                },
            },
            ServiceError::NotFound(_) => ApiError::not_found(),
            ServiceError::Forbidden(_) => {
                ApiError::of(StatusCode::FORBIDDEN, "forbidden", &Message::new("msg.api.forbidden"))
            }
            ServiceError::Refused(e) => ApiError::of(StatusCode::FORBIDDEN, "forbidden", &e.message),
            ServiceError::Conflict => ApiError::of(StatusCode::CONFLICT, "conflict", &Message::new("msg.api.conflict")),
            other @ (ServiceError::Db(_) | ServiceError::Data(_) | ServiceError::Vault(_)) => {
                tracing::error!("api internal error: {other}");
                ApiError::of(StatusCode::INTERNAL_SERVER_ERROR, "internal", &Message::new("msg.api.internal"))
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => {
                // serde's text: "…: date: invalid type: …" or "…: missing field `date`".
                let text = e.body_text();
                let detail = text.rsplit_once("target type: ").map_or(text.as_str(), |(_, d)| d).to_string();
                let (field, message) =
                    if let Some(f) = detail.split("missing field `").nth(1).and_then(|r| r.split('`').next()) {
                        (f.to_string(), Message::new("msg.api.field_missing").text("field", f))
                    } else {
                        let (f, why) = detail.split_once(": ").unwrap_or(("", detail.as_str()));
                        (f.to_string(), Message::new("msg.api.field_invalid").text("field", f).text("why", why))
                    };
                let (zh, en) = jindu_messages::render_both(&message);
                ApiError {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    body: ApiErrorBody {
                        code: "invalid".into(),
                        message: format!("{zh} / {en}"),
                        errors: Some(vec![FieldErrorDto {
                            field,
                            code: "json.data".into(),
                            message_zh: zh,
                            message_en: en,
                        }]),
                    },
                }
            }
            JsonRejection::MissingJsonContentType(_) => ApiError::of(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                &Message::new("msg.api.content_type"),
            ),
            JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::of(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                &Message::new("msg.api.too_large").text("limit", crate::BODY_LIMIT / 1024),
            ),
            other => {
                let status = if other.status().is_client_error() { other.status() } else { StatusCode::BAD_REQUEST };
                let (zh, en) = jindu_messages::render_both(&Message::new("msg.api.malformed"));
                ApiError::new(status, "bad_request", format!("{zh} / {en} ({})", other.body_text()))
            }
        }
    }
}

impl From<PathRejection> for ApiError {
    // A malformed id names no record.
    fn from(_: PathRejection) -> Self {
        ApiError::not_found()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(self.body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

type ApiResult<T> = Result<T, ApiError>;

// ---------------------------------------------------------------------------------------------
// Authentication

/// The actor of the request's API token (`Authorization: Bearer jdu_…`), scoped to the token's
/// role and division. No session or cookie is involved.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let value = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
        let secret = match value.split_once(' ') {
            Some((scheme, s)) if scheme.eq_ignore_ascii_case("bearer") => s.trim(),
            _ => return Err(ApiError::unauthorized()),
        };
        match tokens::authenticate(&state.db, state.clock.now(), secret).await? {
            Some(mut actor) => {
                actor.address = crate::auth::client_address(parts);
                if let Some(slot) = parts.extensions.get::<ActorSlot>()
                    && let Ok(mut held) = slot.0.lock()
                {
                    *held = Some(actor.clone());
                }
                Ok(ApiActor(actor))
            }
            None => Err(ApiError::unauthorized()),
        }
    }
}

/// Where [`ApiActor`] leaves the token's actor for [`audit_refusals`], which runs around the
/// handler and cannot see its extractors.
#[derive(Clone, Default)]
struct ActorSlot(std::sync::Arc<std::sync::Mutex<Option<Actor>>>);

/// Records every API request refused to a valid token in the audit log, in its own small
/// transaction, as the pages do (`access.denied`, outcome `denied`, object `METHOD path`, detail
/// `status; route METHOD template; api`): 403 (the role lacks the permission) and 404 on a route
/// that needs a token (an id outside the token's scope answers like a missing one). A request
/// without a valid token (401) has no actor and is not recorded.
pub async fn audit_refusals(
    State(state): State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let slot = ActorSlot::default();
    req.extensions_mut().insert(slot.clone());
    let what = format!("{} {}", req.method(), req.uri().path());
    let method = req.method().as_str().to_string();
    let template = req.extensions().get::<axum::extract::MatchedPath>().map(|m| m.as_str().to_string());
    let response = next.run(req).await;
    let status = response.status();
    let guarded = template
        .as_deref()
        .is_some_and(|t| API_ROUTES.iter().any(|r| r.method == method && r.path == t && r.access != Access::Public));
    let audited = status == StatusCode::FORBIDDEN || (status == StatusCode::NOT_FOUND && guarded);
    let actor = slot.0.lock().ok().and_then(|mut held| held.take());
    if audited && let Some(actor) = actor {
        use jindu_store::service::audit;
        let entry = audit::Entry {
            action: "access.denied".into(),
            object_type: Some("route"),
            object_id: Some(what.chars().take(200).collect()),
            outcome: audit::Outcome::Denied,
            detail: Some(format!("{}; route {method} {}; api", status.as_u16(), template.as_deref().unwrap_or("-"))),
        };
        if let Err(e) = audit::record(&state.db, &audit::Who::actor(&actor), state.clock.now(), entry).await {
            tracing::error!("audit of an API refusal failed: {e}");
        }
    }
    response
}

// ---------------------------------------------------------------------------------------------
// Data transfer objects (codes are the stable storage codes of `jindu_domain::kinds`)

/// A person as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDto {
    pub id: Uuid,
    pub name: String,
    /// ID number with the birth date masked, e.g. `110105********002X`.
    pub id_number_masked: String,
    /// `M` or `F`.
    pub sex: String,
    pub birth_date: NaiveDate,
    pub age: u32,
    /// 12-digit code of the community or town.
    pub division_code: String,
    /// Name path, e.g. `湖南省/衡阳市/珠晖区/广东路街道/…`.
    pub division_path: String,
    /// Control status code, e.g. `under_control`.
    pub status: String,
    /// Risk tier code, e.g. `medium`.
    pub risk_tier: String,
    /// Kind code of the open measure, e.g. `community_detox`.
    pub current_measure: Option<String>,
    /// Display name of the responsible social worker.
    pub social_worker: Option<String>,
}

impl From<&PersonView> for PersonDto {
    fn from(p: &PersonView) -> Self {
        PersonDto {
            id: p.id,
            name: p.name.clone(),
            id_number_masked: p.id_number.masked(),
            sex: p.sex.as_code().into(),
            birth_date: p.birth_date,
            age: p.age,
            division_code: p.division_code.clone(),
            division_path: p.division_path.clone(),
            status: p.status.as_code().into(),
            risk_tier: p.risk_tier.as_code().into(),
            current_measure: p.current_measure.map(|m| m.as_code().into()),
            social_worker: p.social_worker.clone(),
        }
    }
}

/// One page of persons.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonPageDto {
    pub rows: Vec<PersonDto>,
    /// 1-based page number.
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
    pub pages: u64,
    /// Counts of persons of the token's scope and the filters other than `status`, by the
    /// definitions the 驾驶舱 uses (`jindu_domain::indicator::Headcount`): keys `registered`
    /// (在册 = 在控 + 羁押 + 失控 + 出境), `in_control` (在控, custody included), `lost`, `abroad`,
    /// `abstinent_3y`, `deceased`, `released`. Sealed records are not in the list.
    pub headcounts: std::collections::BTreeMap<String, u64>,
}

/// A person's record beyond the list fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRecordDto {
    #[serde(flatten)]
    pub person: PersonDto,
    /// Addiction finding code, e.g. `addicted`.
    pub addiction_finding: String,
    /// Main substance code.
    pub substance: Option<String>,
    pub social_worker_id: Option<Uuid>,
    pub first_found_on: Option<NaiveDate>,
    pub note: Option<String>,
    /// Optimistic-concurrency version (send it back as `version` when recording an event).
    pub version: i32,
}

/// A measure with its computed dates.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureDto {
    pub id: Uuid,
    /// Kind code, e.g. `community_detox`.
    pub kind: String,
    /// Status code, e.g. `active`.
    pub status: String,
    pub decision_date: NaiveDate,
    pub reported_on: Option<NaiveDate>,
    pub start_date: Option<NaiveDate>,
    pub report_deadline: Option<NaiveDate>,
    /// Days the report is overdue (not yet reported, past the deadline).
    pub report_overdue_days: Option<i64>,
    pub planned_last_day: Option<NaiveDate>,
    pub suspended_days: u32,
    pub ended_on: Option<NaiveDate>,
    /// End reason code.
    pub end_reason: Option<String>,
    pub phase_year: Option<u8>,
    pub expiry_notice_deadline: Option<NaiveDate>,
    pub release_notice_date: Option<NaiveDate>,
}

impl From<&MeasureView> for MeasureDto {
    fn from(m: &MeasureView) -> Self {
        MeasureDto {
            id: m.id,
            kind: m.kind.as_code().into(),
            status: m.status.as_code().into(),
            decision_date: m.decision_date,
            reported_on: m.reported_on,
            start_date: m.start_date,
            report_deadline: m.report_deadline,
            report_overdue_days: m.report_overdue_days,
            planned_last_day: m.planned_last_day,
            suspended_days: m.suspended_days,
            ended_on: m.ended.map(|(d, _)| d),
            end_reason: m.ended.map(|(_, r)| r.as_code().into()),
            phase_year: m.phase_year,
            expiry_notice_deadline: m.expiry_notice_deadline,
            release_notice_date: m.release_notice_date,
        }
    }
}

/// A duty of one person with its due date.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObligationDto {
    /// Obligation kind code, e.g. `visit`.
    pub kind: String,
    pub due_date: NaiveDate,
    /// Positive = days overdue; 0 = due today; negative = days until due.
    pub overdue_days: i64,
}

impl From<&ObligationView> for ObligationDto {
    fn from(o: &ObligationView) -> Self {
        ObligationDto { kind: o.kind.as_code().into(), due_date: o.due_date, overdue_days: o.overdue_days }
    }
}

/// A person's page: the record, the measures (newest first) and the obligations.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDetailDto {
    pub person: PersonRecordDto,
    pub measures: Vec<MeasureDto>,
    pub obligations: Vec<ObligationDto>,
}

/// A timeline entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventDto {
    pub id: Uuid,
    /// Event kind code, e.g. `visit`.
    pub kind: String,
    pub occurred_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    /// Display name of the recording user.
    pub recorded_by: Option<String>,
    pub test_method: Option<String>,
    pub test_result: Option<String>,
    pub substance: Option<String>,
    pub note: Option<String>,
    /// For an amendment: the event it corrects.
    pub amends: Option<Uuid>,
    /// Set when a later amendment corrects this event.
    pub amended_by: Option<Uuid>,
}

impl From<&EventView> for EventDto {
    fn from(e: &EventView) -> Self {
        EventDto {
            id: e.id,
            kind: e.kind.as_code().into(),
            occurred_on: e.occurred_on,
            recorded_at: e.recorded_at,
            recorded_by: e.recorded_by.clone(),
            test_method: e.test_method.map(|x| x.as_code().into()),
            test_result: e.test_result.map(|x| x.as_code().into()),
            substance: e.substance.map(|x| x.as_code().into()),
            note: e.note.clone(),
            amends: e.amends,
            amended_by: e.amended_by,
        }
    }
}

/// A new timeline event (the same fields as the event form).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEventBody {
    /// Event kind code: `check_in`, `drug_test`, `visit`, `interview`, `assistance`,
    /// `leave_request`, `violation`, `relapse`, `contact_lost`, `contact_restored`, `amendment`.
    #[schema(min_length = 1)]
    pub kind: String,
    /// The day it happened, `YYYY-MM-DD` (not in the future).
    #[schema(format = Date, pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub date: String,
    /// For a test: method code.
    #[serde(default)]
    pub test_method: Option<String>,
    /// For a test: result code.
    #[serde(default)]
    pub test_result: Option<String>,
    /// For a positive test: substance code.
    #[serde(default)]
    pub substance: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// For an amendment: the id of the event it corrects.
    #[serde(default)]
    pub amends: Option<String>,
    /// The person's version as last read; when given and stale the answer is 409.
    #[serde(default)]
    pub version: Option<i32>,
}

/// The id of a created object.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedDto {
    pub id: Uuid,
}

/// One line of the worklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct DueItemDto {
    pub person_id: Uuid,
    pub name: String,
    pub id_number_masked: String,
    /// Obligation kind code.
    pub kind: String,
    pub due_date: NaiveDate,
    /// Positive = days overdue; 0 = due today; negative = days until due.
    pub overdue_days: i64,
}

impl From<&DueItem> for DueItemDto {
    fn from(d: &DueItem) -> Self {
        DueItemDto {
            person_id: d.person_id,
            name: d.name.clone(),
            id_number_masked: d.id_number_masked.clone(),
            kind: d.kind.as_code().into(),
            due_date: d.due_date,
            overdue_days: d.overdue_days,
        }
    }
}

/// The worklist: overdue, due today, due within the next 7 days.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorklistDto {
    pub overdue: Vec<DueItemDto>,
    pub today: Vec<DueItemDto>,
    pub this_week: Vec<DueItemDto>,
}

/// Filters of the person list; all optional.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonQuery {
    /// 9-digit town code.
    pub town: Option<String>,
    /// 12-digit community code.
    pub community: Option<String>,
    /// Open measure kind code.
    pub measure: Option<String>,
    /// Control status code.
    pub status: Option<String>,
    /// Name (substring) or ID number (exact).
    pub q: Option<String>,
    /// Risk tier code (`high`, `medium`, `low`).
    pub risk: Option<String>,
    /// 1-based page number (20 per page), 1 to 1,000,000.
    pub page: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// The persons in the token's scope (a social worker: own caseload), filtered and paged.
#[utoipa::path(
    get,
    path = "/api/v1/persons",
    tag = "persons",
    params(PersonQuery),
    responses(
        (status = 200, description = "A page of persons", body = PersonPageDto),
        (status = 401, description = "Missing or invalid token", body = ApiErrorBody),
        (status = 403, description = "The role may not view persons", body = ApiErrorBody),
        (status = 422, description = "A query parameter with a value the list does not take (named in `errors`)", body = ApiErrorBody),
    )
)]
async fn list_persons(
    ApiActor(actor): ApiActor,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PersonQuery>,
) -> ApiResult<Json<PersonPageDto>> {
    let filter = PersonFilter {
        town: q.town.unwrap_or_default(),
        community: q.community.unwrap_or_default(),
        measure: q.measure.unwrap_or_default(),
        status: q.status.unwrap_or_default(),
        q: q.q.unwrap_or_default(),
        page: q.page.unwrap_or_default(),
        sealed: String::new(),
        risk: q.risk.unwrap_or_default(),
    };
    let page = persons::list(&state.db, &state.vault, &actor, state.clock.now(), &filter).await?;
    let headcounts = persons::headcounts(&state.db, &state.vault, &actor, &filter)
        .await?
        .into_iter()
        .map(|(h, n)| (h.code().to_string(), n))
        .collect();
    Ok(Json(PersonPageDto {
        headcounts,
        pages: page.pages(),
        rows: page.rows.iter().map(PersonDto::from).collect(),
        page: page.page,
        per_page: page.per_page,
        total: page.total,
    }))
}

/// The person of the path as the token's actor may see them (404 for a malformed id, one out of
/// scope or none).
async fn detail_of(
    state: &AppState,
    actor: &Actor,
    id: Result<Path<Uuid>, PathRejection>,
) -> ApiResult<persons::PersonDetail> {
    let Path(id) = id?;
    Ok(persons::detail(&state.db, &state.vault, actor, state.clock.now(), id, persons::Reading::Masked).await?)
}

/// A person's record, measures and obligations.
#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}",
    tag = "persons",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The person", body = PersonDetailDto),
        (status = 401, description = "Missing or invalid token", body = ApiErrorBody),
        (status = 403, description = "The role may not view persons", body = ApiErrorBody),
        (status = 404, description = "No such person in the token's scope", body = ApiErrorBody),
    )
)]
async fn person_detail(
    ApiActor(actor): ApiActor,
    State(state): State<AppState>,
    id: Result<Path<Uuid>, PathRejection>,
) -> ApiResult<Json<PersonDetailDto>> {
    let d = detail_of(&state, &actor, id).await?;
    let p = &d.person;
    Ok(Json(PersonDetailDto {
        person: PersonRecordDto {
            person: PersonDto::from(p),
            addiction_finding: p.finding.as_code().into(),
            substance: p.substance.map(|s| s.as_code().into()),
            social_worker_id: p.social_worker_id,
            first_found_on: p.first_found_on,
            note: p.note.clone(),
            version: p.version,
        },
        measures: d.measures.iter().map(MeasureDto::from).collect(),
        obligations: d.obligations.iter().map(ObligationDto::from).collect(),
    }))
}

/// A person's timeline, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}/events",
    tag = "persons",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The timeline", body = [EventDto]),
        (status = 401, description = "Missing or invalid token", body = ApiErrorBody),
        (status = 403, description = "The role may not view persons", body = ApiErrorBody),
        (status = 404, description = "No such person in the token's scope", body = ApiErrorBody),
    )
)]
async fn person_events(
    ApiActor(actor): ApiActor,
    State(state): State<AppState>,
    id: Result<Path<Uuid>, PathRejection>,
) -> ApiResult<Json<Vec<EventDto>>> {
    let d = detail_of(&state, &actor, id).await?;
    Ok(Json(d.events.iter().map(EventDto::from).collect()))
}

/// Records a timeline event (report, test, visit, …) for a person.
#[utoipa::path(
    post,
    path = "/api/v1/persons/{id}/events",
    tag = "persons",
    params(
        ("id" = Uuid, Path, description = "Person id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A key the client makes for this one write (e.g. a UUID), at most 100 characters: a retry with the same key answers 201 with the first event's id and stores nothing again"),
    ),
    request_body = NewEventBody,
    responses(
        (status = 201, description = "Recorded", body = CreatedDto),
        (status = 400, description = "The body is not the expected JSON", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid token", body = ApiErrorBody),
        (status = 403, description = "The role may not record this kind of event", body = ApiErrorBody),
        (status = 404, description = "No such person in the token's scope", body = ApiErrorBody),
        (status = 409, description = "Stale version", body = ApiErrorBody),
        (status = 413, description = "The body is over the size limit (256 KB)", body = ApiErrorBody),
        (status = 415, description = "The body is not sent as `application/json`", body = ApiErrorBody),
        (status = 422, description = "Refused input; nothing was stored", body = ApiErrorBody),
    )
)]
async fn record_event(
    ApiActor(actor): ApiActor,
    State(state): State<AppState>,
    id: Result<Path<Uuid>, PathRejection>,
    headers: axum::http::HeaderMap,
    body: Result<Json<NewEventBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Path(person_id) = id?;
    let Json(b) = body?;
    // A key that is not visible ASCII (a header cannot carry more) reads as one the service refuses.
    let idempotency_key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().map_or_else(|_| "\u{0}".to_string(), str::to_string))
        .unwrap_or_default();
    let input = measures::NewEvent {
        kind: b.kind,
        date: b.date,
        test_method: b.test_method.unwrap_or_default(),
        test_result: b.test_result.unwrap_or_default(),
        substance: b.substance.unwrap_or_default(),
        note: b.note.unwrap_or_default(),
        amends: b.amends.unwrap_or_default(),
        version: b.version.map(|v| v.to_string()).unwrap_or_default(),
        idempotency_key,
    };
    let id = measures::record_event(&state.db, &state.vault, &actor, state.clock.now(), person_id, input).await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// A person's measures with their computed dates, newest decision first.
#[utoipa::path(
    get,
    path = "/api/v1/persons/{id}/measures",
    tag = "persons",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The measures", body = [MeasureDto]),
        (status = 401, description = "Missing or invalid token", body = ApiErrorBody),
        (status = 403, description = "The role may not view persons", body = ApiErrorBody),
        (status = 404, description = "No such person in the token's scope", body = ApiErrorBody),
    )
)]
async fn person_measures(
    ApiActor(actor): ApiActor,
    State(state): State<AppState>,
    id: Result<Path<Uuid>, PathRejection>,
) -> ApiResult<Json<Vec<MeasureDto>>> {
    let d = detail_of(&state, &actor, id).await?;
    Ok(Json(d.measures.iter().map(MeasureDto::from).collect()))
}

/// Filters of the worklist; all optional.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ObligationQuery {
    /// 9-digit town code inside the token's scope.
    pub town: Option<String>,
    /// Obligation kind code (`check_in`, `drug_test`, `visit`, `report`, `transfer_report`).
    pub kind: Option<String>,
}

/// The worklist of the token's scope: overdue, due today, due this week (at most
/// 1,500 obligations read, oldest due first), optionally of one town and one kind of duty.
#[utoipa::path(
    get,
    path = "/api/v1/obligations",
    tag = "obligations",
    params(ObligationQuery),
    responses(
        (status = 200, description = "The worklist", body = WorklistDto),
        (status = 401, description = "Missing or invalid token", body = ApiErrorBody),
        (status = 403, description = "The role may not view persons", body = ApiErrorBody),
        (status = 422, description = "A query parameter with a value the list does not take (named in `errors`)", body = ApiErrorBody),
    )
)]
async fn obligations(
    ApiActor(actor): ApiActor,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ObligationQuery>,
) -> ApiResult<Json<WorklistDto>> {
    // `check` refuses a role without `ViewPersons` (403) before it reads the query.
    let filter = worklist::WorklistFilter {
        town: q.town.unwrap_or_default(),
        kind: q.kind.unwrap_or_default(),
        ..Default::default()
    }
    .check(&actor)?;
    let limit = Some(worklist::WORKLIST_LIMIT * 3);
    let wl = worklist::worklist_filtered(&state.db, &state.vault, &actor, state.clock.now(), &filter, limit).await?;
    let items = |v: &[DueItem]| v.iter().map(DueItemDto::from).collect();
    Ok(Json(WorklistDto { overdue: items(&wl.overdue), today: items(&wl.today), this_week: items(&wl.this_week) }))
}

// ---------------------------------------------------------------------------------------------
// 易制毒 precursor enterprises and their credentials (issue #21 item 8)

/// An enterprise of the register (no personal data beyond the names on its business licence).
#[derive(Debug, Serialize, ToSchema)]
pub struct PrecursorEnterpriseDto {
    pub id: Uuid,
    /// 统一社会信用代码.
    pub credit_code: String,
    pub name: String,
    /// Role codes (`produce`, `trade`, `use`, `store`, `transport`, `import_export`).
    pub roles: Vec<String>,
    /// 12-digit division of the registered address.
    pub division_code: String,
    pub registered_address: String,
    /// Status code, e.g. `normal`.
    pub status: String,
    pub legal_rep_name: String,
    pub responsible_name: String,
    /// 危险化学品经营许可证编号.
    pub hazardous_licence: Option<String>,
    /// 12-digit division of the supervising 派出所's town.
    pub police_unit: String,
}

impl From<&jindu_store::service::enterprises::EnterpriseRow> for PrecursorEnterpriseDto {
    fn from(r: &jindu_store::service::enterprises::EnterpriseRow) -> Self {
        PrecursorEnterpriseDto {
            id: r.id,
            credit_code: r.credit_code.clone(),
            name: r.name.clone(),
            roles: r.roles.iter().map(|x| x.as_code().to_string()).collect(),
            division_code: r.division.clone(),
            registered_address: r.registered_address.clone(),
            status: r.status.as_code().into(),
            legal_rep_name: r.legal_rep_name.clone(),
            responsible_name: r.responsible_name.clone(),
            hazardous_licence: r.hazardous_licence.clone(),
            police_unit: r.police_unit.clone(),
        }
    }
}

/// One page of enterprises.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrecursorEnterprisePageDto {
    pub rows: Vec<PrecursorEnterpriseDto>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
    pub pages: u64,
}

/// An enterprise's record: the list fields, its business scope, warehouses and units.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrecursorEnterpriseDetailDto {
    pub id: Uuid,
    pub credit_code: String,
    pub name: String,
    pub roles: Vec<String>,
    /// 经营范围.
    pub business_scope: String,
    pub registered_address: String,
    pub division_code: String,
    pub division_path: String,
    /// Warehouse addresses with their 12-digit divisions.
    pub warehouses: Vec<PrecursorWarehouseDto>,
    pub legal_rep_name: String,
    pub responsible_name: String,
    pub hazardous_licence: Option<String>,
    pub status: String,
    pub police_unit: String,
    pub safety_unit: String,
    pub version: i32,
}

/// A warehouse.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrecursorWarehouseDto {
    pub address: String,
    pub division_code: String,
}

/// One chemical of a credential with its burn-down (P-04), quantities in whole g or mL.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialLineDto {
    /// Catalogue entry id.
    pub entry: String,
    pub name: String,
    /// `g` or `mL`.
    pub measure: String,
    pub licensed: Option<i64>,
    /// Uses under the credential (the holder's purchases, reversals netted; transports).
    pub used: i64,
    pub remaining: Option<i64>,
}

/// A credential (证照) with its state today.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialDto {
    pub id: Uuid,
    /// Kind code, e.g. `purchase_filing`.
    pub kind: String,
    /// 证号.
    pub number: String,
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// Status as recorded: `valid`, `used`, `expired`, `cancelled`, `revoked`.
    pub status: String,
    pub status_since: Option<NaiveDate>,
    /// State today (expiry computed): `valid`, `not_yet`, `expired`, `cancelled`, `revoked`, `used`.
    pub state: String,
    /// Renewal reminder day (P-06): `valid_to` − 3 months.
    pub renewal_reminder: Option<NaiveDate>,
    pub renewal_due: bool,
    pub lines: Vec<CredentialLineDto>,
}

/// Filters of the enterprise list; all optional.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PrecursorEnterpriseQuery {
    /// 9-digit town code inside the token's scope.
    pub town: Option<String>,
    /// Role code.
    pub role: Option<String>,
    /// Status code.
    pub status: Option<String>,
    /// Part of the name, or the credit code.
    pub q: Option<String>,
    /// 1-based page number (20 per page).
    pub page: Option<String>,
}

/// The precursor enterprises in the token's scope (a 企业 token: its own), filtered and paged.
#[utoipa::path(
    get,
    path = "/api/v1/precursor-enterprises",
    tag = "precursors",
    params(PrecursorEnterpriseQuery),
    responses(
        (status = 200, description = "A page of enterprises", body = PrecursorEnterprisePageDto),
        (status = 401, description = "Missing or invalid token", body = ApiErrorBody),
        (status = 403, description = "The role may not view enterprises", body = ApiErrorBody),
        (status = 422, description = "A query parameter with a value the list does not take (named in `errors`)", body = ApiErrorBody),
    )
)]
async fn list_precursor_enterprises(
    ApiActor(actor): ApiActor,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PrecursorEnterpriseQuery>,
) -> ApiResult<Json<PrecursorEnterprisePageDto>> {
    use jindu_store::service::enterprises;
    let filter = enterprises::EnterpriseFilter {
        town: q.town.unwrap_or_default(),
        role: q.role.unwrap_or_default(),
        status: q.status.unwrap_or_default(),
        q: q.q.unwrap_or_default(),
        page: q.page.unwrap_or_default(),
        ..Default::default()
    };
    let page = enterprises::list(&state.db, &actor, &filter).await?;
    Ok(Json(PrecursorEnterprisePageDto {
        pages: page.pages(),
        rows: page.rows.iter().map(PrecursorEnterpriseDto::from).collect(),
        page: page.page,
        per_page: page.per_page,
        total: page.total,
    }))
}

/// An enterprise's record (personal ID numbers and phones are not in the API; the read is audited).
#[utoipa::path(
    get,
    path = "/api/v1/precursor-enterprises/{ent}",
    tag = "precursors",
    params(("ent" = Uuid, Path, description = "Enterprise id")),
    responses(
        (status = 200, description = "The enterprise", body = PrecursorEnterpriseDetailDto),
        (status = 401, description = "Missing or invalid token", body = ApiErrorBody),
        (status = 403, description = "The role may not view enterprises", body = ApiErrorBody),
        (status = 404, description = "No such enterprise in the token's scope", body = ApiErrorBody),
    )
)]
async fn precursor_enterprise(
    ApiActor(actor): ApiActor,
    State(state): State<AppState>,
    id: Result<Path<Uuid>, PathRejection>,
) -> ApiResult<Json<PrecursorEnterpriseDetailDto>> {
    use jindu_store::service::enterprises;
    let Path(id) = id?;
    let e =
        enterprises::get(&state.db, &state.vault, &actor, state.clock.now(), id, enterprises::Reading::Masked).await?;
    Ok(Json(PrecursorEnterpriseDetailDto {
        id: e.id,
        credit_code: e.credit_code,
        name: e.name,
        roles: e.roles.iter().map(|r| r.as_code().to_string()).collect(),
        business_scope: e.business_scope,
        registered_address: e.registered_address,
        division_code: e.division,
        division_path: e.division_path,
        warehouses: e
            .warehouses
            .into_iter()
            .map(|w| PrecursorWarehouseDto { address: w.address, division_code: w.division })
            .collect(),
        legal_rep_name: e.legal_rep.name,
        responsible_name: e.responsible.name,
        hazardous_licence: e.hazardous_licence,
        status: e.status.as_code().into(),
        police_unit: e.police_unit,
        safety_unit: e.safety_unit,
        version: e.version,
    }))
}

/// An enterprise's credentials with their state today, renewal reminder and burn-down.
#[utoipa::path(
    get,
    path = "/api/v1/precursor-enterprises/{ent}/credentials",
    tag = "precursors",
    params(("ent" = Uuid, Path, description = "Enterprise id")),
    responses(
        (status = 200, description = "The credentials", body = [CredentialDto]),
        (status = 401, description = "Missing or invalid token", body = ApiErrorBody),
        (status = 403, description = "The role may not view enterprises", body = ApiErrorBody),
        (status = 404, description = "No such enterprise in the token's scope", body = ApiErrorBody),
    )
)]
async fn precursor_credentials(
    ApiActor(actor): ApiActor,
    State(state): State<AppState>,
    id: Result<Path<Uuid>, PathRejection>,
) -> ApiResult<Json<Vec<CredentialDto>>> {
    let Path(id) = id?;
    let w = jindu_store::service::credentials::wallet(&state.db, &actor, state.clock.now(), id).await?;
    Ok(Json(
        w.into_iter()
            .map(|i| CredentialDto {
                id: i.id,
                kind: i.kind.as_code().into(),
                number: i.number,
                issuer: i.issuer,
                valid_from: i.valid_from,
                valid_to: i.valid_to,
                status: i.status.as_code().into(),
                status_since: i.status_since,
                state: i.state.as_code().into(),
                renewal_reminder: i.renewal_reminder,
                renewal_due: i.renewal_due,
                lines: i
                    .lines
                    .into_iter()
                    .map(|l| CredentialLineDto {
                        entry: l.entry,
                        name: l.name,
                        measure: l.measure,
                        licensed: l.licensed,
                        used: l.used,
                        remaining: l.remaining,
                    })
                    .collect(),
            })
            .collect(),
    ))
}

/// This OpenAPI document (public).
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
async fn openapi_json() -> Response {
    static DOC: OnceLock<String> = OnceLock::new();
    let doc = DOC.get_or_init(|| {
        openapi().to_pretty_json().unwrap_or_else(|e| {
            tracing::error!("openapi document: {e}");
            String::from("{}")
        })
    });
    ([(header::CONTENT_TYPE, "application/json")], doc.clone()).into_response()
}

// ---------------------------------------------------------------------------------------------
// The document and the router

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("jdu_<base64url>")
                    .description(Some("API token from `jindu token create` / 由 `jindu token create` 创建的API令牌"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Jindu 禁毒 API",
        description = "JSON API of the Jindu drug-control platform. Every call except this document needs `Authorization: Bearer jdu_…`; the token's role and division limit what it sees (an object outside them answers 404, a missing permission 403)."
    ),
    modifiers(&BearerScheme),
    security(("bearer" = []))
)]
struct ApiDoc;

fn api_parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(list_persons))
        .routes(routes!(person_detail))
        .routes(routes!(person_events, record_event))
        .routes(routes!(person_measures))
        .routes(routes!(obligations))
        .routes(routes!(list_precursor_enterprises))
        .routes(routes!(precursor_enterprise))
        .routes(routes!(precursor_credentials))
        .routes(routes!(openapi_json))
        .split_for_parts()
}

/// The API routes (no session, no cookie); responses are never cached.
pub fn router() -> Router<AppState> {
    api_parts().0.layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
}

/// The OpenAPI document, built from the same registrations as [`router`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_parts().1
}

/// Every (method, path) the OpenAPI document declares, i.e. every registered API route.
pub fn api_registered_routes() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (path, item) in openapi().paths.paths {
        let methods = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("PATCH", item.patch.is_some()),
            ("DELETE", item.delete.is_some()),
            ("HEAD", item.head.is_some()),
            ("OPTIONS", item.options.is_some()),
            ("TRACE", item.trace.is_some()),
        ];
        for (m, present) in methods {
            if present {
                out.push((m, path.clone()));
            }
        }
    }
    out
}
