//! Every list operation as an async `Stream` of items.
//!
//! dbt pages with `offset`/`limit` (at most 100) and reports `extra.pagination.total_count`.
//! The stream asks for pages of 100 and stops once `total_count` items were read, or on an
//! empty or short page. Once the first page has given the total, the next pages are fetched
//! concurrently (8 at a time by default, [`DbtCloud::with_list_concurrency`]), still yielded
//! in order, each with the transport's retries. Items already read are not yielded twice.
//!
//! A server that lies cannot make a listing run forever: a page that brings only items
//! already read (a server ignoring `offset`), more items than the first page's
//! `total_count` plus a margin, or a short page far before that total, end the stream with
//! [`Error::Pagination`] saying which.
//!
//! ```no_run
//! # async fn f(dbt: dbt_cloud_api::DbtCloud) -> Result<(), dbt_cloud_api::Error> {
//! use futures::TryStreamExt;
//!
//! // Any list builder, with any filters; offset and limit are managed for you.
//! let request = dbt.list_runs().account_id(dbt.account_id()?).job_definition_id(7).order_by("-id");
//! let mut runs = std::pin::pin!(dbt.paginate(request));
//! while let Some(run) = runs.try_next().await? {
//!     println!("run {} status {:?}", run.id, run.status);
//! }
//! // Or everything at once:
//! let jobs = dbt.collect_all(dbt.list_jobs().account_id(dbt.account_id()?)).await?;
//! // Runs created in the last hour, newest first; paging stops once past that instant:
//! let since = chrono::Utc::now() - chrono::Duration::hours(1);
//! let recent = dbt.runs_created_after(dbt.list_runs().account_id(dbt.account_id()?), since);
//! let recent: Vec<_> = recent.try_collect().await?;
//! # Ok(()) }
//! ```

mod guard;

use std::collections::VecDeque;
use std::future::Future;

use chrono::{DateTime, Utc};
use futures::stream::FuturesOrdered;
use futures::{Stream, StreamExt, TryStreamExt};

use crate::error::Error;
use crate::{DbtCloud, builder, types};

pub use guard::ListItem;
pub(crate) use guard::{Guard, Verdict};

/// The largest page dbt serves.
pub const PAGE_SIZE: i64 = 100;

/// How many pages a listing fetches at once by default.
pub const DEFAULT_LIST_CONCURRENCY: usize = 8;

/// One page: its items and the total the server reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// `extra.pagination.total_count`, if the server sent it.
    pub total_count: Option<i64>,
}

/// How a listing is read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules {
    pub operation: &'static str,
    pub page_size: i64,
    /// Pages in flight at once after the first (1 = page by page).
    pub concurrency: usize,
    /// See [`Guard`]: skip repeated items instead of failing on a page of repeats.
    pub tolerate_repeats: bool,
}

/// Turns a page fetcher into a stream of items, page by page. `fetch(offset, limit)` is
/// called lazily; the stream ends after the first error it yields. The stop rules of the
/// [module documentation](crate::paginate) apply.
pub fn paginate<T, F, Fut>(page_size: i64, fetch: F) -> impl Stream<Item = Result<T, Error>>
where
    T: ListItem,
    F: FnMut(i64, i64) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    paginate_concurrently(page_size, 1, fetch)
}

/// [`paginate`], fetching up to `concurrency` pages at once once the first page has given the
/// total (items still come in order).
pub fn paginate_concurrently<T, F, Fut>(
    page_size: i64,
    concurrency: usize,
    fetch: F,
) -> impl Stream<Item = Result<T, Error>>
where
    T: ListItem,
    F: FnMut(i64, i64) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    paginate_with(
        Rules {
            operation: "list",
            page_size,
            concurrency,
            tolerate_repeats: false,
        },
        fetch,
    )
}

pub(crate) fn paginate_with<T, F, Fut>(
    rules: Rules,
    fetch: F,
) -> impl Stream<Item = Result<T, Error>>
where
    T: ListItem,
    F: FnMut(i64, i64) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    struct State<T, F, Fut: Future> {
        fetch: F,
        limit: i64,
        concurrency: usize,
        guard: Guard,
        /// The offset of the next page to request.
        next_offset: i64,
        in_flight: FuturesOrdered<Fut>,
        offsets: VecDeque<i64>,
        buffered: VecDeque<T>,
        /// An error to yield once the buffered items are out.
        pending: Option<Error>,
        done: bool,
    }
    let limit = rules.page_size.clamp(1, PAGE_SIZE);
    let state = State {
        fetch,
        limit,
        concurrency: rules.concurrency.max(1),
        guard: Guard::new(rules.operation, limit, rules.tolerate_repeats),
        next_offset: 0,
        in_flight: FuturesOrdered::new(),
        offsets: VecDeque::new(),
        buffered: VecDeque::new(),
        pending: None,
        done: false,
    };
    futures::stream::unfold(state, move |mut state| async move {
        loop {
            if let Some(item) = state.buffered.pop_front() {
                return Some((Ok(item), state));
            }
            if let Some(e) = state.pending.take() {
                return Some((Err(e), state));
            }
            if state.done {
                return None;
            }
            // Before the total is known one page at a time; then a window of pages up to the
            // announced total; past it (a list that grew), one at a time again.
            let window = match state.guard.first_total() {
                Some(total) if state.next_offset < total => state.concurrency,
                _ => 1,
            };
            while state.in_flight.len() < window {
                let offset = state.next_offset;
                state
                    .in_flight
                    .push_back((state.fetch)(offset, state.limit));
                state.offsets.push_back(offset);
                state.next_offset = offset + state.limit;
                if state
                    .guard
                    .first_total()
                    .is_none_or(|total| state.next_offset >= total)
                {
                    break;
                }
            }
            let (Some(fetched), Some(offset)) =
                (state.in_flight.next().await, state.offsets.pop_front())
            else {
                return None;
            };
            match fetched
                .and_then(|mut page| state.guard.check(offset, &mut page).map(|v| (v, page)))
            {
                Err(e) => {
                    state.done = true;
                    state.in_flight = FuturesOrdered::new();
                    return Some((Err(e), state));
                }
                Ok((verdict, page)) => {
                    if let Verdict::LastThenError(reason) = &verdict {
                        state.pending = Some(state.guard.stop(reason.clone()));
                    }
                    if verdict != Verdict::More {
                        state.done = true;
                        state.in_flight = FuturesOrdered::new();
                    }
                    state.buffered.extend(page.items);
                }
            }
        }
    })
}

