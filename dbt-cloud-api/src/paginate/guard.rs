//! The stop rules of a listing: when the pages say the list is over, and when they
//! contradict each other so badly that reading on could never end (a server that ignores
//! `offset`, or one that announces a huge `total_count` and sends one item per page).

use std::collections::HashSet;

use crate::error::Error;
use crate::paginate::Page;

/// Something listed with an id, so a page that repeats what was already read can be told
/// apart from a page that brings new items.
pub trait ListItem {
    /// The item's id, or `None` if it has none (such items always count as new).
    fn item_id(&self) -> Option<i64>;
}

impl ListItem for i64 {
    fn item_id(&self) -> Option<i64> {
        Some(*self)
    }
}

macro_rules! list_item_by_id {
    ($($ty:ty),*) => {
        $(impl ListItem for $ty {
            fn item_id(&self) -> Option<i64> {
                Some(self.id)
            }
        })*
    };
}
list_item_by_id!(
    crate::types::Account,
    crate::types::Project,
    crate::types::Environment,
    crate::types::Repository,
    crate::types::Job,
    crate::types::Run
);

/// How far past the first page's `total_count` a listing may go (a list can grow while it is
/// read), and how many items short of it a last page may fall (a list can shrink).
pub(crate) fn total_margin(total: i64) -> i64 {
    (total / 10).max(100)
}

/// What the guard says about a page.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// More pages may follow.
    More,
    /// This was the last page.
    Last,
    /// This page's items are real, but it contradicts the total: the stream yields them,
    /// then this error.
    LastThenError(String),
}

/// The state of one listing's stop rules.
pub(crate) struct Guard {
    operation: &'static str,
    limit: i64,
    first_total: Option<i64>,
    read: i64,
    seen: HashSet<i64>,
    /// Repeated items are skipped silently instead of ending the listing with an error: for
    /// look-ups over a list that grows at its head while it is read (every new item shifts
    /// the pages, so a page may hold only items already seen).
    tolerate_repeats: bool,
    /// Pages in a row that brought nothing new.
    repeat_pages: u32,
}

/// Pages in a row of only repeated items that a tolerant listing accepts before it stops.
const MAX_REPEAT_PAGES: u32 = 5;

impl Guard {
    pub(crate) fn new(operation: &'static str, limit: i64, tolerate_repeats: bool) -> Self {
        Guard {
            operation,
            limit,
            first_total: None,
            read: 0,
            seen: HashSet::new(),
            tolerate_repeats,
            repeat_pages: 0,
        }
    }

    /// The first page's `total_count`, once it arrived.
    pub(crate) fn first_total(&self) -> Option<i64> {
        self.first_total
    }

    pub(crate) fn stop(&self, reason: String) -> Error {
        Error::Pagination {
            operation: self.operation,
            reason,
        }
    }

    /// Checks the page read at `offset` and drops the items already read from it.
    pub(crate) fn check<T: ListItem>(
        &mut self,
        offset: i64,
        page: &mut Page<T>,
    ) -> Result<Verdict, Error> {
        let received = page.items.len() as i64;
        if offset == 0 && self.first_total.is_none() {
            self.first_total = page.total_count;
        }
        if received == 0 {
            return Ok(Verdict::Last);
        }
        let seen = &mut self.seen;
        page.items
            .retain(|item| item.item_id().is_none_or(|id| seen.insert(id)));
        if page.items.is_empty() {
            self.repeat_pages += 1;
            if !self.tolerate_repeats || self.repeat_pages > MAX_REPEAT_PAGES {
                return Err(self.stop(format!(
                    "the page at offset {offset} held only items already read (does the server ignore `offset`?)"
                )));
            }
        } else {
            self.repeat_pages = 0;
        }
        self.read += received;
        // A tolerant listing reads a list that grows while it is read: its cap follows the
        // latest total. Any other listing holds to the first page's.
        let cap_total = match (self.tolerate_repeats, page.total_count) {
            (true, Some(now)) => self.first_total.map(|first| first.max(now)),
            _ => self.first_total,
        };
        if let Some(total) = cap_total
            && self.read > total + total_margin(total)
        {
            return Err(self.stop(format!(
                "read {} items, more than the total_count of {total} allows",
                self.read
            )));
        }
        let total = page.total_count.or(self.first_total);
        if received < self.limit {
            // dbt fills every page but the last, so a short page ends the list; one that
            // ends it far before the announced total means the pages and the total disagree.
            if let Some(total) = total
                && offset + received + total_margin(total) < total
            {
                return Ok(Verdict::LastThenError(format!(
                    "the page at offset {offset} held {received} of {} items while total_count is {total}",
                    self.limit
                )));
            }
            return Ok(Verdict::Last);
        }
        Ok(match total {
            Some(total) if offset + received >= total => Verdict::Last,
            _ => Verdict::More,
        })
    }
}
