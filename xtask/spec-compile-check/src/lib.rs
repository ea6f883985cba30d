//! The generated client alone; see build.rs. Nothing here is meant to be used.
#![allow(clippy::all, unused, missing_docs)]

include!(concat!(env!("OUT_DIR"), "/client.rs"));
