//! Decisions on start tags that leave the tag as it is, remembered across
//! documents by the tag's bytes: a site's pages repeat most of their markup
//! (head, navigation, footer, the same script and style sheet links), and
//! reading a tag's URLs and matching them is most of what deciding costs.
//!
//! [`handlers::decide`] reads nothing but the tag's bytes, its namespace,
//! the base URL and the filter's context, so a decision keyed by all of them
//! is the one it would make again. Only decisions that change nothing in the
//! tag are kept (most tags of a page); a removed, replaced or rewritten
//! tag, a `<base>` and anything enforced is decided afresh each time.

use std::hash::BuildHasher;

use url::Url;

use super::handlers::{Decision, Edit, Follow};
use super::Reference;
use crate::html::scanner::{Namespace, StartTag};

/// How many tags are remembered per policy.
const REMEMBERED_TAGS: usize = 16 * 1024;

/// Tags longer than this are decided each time (their bytes would be hashed
/// for a decision that is rarely shared).
const MAX_REMEMBERED_TAG: usize = 4 << 10;

/// The most URL bytes a remembered decision holds (its references).
const MAX_REMEMBERED_URLS: usize = 1 << 10;

/// The remembered decisions of one policy.
pub(crate) struct TagMemo(quick_cache::sync::Cache<TagKey, Kept>);

/// A tag's bytes (128-bit hash and length), its namespace and the scope:
/// grants, first party, whether references are collected, base URL.
type TagKey = (u128, u32, u8, u64);

/// What a decision that keeps the tag as it is holds.
#[derive(Clone)]
struct Kept {
    follow: Follow,
    references: Vec<Reference>,
    unclassified: Vec<Reference>,
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
        let kept = self.0.get(key)?;
        Some(Decision {
            follow: kept.follow,
            references: kept.references,
            unclassified: kept.unclassified,
            ..Decision::default()
        })
    }

    /// Remembers `decision` for `key` when it keeps the tag as it is.
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
        let keeps = *edit == Edit::Keep
            && remove.is_empty()
            && set.is_empty()
            && srcdoc.is_none()
            && data_document.is_none()
            && enforcements.is_empty()
            && !consent_defaults
            && base.is_none();
        let url_bytes: usize = references
            .iter()
            .chain(unclassified)
            .map(|r| r.url.len())
            .sum();
        if keeps && url_bytes <= MAX_REMEMBERED_URLS {
            self.0.insert(
                key,
                Kept {
                    follow: *follow,
                    references: references.clone(),
                    unclassified: unclassified.clone(),
                },
            );
        }
    }

    /// Forgets every decision (for benchmarks of pages never seen).
    pub(crate) fn clear(&self) {
        self.0.clear();
    }
}
