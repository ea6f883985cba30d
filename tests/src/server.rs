//! The router (operations -> handlers, middleware order) and the accept loop. We serve
//! connections ourselves (hyper-util) rather than with `axum::serve`, so that a fault can
//! drop a connection without answering and so that HTTP and HTTPS share one code path.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio_rustls::TlsAcceptor;

use crate::app::SharedApp;
use crate::envelope::ApiError;
use crate::operation::Operation;
use crate::recorder::{RecordedRequest, RecordedResponse, redact_authorization};
use crate::{auth, faults, routes};

/// Largest request body accepted (bigger bodies get a 413 envelope).
const MAX_BODY: usize = 10 * 1024 * 1024;

/// Lets a request handler close the connection it arrived on (for connection faults).
#[derive(Clone, Default)]
pub(crate) struct ConnectionControl(Arc<Notify>);

impl ConnectionControl {
    pub(crate) fn close(&self) {
        self.0.notify_one();
    }

    async fn closed(&self) {
        self.0.notified().await;
    }
}

/// Builds the router. Request flow: record -> faults -> routing -> token check -> handler.
pub(crate) fn router(app: SharedApp) -> Router {
    let mut by_path: BTreeMap<String, MethodRouter<SharedApp>> = BTreeMap::new();
    for op in Operation::ALL {
        let endpoint = routes::endpoint(op);
        let merged = match by_path.remove(&op.path()) {
            Some(existing) => existing.merge(endpoint),
            None => endpoint,
        };
        by_path.insert(op.path(), merged);
    }
    let mut router = Router::new();
    for (path, methods) in by_path {
        router = router.route(&path, methods.fallback(method_not_allowed));
    }
    router
        .route_layer(middleware::from_fn_with_state(
            app.clone(),
            auth::require_token,
        ))
        .fallback(unknown_path)
        .layer(middleware::from_fn_with_state(app.clone(), faults::inject))
        .layer(middleware::from_fn_with_state(app.clone(), record))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(app.clone(), delay))
        .with_state(app)
}

/// Middleware (outermost): waits the configured latency, then handles the request.
async fn delay(State(app): State<SharedApp>, request: Request, next: Next) -> Response {
    if let Some(latency) = app.latency {
        tokio::time::sleep(latency).await;
    }
    next.run(request).await
}

async fn method_not_allowed() -> Response {
    ApiError::method_not_allowed().into_response()
}

/// dbt redirects a GET without the trailing slash to the slashed path (Django's APPEND_SLASH);
/// other methods without the slash fail with 405. Anything else is a 404 envelope.
async fn unknown_path(request: Request) -> Response {
    let path = request.uri().path();
    let slashed = format!("{path}/");
    if !path.ends_with('/') && Operation::any_matches(&slashed) {
        if matches!(*request.method(), Method::GET | Method::HEAD) {
            let location = match request.uri().query() {
                Some(q) => format!("{slashed}?{q}"),
                None => slashed,
            };
            let mut response = StatusCode::MOVED_PERMANENTLY.into_response();
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            return response;
        }
        return ApiError::method_not_allowed().into_response();
    }
    ApiError::not_found("Path").into_response()
}

/// Middleware: records the request (token redacted), then passes it on with its body.
async fn record(State(app): State<SharedApp>, request: Request, next: Next) -> Response {
    let operation = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|m| Operation::from_route(request.method(), m.as_str()));
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large.")
            .into_response();
    };
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            let text = if *name == header::AUTHORIZATION {
                redact_authorization(&text)
            } else {
                text
            };
            (name.as_str().to_string(), text)
        })
        .collect();
    let seq = app.recorder.push(RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(String::from),
        headers,
        body: bytes.clone(),
        operation,
        response: None,
        seq: 0,
    });
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if !app.recorder.keeps_requests() {
        return response;
    }
    record_response(&app, seq, response).await
}

/// Keeps a copy of a complete answer next to its request. Only bodies already whole in memory
/// (exact size known) are copied: a streamed body is what the truncated-body fault sends, and
/// reading it here would swallow the fault.
async fn record_response(app: &SharedApp, seq: u64, response: Response) -> Response {
    use hyper::body::Body as _;
    let whole = response.body().size_hint().exact();
    if whole.is_none_or(|len| len > MAX_BODY as u64) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Response body unreadable.",
        )
        .into_response();
    };
    app.recorder.answer(
        seq,
        RecordedResponse {
            status: parts.status.as_u16(),
            content_type: parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(String::from),
            body: bytes.clone(),
        },
    );
    Response::from_parts(parts, Body::from(bytes))
}

/// Accepts connections until `shutdown` flips, serving each on its own task.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of file descriptors and the like: back off instead of spinning.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let tls = tls.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            match tls {
                None => serve_connection(stream, router, shutdown).await,
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream));
                    if let Ok(Ok(stream)) = handshake.await {
                        serve_connection(stream, router, shutdown).await;
                    }
                }
            }
        });
    }
}

/// Serves one connection (HTTP/1.1 or HTTP/2) until it ends, a fault closes it, or shutdown.
async fn serve_connection<I>(io: I, router: Router, mut shutdown: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let control = ConnectionControl::default();
    let handle = control.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(handle.clone());
        let mut router = router.clone();
        // Router is always ready, so calling it without poll_ready is fine.
        async move { tower_service::Service::call(&mut router, request).await }
    });
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).keep_alive(true);
    let connection = builder.serve_connection(TokioIo::new(io), service);
    tokio::select! {
        _ = connection => {}
        // Dropping the connection closes the socket without an answer.
        _ = control.closed() => {}
        _ = shutdown.changed() => {}
    }
}
