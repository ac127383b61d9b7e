//! Kredit's HTTP API.
//!
//! [`app::router`] builds the axum router over an [`state::AppState`];
//! [`server::serve`] runs it with configuration, keys, database and
//! graceful shutdown. Handlers live in [`routes`], one module per area; the
//! cross-cutting pieces (error model, auth, idempotency, metrics) each have
//! their own module. The API is described in `docs/api.md` and at
//! `/api/openapi.json`.

pub mod app;
pub mod auth;
pub mod client;
pub mod config;
pub mod dates;
pub mod demo;
pub mod disbursement;
pub mod error;
pub mod export_page;
pub mod extract;
pub mod hardening;
pub mod idempotency;
pub mod kek_file;
pub mod keys;
pub mod log_key;
pub mod metrics;
pub mod reasons;
pub mod routes;
pub mod screening;
pub mod server;
pub mod state;
pub mod token;
pub mod views;
pub mod web;
pub mod witness_client;
