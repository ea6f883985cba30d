#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The raw client, generated at build time by progenitor from
/// `spec/dbt-cloud-administrative-api-openapi.yml`. Never edited by hand.
#[allow(clippy::all, clippy::pedantic, unused, missing_docs, rustdoc::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated_client.rs"));
}

pub mod artifacts;
pub mod client;
pub mod config;
mod crypto;
pub mod ensure;
pub mod error;
mod get_run;
pub mod lookup;
pub mod paginate;
pub mod rate_limit;
pub mod redact;
pub mod redirect;
pub mod retry;
pub mod run_results;
pub mod run_status;
pub mod secret;
pub mod times;
pub mod transport;
pub mod trigger;
pub mod wait;
pub mod webhooks;

pub use artifacts::{Manifest, ManifestNode, NodeResult, RunResults};
pub use client::DbtCloud;
pub use config::{AuthScheme, Config, ConfigBuilder, ConfigError, SecretToken};
pub use error::Error;
pub use generated::*;
pub use paginate::{ListItem, ListRequest, Page};
pub use rate_limit::{RateLimit, RateLimiter};
pub use retry::RetryPolicy;
pub use run_results::{RunNodes, StepNode, StepResults};
pub use run_status::RunStatus;
pub use secret::SecretString;
pub use trigger::TriggerOptions;
pub use wait::{RunUpdate, WaitOptions};
