//! Webhooks: subscriptions are a table kind (`resources::kinds::WEBHOOK_SUBSCRIPTIONS`); this
//! module delivers their events. `deliver.rs` watches runs and POSTs signed deliveries
//! (`sign.rs`) to loopback URLs only (`target.rs`), recording each as an event and a
//! receipt; `routes.rs` serves test, events and receipts.

mod deliver;
pub(crate) mod routes;
mod sign;
mod target;

pub(crate) use deliver::spawn;
pub use sign::signature;
