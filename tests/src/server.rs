//! The router (operations -> handlers, middleware order) and the accept loop. We serve
//! connections ourselves (hyper-util) rather than with `axum::serve`, so that a fault can
//! drop a connection without answering and so that HTTP and HTTPS share one code path.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering as AtomicOrdering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use crate::app::SharedApp;
use crate::envelope::ApiError;
use crate::operation::Operation;
use crate::recorder::{RecordedRequest, RecordedResponse, redact_authorization};
use crate::{auth, faults, routes};

/// Largest response body the recorder copies (bigger ones pass through unrecorded).
const MAX_RECORDED_RESPONSE: usize = 16 * 1024 * 1024;

/// What a client may send, and how slowly.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Largest request body accepted (bigger bodies get a 413 envelope, unread).
    pub max_body: usize,
    /// Time allowed for a request's headers, and for a connection to stay idle between requests.
    pub header_read_timeout: Duration,
    /// Time allowed for a request's body to arrive.
    pub body_read_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: 4 * 1024 * 1024,
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(30),
        }
    }
}

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

/// Builds the router. Request flow: latency -> admission (size, token: no body is read
/// before both pass) -> record -> faults -> routing -> token check (401) -> handler.
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
        .layer(middleware::from_fn_with_state(app.clone(), admit))
        .layer(DefaultBodyLimit::max(app.limits.max_body))
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

/// dbt redirects a request without the trailing slash to the slashed path with 308
/// Permanent Redirect, whatever its method (the client repeats the method and body there):
/// `DELETE .../jobs/{id}` and `POST .../runs/{id}/cancel` work for clients that follow
/// redirects. Anything else is a 404 envelope.
async fn unknown_path(request: Request) -> Response {
    let path = request.uri().path();
    let slashed = format!("{path}/");
    if !path.ends_with('/') && Operation::any_matches(&slashed) {
        let location = match request.uri().query() {
            Some(q) => format!("{slashed}?{q}"),
            None => slashed,
        };
        let mut response = StatusCode::PERMANENT_REDIRECT.into_response();
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        return response;
    }
    ApiError::not_found("Path").into_response()
}

/// Middleware: refuses a declared body over the limit (413) and drops the body of a request
/// without a valid token, both before a byte of it is read, so an unauthenticated or huge
/// upload costs nothing. Routing still decides the answer (401, 404 or the redirect).
async fn admit(State(app): State<SharedApp>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > app.limits.max_body as u64) {
        return too_large(app.limits.max_body);
    }
    if auth::authorized(request.headers(), &app.token) {
        return next.run(request).await;
    }
    let (mut parts, _unread) = request.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let mut response = next.run(Request::from_parts(parts, Body::empty())).await;
    // The unread body is still on the wire: this connection cannot carry another request.
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn too_large(limit: usize) -> Response {
    let mut response = ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("Request body too large (the limit is {limit} bytes)."),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Reads a whole request body within the size limit and the body read timeout.
async fn read_body(app: &SharedApp, body: Body) -> Result<bytes::Bytes, Response> {
    let limit = app.limits.max_body;
    match tokio::time::timeout(
        app.limits.body_read_timeout,
        axum::body::to_bytes(body, limit),
    )
    .await
    {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(too_large(limit)),
        Err(_) => {
            let mut response = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "The request body did not arrive in time.",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            Err(response)
        }
    }
}

/// Middleware: records the request (token redacted), then passes it on with its body.
async fn record(State(app): State<SharedApp>, request: Request, next: Next) -> Response {
    let operation = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|m| Operation::from_route(request.method(), m.as_str()));
    let (parts, body) = request.into_parts();
    let bytes = match read_body(&app, body).await {
        Ok(bytes) => bytes,
        Err(refusal) => return refusal,
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
    if whole.is_none_or(|len| len > MAX_RECORDED_RESPONSE as u64) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_RECORDED_RESPONSE).await else {
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
    tls: Option<crate::tls::Acceptor>,
    limits: Limits,
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
                None => serve_connection(stream, router, limits, shutdown).await,
                Some(acceptor) => serve_tls(acceptor, stream, router, limits, shutdown).await,
            }
        });
    }
}

