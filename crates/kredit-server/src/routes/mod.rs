//! HTTP handlers, one module per area.

pub mod admin;
pub mod aml;
pub mod applications;
pub mod auth;
pub mod data_rights;
pub mod disbursements;
pub mod feedback;
pub mod identity;
pub mod loans;
pub mod log;
pub mod me;
pub mod models;
pub mod ops;
pub mod personal_data;
pub mod portfolio;
pub mod products;
pub mod risk;
pub mod second_factor;
pub mod webhooks;
