//! dbt's response envelope: `{"status": {...}, "data": ..., "extra": {...}}`, and the error
//! bodies dbt sends (401 "Invalid token.", 404, 400 with `data: {field: message}`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// The `status` object every enveloped answer carries.
fn status(code: u16, is_success: bool, user_message: &str, developer_message: Value) -> Value {
    json!({
        "code": code,
        "is_success": is_success,
        "user_message": user_message,
        "developer_message": developer_message,
    })
}

/// The `status` object of a successful answer, serialized without building a `Value`.
#[derive(Serialize)]
struct SuccessStatus {
    code: u16,
    is_success: bool,
    user_message: &'static str,
    developer_message: &'static str,
}

impl SuccessStatus {
    fn new(code: StatusCode) -> Self {
        SuccessStatus {
            code: code.as_u16(),
            is_success: true,
            user_message: "Success!",
            developer_message: "",
        }
    }
}

/// `{"status": ..., "data": ...}`. Answers are serialized straight from their parts (runs
/// from `RunView`), because building a `serde_json::Value` tree first (an ordered map per
/// object, a String per key) cost most of a 100-run listRuns page.
#[derive(Serialize)]
struct Single<'a, T: ?Sized> {
    status: SuccessStatus,
    data: &'a T,
}

#[derive(Serialize)]
struct Listed<'a, T> {
    status: SuccessStatus,
    data: &'a [T],
    extra: ExtraBody<'a>,
}

#[derive(Serialize)]
struct ExtraBody<'a> {
    filters: &'a Map<String, Value>,
    order_by: &'a Option<String>,
    pagination: PaginationBody,
}

#[derive(Serialize)]
struct PaginationBody {
    count: usize,
    total_count: usize,
}

/// Serializes a body into a response with the given HTTP status.
pub(crate) fn json_response<T: Serialize + ?Sized>(code: StatusCode, body: &T) -> Response {
    sized_json_response(code, body, 1024)
}

/// Like [`json_response`], with a guess of the body size: a 100-run page is ~250 KB, and
/// growing the buffer from empty would copy it a dozen times.
fn sized_json_response<T: Serialize + ?Sized>(
    code: StatusCode,
    body: &T,
    capacity: usize,
) -> Response {
    let mut bytes = Vec::with_capacity(capacity);
    // Our bodies cannot fail to serialize (string keys, no NaN); the fallback keeps us panic-free.
    if serde_json::to_writer(&mut bytes, body).is_err() {
        bytes = b"{}".to_vec();
    }
    let mut response = (code, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A successful single-object answer (200).
pub(crate) fn ok<T: Serialize>(data: T) -> Response {
    with_code(StatusCode::OK, data)
}

/// A successful single-object answer whose envelope code is not 200 (createJob answers 201).
pub(crate) fn with_code<T: Serialize>(code: StatusCode, data: T) -> Response {
    let body = Single {
        status: SuccessStatus::new(code),
        data: &data,
    };
    json_response(code, &body)
}

/// The `extra` object of list answers.
pub(crate) struct ListExtra {
    pub filters: Map<String, Value>,
    pub order_by: Option<String>,
    pub total_count: usize,
}

/// A successful list answer (200) with `extra.filters`, `extra.order_by`, `extra.pagination`.
pub(crate) fn list<T: Serialize>(items: &[T], extra: ListExtra) -> Response {
    let body = Listed {
        status: SuccessStatus::new(StatusCode::OK),
        data: items,
        extra: ExtraBody {
            filters: &extra.filters,
            order_by: &extra.order_by,
            pagination: PaginationBody {
                count: items.len(),
                total_count: extra.total_count,
            },
        },
    };
    sized_json_response(StatusCode::OK, &body, 512 + items.len() * 2048)
}

/// An error answered with dbt's envelope. Handlers return `Result<Response, ApiError>`.
/// Boxed so that `Result`s stay small on the happy path.
#[derive(Debug, Clone)]
pub(crate) struct ApiError(Box<ErrorParts>);

#[derive(Debug, Clone)]
pub(crate) struct ErrorParts {
    pub code: StatusCode,
    pub user_message: String,
    pub developer_message: Value,
    pub data: Value,
}

impl std::ops::Deref for ApiError {
    type Target = ErrorParts;
    fn deref(&self) -> &ErrorParts {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ErrorParts {
        &mut self.0
    }
}

impl ApiError {
    pub(crate) fn new(code: StatusCode, user_message: impl Into<String>) -> Self {
        ApiError(Box::new(ErrorParts {
            code,
            user_message: user_message.into(),
            developer_message: Value::Null,
            data: Value::Null,
        }))
    }

    /// Missing or wrong token: dbt answers 401 "Invalid token." with `data: null`.
    pub(crate) fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Invalid token.")
    }

    /// Unknown account or resource (also what missing permissions look like on dbt).
    pub(crate) fn not_found(what: &str) -> Self {
        let mut error = Self::new(
            StatusCode::NOT_FOUND,
            "The requested resource was not found.",
        );
        error.developer_message = Value::String(format!("{what} not found"));
        error
    }

    /// dbt's 400: `data` maps each offending field to a message.
    pub(crate) fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let mut error = Self::new(
            StatusCode::BAD_REQUEST,
            "The request was invalid. Please double check the provided data and try again.",
        );
        let mut data = Map::new();
        data.insert(field.to_string(), Value::String(message.into()));
        error.data = Value::Object(data);
        error
    }

    /// The same error with another status (e.g. a 404 that still names the field).
    pub(crate) fn with_status(mut self, code: StatusCode) -> Self {
        self.code = code;
        self
    }

    /// A request that is well formed but clashes with what is stored (a second item with the
    /// same natural key, retrying a run that did not fail): 409, `data` naming the field. The
    /// status depends on the state, not on the request's shape, so a schema cannot rule it out.
    pub(crate) fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self::invalid_field(field, message).with_status(StatusCode::CONFLICT)
    }

    /// A body field naming an item that does not exist (`"project_id": 9`): 404, with DRF's
    /// message under the field, like any other unknown resource.
    pub(crate) fn missing_reference(field: &str, id: impl std::fmt::Display) -> Self {
        let mut error = Self::invalid_field(
            field,
            format!("Invalid pk \"{id}\" - object does not exist."),
        );
        error.code = StatusCode::NOT_FOUND;
        error.developer_message = Value::String(format!("{field} {id} not found"));
        error
    }

    pub(crate) fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed.")
    }

    pub(crate) fn body(&self) -> Value {
        json!({
            "status": status(self.code.as_u16(), false, &self.user_message, self.developer_message.clone()),
            "data": self.data,
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.code, &self.body())
    }
}

/// What every handler returns.
pub(crate) type Reply = Result<Response, ApiError>;
