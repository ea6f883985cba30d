//! [`SecretString`]: the type of every secret field in the generated request and response
//! bodies (credential passwords, service-token values, `DBT_ENV_SECRET_*` values, webhook
//! HMAC secrets).
//!
//! The derived spec types those fields as `$ref: '#/components/schemas/SecretString'`, and
//! `build.rs` tells progenitor to use this type for that component, so a generated body can
//! be logged with `{:?}` without leaking what it carries. On the wire it is a plain JSON string.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What `Debug` and `Display` print instead of the value.
pub const REDACTED: &str = "<redacted>";

/// A string that is sent and received as is, but never printed: `Debug` and `Display` show
/// [`REDACTED`]. Read the value with [`SecretString::expose`], where it must go somewhere.
///
/// ```
/// use dbt_cloud_api::SecretString;
///
/// let password = SecretString::new("hunter2");
/// assert_eq!(format!("{password:?} {password}"), "SecretString(<redacted>) <redacted>");
/// assert_eq!(password.expose(), "hunter2");
/// assert_eq!(serde_json::to_string(&password).unwrap(), r#""hunter2""#);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }

    /// The secret itself, for code that must send it somewhere.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The secret itself, consuming the wrapper.
    pub fn into_exposed(self) -> String {
        self.0
    }

    /// Whether the value is empty (dbt answers masked or empty values for write-only secrets).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretString({REDACTED})")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        SecretString(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        SecretString(value.to_string())
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SecretString)
    }
}

#[cfg(feature = "json-schema")]
impl schemars::JsonSchema for SecretString {
    fn schema_name() -> String {
        "SecretString".to_string()
    }

    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        let mut schema = String::json_schema(generator).into_object();
        schema.metadata().write_only = true;
        schema.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUE: &str = "s3cr3t-CANARY-value";

    #[test]
    fn debug_and_display_redact_the_value() {
        let secret = SecretString::new(VALUE);
        for shown in [
            format!("{secret:?}"),
            format!("{secret:#?}"),
            format!("{secret}"),
            format!("{:?}", Some(&secret)),
        ] {
            assert!(!shown.contains(VALUE), "leaked: {shown}");
            assert!(shown.contains(REDACTED), "no redaction marker: {shown}");
        }
    }

    #[test]
    fn serializes_as_a_plain_string_both_ways() {
        let secret = SecretString::new(VALUE);
        let json = serde_json::to_value(&secret).unwrap();
        assert_eq!(json, serde_json::Value::String(VALUE.to_string()));
        let back: SecretString = serde_json::from_value(json).unwrap();
        assert_eq!(back, secret);
        assert_eq!(back.expose(), VALUE);
        assert!(serde_json::from_str::<SecretString>("42").is_err());
    }

    #[cfg(feature = "json-schema")]
    #[test]
    fn json_schema_is_a_write_only_string() {
        let schema = schemars::schema_for!(SecretString);
        let json = serde_json::to_value(&schema).unwrap();
        assert_eq!(json["type"], "string");
        assert_eq!(json["writeOnly"], true);
    }

    #[test]
    fn equality_compares_values() {
        assert_eq!(SecretString::from("a"), SecretString::new("a".to_string()));
        assert_ne!(SecretString::from("a"), SecretString::from("b"));
        assert_eq!(SecretString::from("abc").into_exposed(), "abc");
    }
}