/// The TLS handshake (bounded like a request head), then [`serve_connection`].
#[cfg(feature = "tls")]
async fn serve_tls(
    acceptor: crate::tls::Acceptor,
    stream: tokio::net::TcpStream,
    router: Router,
    limits: Limits,
    shutdown: watch::Receiver<bool>,
) {
    let handshake = tokio::time::timeout(limits.header_read_timeout, acceptor.accept(stream));
    if let Ok(Ok(stream)) = handshake.await {
        serve_connection(stream, router, limits, shutdown).await;
    }
}

/// Without the `tls` feature there is no acceptor to call this with.
#[cfg(not(feature = "tls"))]
async fn serve_tls(
    acceptor: crate::tls::Acceptor,
    _stream: tokio::net::TcpStream,
    _router: Router,
    _limits: Limits,
    _shutdown: watch::Receiver<bool>,
) {
    match acceptor {}
}

/// Serves one connection (HTTP/1.1 or HTTP/2) until it ends, a fault closes it, it stays
/// idle too long, or shutdown.
async fn serve_connection<I>(
    io: I,
    router: Router,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let control = ConnectionControl::default();
    let handle = control.clone();
    let activity = Arc::new(Activity::new());
    let in_service = activity.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(handle.clone());
        let mut router = router.clone();
        let busy = InFlight::start(in_service.clone());
        // Router is always ready, so calling it without poll_ready is fine.
        async move {
            let response = tower_service::Service::call(&mut router, request).await;
            drop(busy);
            response
        }
    });
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .header_read_timeout(limits.header_read_timeout);
    let watched = Watched {
        inner: io,
        activity: activity.clone(),
    };
    let connection = builder.serve_connection(TokioIo::new(watched), service);
    tokio::select! {
        _ = connection => {}
        // Dropping the connection closes the socket without an answer.
        _ = control.closed() => {}
        // hyper times out slow headers itself, but not a connection that never sends its
        // first byte (protocol detection waits for it) nor an idle HTTP/2 connection.
        _ = activity.idle_for(limits.header_read_timeout) => {}
        _ = shutdown.changed() => {}
    }
}

/// When a connection last received bytes, and how many of its requests are being handled.
struct Activity {
    started: tokio::time::Instant,
    last_read_ms: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    fn new() -> Self {
        Activity {
            started: tokio::time::Instant::now(),
            last_read_ms: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn touch(&self) {
        self.last_read_ms
            .store(self.now_ms(), AtomicOrdering::Relaxed);
    }

    /// Resolves once the connection has received nothing for `limit` while no request of
    /// it is being handled (a handler may legitimately take long: latency faults).
    async fn idle_for(&self, limit: Duration) {
        let limit_ms = limit.as_millis() as u64;
        loop {
            let quiet = self
                .now_ms()
                .saturating_sub(self.last_read_ms.load(AtomicOrdering::Relaxed));
            let busy = self.in_flight.load(AtomicOrdering::Relaxed) > 0;
            if !busy && quiet >= limit_ms {
                return;
            }
            let wait = if busy { limit_ms } else { limit_ms - quiet };
            tokio::time::sleep(Duration::from_millis(wait.max(10))).await;
        }
    }
}

/// Marks a request as being handled until dropped.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, AtomicOrdering::Relaxed);
        InFlight(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, AtomicOrdering::Relaxed);
        // The answer is out: the idle clock starts now, not at the request's last byte.
        self.0.touch();
    }
}

/// A connection's IO that notes when bytes arrive.
struct Watched<I> {
    inner: I,
    activity: Arc<Activity>,
}

impl<I: AsyncRead + Unpin> AsyncRead for Watched<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Watched<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
