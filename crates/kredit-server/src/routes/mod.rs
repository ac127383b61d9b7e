//! HTTP handlers, one module per area.

pub mod admin;
pub mod auth;
pub mod identity;
pub mod me;
pub mod ops;
