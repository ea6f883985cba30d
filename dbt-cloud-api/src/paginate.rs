//! Every list operation as an async `Stream` of items.
//!
//! dbt pages with `offset`/`limit` (at most 100) and reports `extra.pagination.total_count`.
//! The stream asks for pages of 100, advances by the number of items actually received, and
//! stops once `total_count` items were read or a page comes back empty (so a server that
//! under-reports, or a list that shrinks while we read, cannot make it loop forever).
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
//! # Ok(()) }
//! ```

use std::collections::VecDeque;
use std::future::Future;

use futures::Stream;

use crate::error::Error;
use crate::{DbtCloud, builder, types};

/// The largest page dbt serves.
pub const PAGE_SIZE: i64 = 100;

/// One page: its items and the total the server reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// `extra.pagination.total_count`, if the server sent it.
    pub total_count: Option<i64>,
}

/// Turns a page fetcher into a stream of items. `fetch(offset, limit)` is called lazily, one
/// page at a time; the stream ends after the first error it yields.
pub fn paginate<T, F, Fut>(page_size: i64, fetch: F) -> impl Stream<Item = Result<T, Error>>
where
    F: FnMut(i64, i64) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    struct State<T, F> {
        fetch: F,
        offset: i64,
        buffered: VecDeque<T>,
        done: bool,
    }
    let limit = page_size.clamp(1, PAGE_SIZE);
    let state = State {
        fetch,
        offset: 0,
        buffered: VecDeque::new(),
        done: false,
    };
    futures::stream::unfold(state, move |mut state| async move {
        loop {
            if let Some(item) = state.buffered.pop_front() {
                return Some((Ok(item), state));
            }
            if state.done {
                return None;
            }
            match (state.fetch)(state.offset, limit).await {
                Err(e) => {
                    state.done = true;
                    return Some((Err(e), state));
                }
                Ok(page) => {
                    let received = page.items.len() as i64;
                    state.offset += received;
                    state.done = received == 0
                        || match page.total_count {
                            Some(total) => state.offset >= total,
                            // Without a total, a short page is the last one.
                            None => received < limit,
                        };
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
    type Item;
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
    /// Streams every item of a list operation, 100 per request. Build `request` with the
    /// generated builder (account, filters, `order_by`); its `offset`/`limit` are replaced.
    pub fn paginate<'a, R>(&'a self, request: R) -> impl Stream<Item = Result<R::Item, Error>> + 'a
    where
        R: ListRequest + 'a,
    {
        paginate(PAGE_SIZE, move |offset, limit| {
            request.clone().fetch_page(offset, limit)
        })
    }

    /// Reads every page into a `Vec`.
    pub async fn collect_all<R: ListRequest>(&self, request: R) -> Result<Vec<R::Item>, Error> {
        use futures::TryStreamExt;
        self.paginate(request).try_collect().await
    }
}
