//! Consentry: a consent-enforcement reverse proxy.
#![forbid(unsafe_code)]

pub mod policy;