/// A generated list builder that [`DbtCloud::paginate`] can drive: it sets `offset` and
/// `limit` on a copy of the request for each page.
pub trait ListRequest: Clone {
    /// The resource listed.
    type Item: ListItem;
    /// progenitor's operation id, for errors.
    const OPERATION: &'static str;
    /// Fetches the page at `offset`.
    fn fetch_page(
        self,
        offset: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Page<Self::Item>, Error>> + Send;
}

macro_rules! list_request {
    ($builder:ident, $item:ty, $op:literal) => {
        impl<'a> ListRequest for builder::$builder<'a> {
            type Item = $item;
            const OPERATION: &'static str = $op;
            async fn fetch_page(self, offset: i64, limit: i64) -> Result<Page<$item>, Error> {
                match self.offset(offset).limit(limit).send().await {
                    Ok(value) => {
                        let envelope = value.into_inner();
                        Ok(Page {
                            total_count: envelope
                                .extra
                                .and_then(|x| x.pagination)
                                .and_then(|p| p.total_count),
                            items: envelope.data.unwrap_or_default(),
                        })
                    }
                    Err(e) => Err(Error::from_generated($op, e).await),
                }
            }
        }
    };
}

// dbt does not page the accounts a token can see: one request returns them all.
impl<'a> ListRequest for builder::ListAccounts<'a> {
    type Item = types::Account;
    const OPERATION: &'static str = "list_accounts";
    async fn fetch_page(self, offset: i64, _limit: i64) -> Result<Page<types::Account>, Error> {
        if offset > 0 {
            return Ok(Page {
                items: Vec::new(),
                total_count: Some(offset),
            });
        }
        match self.send().await {
            Ok(value) => {
                let items = value.into_inner().data.unwrap_or_default();
                Ok(Page {
                    total_count: Some(items.len() as i64),
                    items,
                })
            }
            Err(e) => Err(Error::from_generated("list_accounts", e).await),
        }
    }
}
list_request!(ListProjects, types::Project, "list_projects");
list_request!(ListEnvironments, types::Environment, "list_environments");
list_request!(ListRepositories, types::Repository, "list_repositories");
list_request!(ListJobs, types::Job, "list_jobs");
list_request!(ListRuns, types::Run, "list_runs");

impl DbtCloud {
    /// Streams every item of a list operation, 100 per request, several requests at once
    /// (see [`DbtCloud::with_list_concurrency`]). Build `request` with the generated builder
    /// (account, filters, `order_by`); its `offset`/`limit` are replaced.
    pub fn paginate<'a, R>(&'a self, request: R) -> impl Stream<Item = Result<R::Item, Error>> + 'a
    where
        R: ListRequest + 'a,
    {
        self.paginate_with_concurrency(request, self.list_concurrency())
    }

    /// [`DbtCloud::paginate`] with `concurrency` pages in flight at once (1 = page by page).
    pub fn paginate_with_concurrency<'a, R>(
        &'a self,
        request: R,
        concurrency: usize,
    ) -> impl Stream<Item = Result<R::Item, Error>> + 'a
    where
        R: ListRequest + 'a,
    {
        let rules = Rules {
            operation: R::OPERATION,
            page_size: PAGE_SIZE,
            concurrency,
            tolerate_repeats: false,
        };
        paginate_with(rules, move |offset, limit| {
            request.clone().fetch_page(offset, limit)
        })
    }

    /// Reads every page into a `Vec`.
    pub async fn collect_all<R: ListRequest>(&self, request: R) -> Result<Vec<R::Item>, Error> {
        self.paginate(request).try_collect().await
    }

    /// The runs `request` lists (any filters) that were created at or after `since`, newest
    /// first. Pages are read one at a time, ordered by `-created_at`, and paging stops at the
    /// first run created before `since`. A run whose `created_at` cannot be read is kept.
    pub fn runs_created_after<'a>(
        &'a self,
        request: builder::ListRuns<'a>,
        since: DateTime<Utc>,
    ) -> impl Stream<Item = Result<types::Run, Error>> + 'a {
        let request = request.order_by("-created_at");
        self.paginate_with_concurrency(request, 1)
            .try_take_while(move |run| {
                let keep = run.created_at_utc().is_none_or(|created| created >= since);
                futures::future::ready(Ok(keep))
            })
    }
}
