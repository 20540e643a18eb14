//! The site's cookie policy, generated from the config: what `consentry
//! policy` prints and the proxy serves at `{consent_ui.path_prefix}/policy`.

pub mod facts;
