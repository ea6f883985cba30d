//! The integer filters every list takes, as dbt's Django filters spell them: for the id and
//! each integer field a list filters on, `field=N` and `field__in=N,M` (also `[N,M]` or the
//! key repeated); the id also as `pk`/`pk__in`. A malformed value is a 400 naming the
//! parameter; an empty `__in` list matches nothing.

use serde_json::{Map, Value, json};

use crate::envelope::ApiError;
use crate::params::QueryParams;

/// The integer filters of one request: each is a field and the values it may take.
pub(crate) struct IntFilters(Vec<(&'static str, Vec<i64>)>);

/// The query names that filter the id field.
const ID_ALIASES: [&str; 2] = ["pk", "id"];

impl IntFilters {
    /// Reads the filters on `id` and `fields` from the query, echoing each into `echo`
    /// (dbt's `extra.filters`).
    pub(crate) fn from_query(
        query: &QueryParams,
        fields: &[&'static str],
        echo: &mut Map<String, Value>,
    ) -> Result<IntFilters, ApiError> {
        let mut filters = Vec::new();
        let named = ID_ALIASES
            .iter()
            .map(|alias| ("id", *alias))
            .chain(fields.iter().map(|field| (*field, *field)));
        for (field, name) in named {
            if let Some(value) = query.int(name)? {
                filters.push((field, vec![value]));
                echo.insert(name.into(), json!(value));
            }
            let name_in = format!("{name}__in");
            if let Some(values) = query.int_list(&name_in)? {
                echo.insert(name_in, json!(values));
                filters.push((field, values));
            }
        }
        Ok(IntFilters(filters))
    }

    /// Whether an item passes every filter; `field` reads one of its integer fields.
    pub(crate) fn accept(&self, field: impl Fn(&str) -> Option<i64>) -> bool {
        self.0
            .iter()
            .all(|(name, allowed)| field(name).is_some_and(|v| allowed.contains(&v)))
    }

    /// Whether an item that is a JSON object passes every filter.
    pub(crate) fn accept_value(&self, item: &Value) -> bool {
        self.accept(|name| item.get(name).and_then(Value::as_i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(q: &str) -> QueryParams {
        QueryParams::parse(q)
    }

    #[test]
    fn in_lists_take_every_spelling_and_malformed_values_name_the_parameter() {
        let mut echo = Map::new();
        let f = IntFilters::from_query(
            &query("project_id__in=[1,2]&pk__in=5&pk__in=6"),
            &["project_id"],
            &mut echo,
        )
        .unwrap();
        assert!(f.accept_value(&json!({"id": 5, "project_id": 2})));
        assert!(!f.accept_value(&json!({"id": 5, "project_id": 3})));
        assert!(!f.accept_value(&json!({"id": 7, "project_id": 1})));
        assert_eq!(echo["project_id__in"], json!([1, 2]));
        let err = IntFilters::from_query(&query("project_id__in=1,x"), &["project_id"], &mut echo)
            .err()
            .unwrap();
        assert_eq!(
            err.body()["data"],
            json!({"project_id__in": "A valid integer is required."})
        );
        let none = IntFilters::from_query(&query("id__in=[]"), &[], &mut echo).unwrap();
        assert!(!none.accept_value(&json!({"id": 1})));
    }
}
