//! Consentry: a consent-enforcement reverse proxy.
//!
//! [`policy`] is the pure core (consent decoding, cookie and tag decisions);
//! [`rewrite`] applies tag decisions to streaming HTML; [`config`] turns a
//! TOML file into a compiled [`config::Policy`]. [`admin`] serves health,
//! readiness and metrics; [`reload`] swaps in changed configs;
//! [`telemetry`] sets up logging; [`service`] runs them all together;
//! [`consent_ui`] is Consentry's own banner, consent endpoint and preferences page;
//! [`policy_doc`] renders the site's cookie policy from the config.
//!
//! No `unsafe` code, except the AVX2 kernel of the inline-script literal
//! search (`policy::literal_set`), which measured 1.5x the scalar scan.
#![deny(unsafe_code)]

pub mod admin;
pub mod config;
pub mod consent_ui;
pub mod demo;
pub mod discovery;
pub mod html;
pub mod observed;
pub mod policy;
pub mod policy_doc;
pub mod proxy;
pub mod reload;
pub mod rewrite;
pub mod scan;
pub mod service;
pub mod telemetry;
