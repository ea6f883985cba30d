//! Finding the resource a desired state names, by its natural key.
//!
//! Unlike a look-up for a user (where none is an error), "ensure" needs none to be an answer:
//! it means create. The list is narrowed on the server (`name__icontains`) and matched
//! exactly here, ignoring soft-deleted resources.

use serde_json::Value;

use crate::DbtCloud;
use crate::error::Error;
use crate::paginate::ListRequest;

/// dbt's `state` of a soft-deleted resource.
const DELETED: i64 = 2;

/// The only active item of `request`'s listing whose `name` is `name`, or `None`.
pub(crate) async fn unique_by_name<R>(
    dbt: &DbtCloud,
    operation: &'static str,
    what: &str,
    name: &str,
    request: R,
) -> Result<Option<R::Item>, Error>
where
    R: ListRequest,
    R::Item: serde::Serialize,
{
    let listed = dbt.collect_all(request).await?;
    let mut found = Vec::new();
    for item in listed {
        let json = serde_json::to_value(&item).unwrap_or(Value::Null);
        let active = json.get("state").and_then(Value::as_i64) != Some(DELETED);
        let named = json.get("name").and_then(Value::as_str).map(str::trim) == Some(name.trim());
        if active && named {
            let id = json.get("id").and_then(Value::as_i64).unwrap_or_default();
            found.push((id, item));
        }
    }
    if found.len() > 1 {
        let ids: Vec<String> = found.iter().map(|(id, _)| id.to_string()).collect();
        return Err(Error::InvalidRequest {
            operation,
            message: format!(
                "{} {what}s match (ids {}); the natural key must name one: rename or delete the others",
                found.len(),
                ids.join(", ")
            ),
        });
    }
    Ok(found.pop().map(|(_, item)| item))
}
