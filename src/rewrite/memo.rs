//! Decisions on start tags, remembered across documents by the tag's
//! bytes: a site's pages repeat most of their markup (head, navigation,
//! footer, the same script and style sheet links, the same tracker tags),
//! and reading a tag's URLs and matching them is most of what deciding
//! costs.
//!
//! [`handlers::decide`] reads nothing but the tag's bytes, its namespace,
//! the base URL and the filter's context, so a decision keyed by all of them
//! is the one it would make again. Kept tags and removed ones, with the
//! attributes taken out or set and what was enforced, are remembered. A tag
//! replaced by a placeholder (whose form is the request's), a document in
//! `srcdoc` or a `data:` URL, and a `<base>` are decided afresh each time.

use std::hash::BuildHasher;

use url::Url;

use super::handlers::{Decision, Edit, Follow};
use super::{Enforcement, Reference};
use crate::html::scanner::{Namespace, StartTag};

/// How many tags are remembered per policy.
const REMEMBERED_TAGS: usize = 16 * 1024;

/// Tags longer than this are decided each time (their bytes would be hashed
/// for a decision that is rarely shared).
const MAX_REMEMBERED_TAG: usize = 4 << 10;

/// The most URL bytes a remembered decision holds (its references).
const MAX_REMEMBERED_URLS: usize = 1 << 10;

/// The remembered decisions of one policy.
pub(crate) struct TagMemo(quick_cache::sync::Cache<TagKey, Remembered>);

/// A tag's bytes (128-bit hash and length), its namespace and the scope:
/// grants, first party, whether references are collected, base URL.
type TagKey = (u128, u32, u8, u64);

/// A remembered decision: all of it but what is decided afresh.
#[derive(Clone)]
struct Remembered {
    removes_element: bool,
    remove: Vec<usize>,
    set: Vec<(&'static str, String)>,
    follow: Follow,
    enforcements: Vec<Enforcement>,
    references: Vec<Reference>,
    unclassified: Vec<Reference>,
    consent_defaults: bool,
}

impl std::fmt::Debug for TagMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TagMemo")
            .field("len", &self.0.len())
            .finish()
    }
}

impl Default for TagMemo {
    fn default() -> Self {
        TagMemo(quick_cache::sync::Cache::new(REMEMBERED_TAGS))
    }
}

/// What, besides a tag's bytes and namespace, its decision depends on.
pub(crate) fn scope(
    granted: crate::policy::category::CategorySet,
    first_party: Option<&str>,
    collect_references: bool,
    base: Option<&Url>,
) -> u64 {
    foldhash::quality::FixedState::default().hash_one((
        granted,
        first_party,
        collect_references,
        base.map(Url::as_str),
    ))
}

impl TagMemo {
    /// The key of `tag` in `scope`, or `None` for a tag too long to remember.
    pub(crate) fn key(&self, data: &[u8], tag: &StartTag<'_>, scope: u64) -> Option<TagKey> {
        let bytes = &data[tag.span.clone()];
        if bytes.len() > MAX_REMEMBERED_TAG {
            return None;
        }
        let namespace = match tag.namespace {
            Namespace::Html => 0,
            Namespace::Svg => 1,
            Namespace::MathMl => 2,
        };
        Some((
            xxhash_rust::xxh3::xxh3_128(bytes),
            bytes.len() as u32,
            namespace,
            scope,
        ))
    }

    /// The remembered decision for `key`.
    pub(crate) fn get(&self, key: &TagKey) -> Option<Decision> {
        let remembered = self.0.get(key)?;
        Some(Decision {
            edit: if remembered.removes_element {
                Edit::Remove
            } else {
                Edit::Keep
            },
            remove: remembered.remove,
            set: remembered.set,
            follow: remembered.follow,
            enforcements: remembered.enforcements,
            references: remembered.references,
            unclassified: remembered.unclassified,
            consent_defaults: remembered.consent_defaults,
            ..Decision::default()
        })
    }

    /// Remembers `decision` for `key`, unless it is one decided afresh
    /// each time (see the module's documentation).
    pub(crate) fn remember(&self, key: TagKey, decision: &Decision) {
        let Decision {
            edit,
            remove,
            set,
            srcdoc,
            data_document,
            follow,
            enforcements,
            references,
            unclassified,
            consent_defaults,
            base,
        } = decision;
        let removes_element = match edit {
            Edit::Keep => false,
            Edit::Remove => true,
            Edit::Replace(_) => return,
        };
        if srcdoc.is_some() || data_document.is_some() || base.is_some() {
            return;
        }
        let url_bytes: usize = references
            .iter()
            .chain(unclassified)
            .map(|r| r.url.len())
            .sum();
        if url_bytes <= MAX_REMEMBERED_URLS {
            self.0.insert(
                key,
                Remembered {
                    removes_element,
                    remove: remove.clone(),
                    set: set.clone(),
                    follow: *follow,
                    enforcements: enforcements.clone(),
                    references: references.clone(),
                    unclassified: unclassified.clone(),
                    consent_defaults: *consent_defaults,
                },
            );
        }
    }

    /// Forgets every decision (for benchmarks of pages never seen).
    pub(crate) fn clear(&self) {
        self.0.clear();
    }
}
