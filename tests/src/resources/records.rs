//! The one store behind every table-driven resource: collections of dbt-shaped JSON keyed by
//! integer id. The v2 collections (projects, environments, repositories, jobs) are the
//! `Store`'s own maps, so an object created through v3 is the same object v2 lists.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::store::Store;

/// Collections that are not among the `Store`'s original fields, and id counters.
#[derive(Default)]
pub(crate) struct Records {
    collections: HashMap<&'static str, BTreeMap<i64, Value>>,
    next_ids: HashMap<&'static str, i64>,
}

/// Where new ids of a collection start (well above the fixtures' ids).
const FIRST_ID: i64 = 5_000;

impl Store {
    /// The items of a collection (empty if none was ever stored).
    pub(crate) fn records(&self, collection: &'static str) -> Option<&BTreeMap<i64, Value>> {
        match collection {
            "projects" => Some(&self.projects),
            "environments" => Some(&self.environments),
            "repositories" => Some(&self.repositories),
            "jobs" => Some(&self.jobs),
            "accounts" => Some(&self.accounts),
            other => self.records.collections.get(other),
        }
    }

    pub(crate) fn records_mut(&mut self, collection: &'static str) -> &mut BTreeMap<i64, Value> {
        match collection {
            "projects" => &mut self.projects,
            "environments" => &mut self.environments,
            "repositories" => &mut self.repositories,
            "jobs" => &mut self.jobs,
            "accounts" => &mut self.accounts,
            other => self.records.collections.entry(other).or_default(),
        }
    }

    /// A fresh id for `collection` (jobs share the v2 createJob counter).
    pub(crate) fn allocate_id(&mut self, collection: &'static str) -> i64 {
        if collection == "jobs" {
            return self.allocate_job_id();
        }
        let highest = self
            .records(collection)
            .and_then(|items| items.keys().next_back().copied())
            .unwrap_or(0);
        let next = self.records.next_ids.entry(collection).or_insert(FIRST_ID);
        let id = (*next).max(highest + 1);
        *next = id + 1;
        id
    }
}
