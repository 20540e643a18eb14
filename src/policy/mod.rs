//! The pure policy core: consent decoding, cookie classification and
//! decisions, tag rules. No I/O, no async: every function here takes plain
//! data and returns a decision that the proxy layer applies.

pub mod category;
mod common_grams;
pub mod consent;
pub mod consent_mode;
pub mod cookies;
pub mod filter_list;
pub mod inline;
pub mod js;
pub mod literal_set;
pub mod request_cookies;
pub mod set_cookie;
pub mod tag_sources;
pub mod tags;
pub mod third_party;
