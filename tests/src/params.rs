//! Path and query parsing that never rejects with axum's plain-text errors: a bad id in the
//! path is a 404 envelope (dbt's URL patterns only match digits), a bad query value is dbt's
//! 400 envelope naming the parameter.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use serde_json::{Map, Value, json};

use crate::envelope::ApiError;

/// The route's path parameters, percent-decoded.
pub(crate) struct PathParams(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for PathParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("Path"))?;
        Ok(PathParams(
            raw.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ))
    }
}

impl PathParams {
    /// An integer id, or a 404 naming the resource.
    pub(crate) fn id(&self, name: &str) -> Result<i64, ApiError> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<i64>().ok())
            .ok_or_else(|| ApiError::not_found(name.trim_end_matches("_id")))
    }

    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The query string as ordered pairs (repeated keys kept).
pub(crate) struct QueryParams(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(QueryParams::parse(parts.uri.query().unwrap_or("")))
    }
}

/// A valid-integer error the way DRF phrases it.
fn not_an_integer(name: &str) -> ApiError {
    ApiError::invalid_field(name, "A valid integer is required.")
}

impl QueryParams {
    /// Parses a raw query string (without `?`).
    pub(crate) fn parse(query: &str) -> Self {
        QueryParams(
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The last value given for `name` (empty values count as absent, as in Django filters).
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.text(name)
            .map(|v| v.trim().parse::<i64>().map_err(|_| not_an_integer(name)))
            .transpose()
    }

    /// An integer that only bounds a range (offset, limit, step): digits beyond i64 saturate
    /// to `i64::MAX` / `i64::MIN` instead of failing, so an offset far past the end is an
    /// empty page. Anything that is not an integer is still a 400 naming `name`.
    pub(crate) fn saturating_int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.text(name)
            .map(|v| saturate(v.trim()).ok_or_else(|| not_an_integer(name)))
            .transpose()
    }

    /// A list given as `[1,2,3]`, `1,2,3`, or repeated keys.
    pub(crate) fn int_list(&self, name: &str) -> Result<Option<Vec<i64>>, ApiError> {
        let mut out = Vec::new();
        let mut any = false;
        for (_, value) in self.0.iter().filter(|(k, v)| k == name && !v.is_empty()) {
            any = true;
            let inner = value.trim().trim_start_matches('[').trim_end_matches(']');
            for item in inner.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                out.push(item.parse::<i64>().map_err(|_| not_an_integer(name))?);
            }
        }
        Ok(any.then_some(out))
    }

    /// A list of words given as `a,b`, `["a","b"]` (what dbt-cloud-cli sends), or repeated keys.
    pub(crate) fn word_list(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| {
                v.trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .split(',')
                    .map(|s| s.trim().trim_matches(|c| c == '"' || c == '\'').to_string())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// `text` as an i64, saturated when it is all digits (after an optional sign) but too long.
fn saturate(text: &str) -> Option<i64> {
    if let Ok(n) = text.parse::<i64>() {
        return Some(n);
    }
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(if negative {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// offset/limit as dbt applies them: offset default 0, limit default and max 100.
pub(crate) struct Page {
    pub offset: usize,
    pub limit: usize,
}

impl Page {
    pub(crate) fn from_query(query: &QueryParams) -> Result<Page, ApiError> {
        let offset = query.saturating_int("offset")?.unwrap_or(0);
        let limit = query.saturating_int("limit")?.unwrap_or(100);
        if offset < 0 {
            return Err(ApiError::invalid_field(
                "offset",
                "Ensure this value is greater than or equal to 0.",
            ));
        }
        if limit < 0 {
            return Err(ApiError::invalid_field(
                "limit",
                "Ensure this value is greater than or equal to 0.",
            ));
        }
        Ok(Page {
            offset: usize::try_from(offset).unwrap_or(usize::MAX),
            limit: usize::try_from(limit).unwrap_or(usize::MAX).min(100),
        })
    }

    /// The echo of pagination in `extra.filters`.
    pub(crate) fn filters(&self, account_id: Option<i64>) -> Map<String, Value> {
        let mut filters = Map::new();
        filters.insert("limit".into(), json!(self.limit));
        filters.insert("offset".into(), json!(self.offset));
        if let Some(a) = account_id {
            filters.insert("account_id".into(), json!(a));
        }
        filters
    }

    pub(crate) fn slice<T: Clone>(&self, items: &[T]) -> Vec<T> {
        items
            .iter()
            .skip(self.offset)
            .take(self.limit)
            .cloned()
            .collect()
    }
}
