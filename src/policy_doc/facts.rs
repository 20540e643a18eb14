//! The facts a cookie policy states, compiled from the config and the
//! catalogues: who runs the site, and what each cookie and tag is for.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::policy::category::Category;
use crate::policy::cookies::NameMatch;

/// A text given once, or per language (`{ en = "…", de = "…" }`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Localized {
    /// The same text in every language.
    One(String),
    /// Language -> text.
    PerLanguage(BTreeMap<String, String>),
}

impl Localized {
    /// The text in `language`, else English, else the first given.
    pub fn get(&self, language: &str) -> &str {
        match self {
            Localized::One(text) => text,
            Localized::PerLanguage(texts) => texts
                .get(language)
                .or_else(|| texts.get("en"))
                .or_else(|| texts.values().next())
                .map_or("", String::as_str),
        }
    }
}

/// `[site]`, validated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Site {
    /// The operator's or site's name.
    pub name: Option<String>,
    /// The site's address.
    pub url: Option<String>,
    /// How to reach the operator.
    pub contact: Contact,
    /// `YYYY-MM-DD`: the given date, else the latest revision's.
    pub last_updated: Option<String>,
    /// The revision history, as given.
    pub revisions: Vec<Revision>,
}

/// `[site.contact]`
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// An email address.
    pub email: Option<String>,
    /// A phone number.
    pub phone: Option<String>,
    /// A postal address.
    pub address: Option<String>,
    /// A contact page.
    pub url: Option<String>,
}

impl Contact {
    /// Whether any way of contact is given.
    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.phone.is_none() && self.address.is_none() && self.url.is_none()
    }
}

/// One row of the revision history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    /// `1.1`
    pub version: String,
    /// `YYYY-MM-DD`
    pub date: String,
    /// What changed.
    pub description: String,
}

/// A unit of [`Retention`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Minutes.
    Minute,
    /// Hours.
    Hour,
    /// Days.
    Day,
    /// Weeks.
    Week,
    /// Months.
    Month,
    /// Years.
    Year,
}

/// How long a cookie lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retention {
    /// Until the browser session ends.
    Session,
    /// A number of units.
    For(u32, Unit),
}

impl Retention {
    /// Parses `session` or `<n> <unit>` (`2 years`, `30 minutes`, `1 day`).
    pub fn parse(text: &str) -> Result<Retention, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("session") {
            return Ok(Retention::Session);
        }
        let shape =
            || format!("`{text}` is not `session` or `<n> minutes|hours|days|weeks|months|years`");
        let (number, unit) = text.split_once(' ').ok_or_else(shape)?;
        let n: u32 = number.parse().map_err(|_| shape())?;
        let unit = match unit.trim().trim_end_matches('s') {
            "minute" => Unit::Minute,
            "hour" => Unit::Hour,
            "day" => Unit::Day,
            "week" => Unit::Week,
            "month" => Unit::Month,
            "year" => Unit::Year,
            _ => return Err(shape()),
        };
        if n == 0 {
            return Err(shape());
        }
        Ok(Retention::For(n, unit))
    }
}

/// What the policy says about one cookie entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieFacts {
    /// Which names.
    pub name: NameMatch,
    /// Their category.
    pub category: Category,
    /// Who sets them.
    pub vendor: Option<String>,
    /// What they are for.
    pub purpose: Option<Localized>,
    /// How long they last.
    pub retention: Option<Retention>,
    /// Whether the config says the site uses them (its own entry, or named
    /// in a `[[categories.category]]`).
    pub declared: bool,
}

/// What the policy says about one tag rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagFacts {
    /// What the vendor's tag does.
    pub purpose: Option<Localized>,
    /// The vendor's privacy policy.
    pub privacy_policy: Option<String>,
    /// Where visitors can opt out with the vendor.
    pub opt_out: Option<String>,
    /// Whether the config says the site uses it.
    pub declared: bool,
}

/// Every cookie entry's and tag rule's facts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// Indexed like the entries the cookie classifier was built from
    /// ([`crate::policy::cookies::CookieClassifier::entry`]).
    pub cookies: Vec<CookieFacts>,
    /// Indexed by [`crate::policy::tags::RuleId`].
    pub tags: Vec<TagFacts>,
}

/// Whether `text` is a date written `YYYY-MM-DD`.
pub fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&text[5..7].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&text[8..10].parse::<u8>().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_parses_session_and_spans() {
        assert_eq!(Retention::parse("Session"), Ok(Retention::Session));
        assert_eq!(
            Retention::parse("2 years"),
            Ok(Retention::For(2, Unit::Year))
        );
        assert_eq!(
            Retention::parse("1 minute"),
            Ok(Retention::For(1, Unit::Minute))
        );
        assert_eq!(
            Retention::parse(" 13 months "),
            Ok(Retention::For(13, Unit::Month))
        );
        for bad in [
            "",
            "2",
            "years",
            "0 days",
            "2 fortnights",
            "-1 day",
            "1.5 days",
        ] {
            assert!(Retention::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn localized_texts_fall_back_to_english() {
        let one = Localized::One("Same".into());
        assert_eq!(one.get("de"), "Same");
        let per = Localized::PerLanguage(BTreeMap::from([
            ("en".to_string(), "English".to_string()),
            ("de".to_string(), "Deutsch".to_string()),
        ]));
        assert_eq!(per.get("de"), "Deutsch");
        assert_eq!(per.get("fr"), "English");
    }

    #[test]
    fn dates_are_iso() {
        assert!(is_date("2018-08-01"));
        for bad in [
            "2018-8-1",
            "01-Aug-2018",
            "2018-13-01",
            "2018-00-10",
            "20180801xx",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }
}
