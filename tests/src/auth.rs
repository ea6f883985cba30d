//! Token check: `Authorization: Token <t>` or `Bearer <t>`; anything else gets dbt's 401
//! envelope ("Invalid token.", `data: null`).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::SharedApp;
use crate::envelope::ApiError;

/// Whether an Authorization header value carries `token` under a scheme dbt accepts.
pub(crate) fn accepts(value: &str, token: &str) -> bool {
    let Some((scheme, given)) = value.trim().split_once(' ') else {
        return false;
    };
    let scheme_ok = scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer");
    // Compare without early exit so response timing does not leak how much of a token matched.
    let given = given.trim().as_bytes();
    let expected = token.as_bytes();
    let same = given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    scheme_ok && same
}

/// Whether the request's headers carry the token.
pub(crate) fn authorized(headers: &HeaderMap, token: &str) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| accepts(v, token))
}

/// Middleware for every API route.
pub(crate) async fn require_token(
    State(app): State<SharedApp>,
    request: Request,
    next: Next,
) -> Response {
    if authorized(request.headers(), &app.token) {
        next.run(request).await
    } else {
        ApiError::unauthorized().into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::accepts;

    #[test]
    fn token_and_bearer_schemes_are_equivalent() {
        assert!(accepts("Token abc", "abc"));
        assert!(accepts("Bearer abc", "abc"));
        assert!(accepts("bearer   abc ", "abc"));
        assert!(!accepts("Basic abc", "abc"));
        assert!(!accepts("Token abd", "abc"));
        assert!(!accepts("abc", "abc"));
    }
}
