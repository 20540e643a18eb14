//! Every value of `shared/corpus/consent/consent-examples.json` against its stated expectation.

use serde_json::Value;

use super::cc_cookie::{self, CcCookieDecoder};
use super::cookiebot::{self, CookiebotDecoder};
use super::klaro::KlaroDecoder;
use super::onetrust::{self, OneTrustDecoder};
use super::tcf::{self, TcString, TcfDecoder, VendorSet};
use super::Decoder;
use crate::policy::category::{Categories, Category, CategorySet};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/corpus/consent/consent-examples.json"
);

fn corpus() -> Value {
    let text = std::fs::read_to_string(CORPUS).expect("consent corpus beside the repository");
    serde_json::from_str(&text).expect("corpus is JSON")
}

fn list<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("`{key}` is a list"))
}

/// Deciseconds since the epoch of `YYYY-MM-DDTHH:MM:SS[.fff…]Z`.
fn deciseconds(iso: &str) -> u64 {
    let num = |s: &str| s.parse::<i64>().unwrap();
    let (date, time) = iso.trim_end_matches('Z').split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(num).collect();
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let t: Vec<i64> = hms.split(':').map(num).collect();
    // Days from civil (Howard Hinnant).
    let (y, m) = if d[1] <= 2 {
        (d[0] - 1, d[1] + 9)
    } else {
        (d[0], d[1] - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d[2] - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let secs = days * 86_400 + t[0] * 3600 + t[1] * 60 + t[2];
    let tenths = frac
        .chars()
        .next()
        .map_or(0, |c| i64::from(c.to_digit(10).unwrap()));
    (secs * 10 + tenths) as u64
}

fn ids(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

fn mask(m: u64, n: u32) -> Vec<u64> {
    tcf::mask_ids(m, n).map(u64::from).collect()
}

fn vendors(s: &VendorSet) -> Vec<u64> {
    s.iter().map(u64::from).collect()
}

fn letters(l: [u8; 2]) -> String {
    String::from_utf8_lossy(&l).into_owned()
}

/// Checks every field of `expected` against `tc`; unknown field names fail.
fn check_tc(tc: &TcString, expected: &serde_json::Map<String, Value>, what: &str) {
    for (field, want) in expected {
        let ok = match field.as_str() {
            "version" => u64::from(tc.version) == want.as_u64().unwrap(),
            "created" => tc.created == deciseconds(want.as_str().unwrap()),
            "lastUpdated" => tc.last_updated == deciseconds(want.as_str().unwrap()),
            "cmpId" => u64::from(tc.cmp_id) == want.as_u64().unwrap(),
            "cmpVersion" => u64::from(tc.cmp_version) == want.as_u64().unwrap(),
            "consentScreen" => u64::from(tc.consent_screen) == want.as_u64().unwrap(),
            "vendorListVersion" => u64::from(tc.vendor_list_version) == want.as_u64().unwrap(),
            "tcfPolicyVersion" => u64::from(tc.policy_version) == want.as_u64().unwrap(),
            "consentLanguage" => letters(tc.consent_language) == want.as_str().unwrap(),
            "publisherCountryCode" => letters(tc.publisher_cc) == want.as_str().unwrap(),
            "isServiceSpecific" => tc.is_service_specific == want.as_bool().unwrap(),
            "useNonStandardStacks" => tc.use_non_standard_texts == want.as_bool().unwrap(),
            "purposeOneTreatment" => tc.purpose_one_treatment == want.as_bool().unwrap(),
            "specialFeatureOptIns" => mask(u64::from(tc.special_feature_opt_ins), 12) == ids(want),
            "purposeConsents" => mask(u64::from(tc.purposes_consent), 24) == ids(want),
            "purposeConsentsContains" => ids(want)
                .iter()
                .all(|p| mask(u64::from(tc.purposes_consent), 24).contains(p)),
            "purposeLegitimateInterests" => mask(u64::from(tc.purposes_li), 24) == ids(want),
            "vendorConsents" => vendors(&tc.vendor_consents) == ids(want),
            "vendorLegitimateInterests" => vendors(&tc.vendor_li) == ids(want),
            "vendorConsentsCount" => tc.vendor_consents.len() as u64 == want.as_u64().unwrap(),
            "vendorLegitimateInterestsCount" => tc.vendor_li.len() as u64 == want.as_u64().unwrap(),
            "publisherRestrictionsCount" => {
                tc.publisher_restrictions.len() as u64 == want.as_u64().unwrap()
            }
            "disclosedVendors" => tc.disclosed_vendors.as_ref().map(vendors) == Some(ids(want)),
            "allowedVendors" => tc.allowed_vendors.as_ref().map(vendors) == Some(ids(want)),
            "pubPurposesConsentCount" => {
                tc.publisher_tc
                    .as_ref()
                    .map(|p| p.purposes_consent.count_ones() as u64)
                    == want.as_u64()
            }
            "publisherRestrictions" => {
                let got: Vec<(u64, u64, Vec<u64>)> = tc
                    .publisher_restrictions
                    .iter()
                    .map(|r| {
                        (
                            u64::from(r.purpose_id),
                            u64::from(r.restriction_type),
                            vendors(&r.vendors),
                        )
                    })
                    .collect();
                let want: Vec<(u64, u64, Vec<u64>)> = want
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        (
                            r["purposeId"].as_u64().unwrap(),
                            r["restrictionType"].as_u64().unwrap(),
                            ids(&r["vendors"]),
                        )
                    })
                    .collect();
                got == want
            }
            "publisherRestrictions_purpose1_type1_vendors" => {
                tc.publisher_restrictions
                    .iter()
                    .find(|r| r.purpose_id == 1 && r.restriction_type == 1)
                    .map(|r| vendors(&r.vendors))
                    == Some(ids(want))
            }
            other => panic!("{what}: unchecked expected field `{other}`"),
        };
        assert!(
            ok,
            "{what}: field `{field}` differs from {want}; decoded {tc:#?}"
        );
    }
}

#[test]
fn tcf_strings() {
    let c = corpus();
    let decoder = TcfDecoder::defaults();
    let mut checked = 0;
    for entry in list(&c, "tcf") {
        let s = entry["tc_string"].as_str().unwrap();
        let expected = entry["expected"].as_object();
        let is_v1 = s.starts_with('B');
        if entry.get("expected_error").is_some() || is_v1 {
            assert!(TcString::parse(s).is_err(), "{s} must not decode");
            assert!(decoder.decode(s).is_err(), "{s} must be unreadable");
            if is_v1 {
                // The version field itself says 1.
                assert_eq!(
                    expected
                        .and_then(|e| e.get("version"))
                        .and_then(Value::as_u64)
                        .unwrap_or(1),
                    1
                );
            }
            checked += 1;
            continue;
        }
        let tc = TcString::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(
            decoder.decode(s).map(|_| ()),
            Ok(()),
            "{s}: the per-request path must agree"
        );
        assert_eq!(
            tcf::purposes_consent(s),
            Ok(tc.purposes_consent),
            "{s}: fast path"
        );
        if let Some(expected) = expected {
            check_tc(&tc, expected, s);
        }
        if let Some(independent) = entry["independent_decode"].as_object() {
            check_tc(&tc, independent, s);
            // uBlock "reject all" values: nothing beyond necessary.
            assert_eq!(decoder.decode(s), Ok(CategorySet::EMPTY), "{s}");
        }
        checked += 1;
    }
    assert_eq!(checked, 26);
}

#[test]
fn onetrust_values() {
    let c = corpus();
    let d = OneTrustDecoder::defaults();
    for entry in list(&c, "onetrust_optanonconsent") {
        let value = entry["value"].as_str().unwrap();
        let Some(groups) = entry["groups"].as_object() else {
            assert!(d.decode(value).is_err(), "{value}: no groups = unreadable");
            continue;
        };
        let mut want: Vec<(String, bool)> = groups
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64() == Some(1)))
            .collect();
        want.sort();
        for v in [value.to_string(), format!("OptanonConsent={value}")] {
            let mut got = onetrust::parse_groups(&v).unwrap();
            got.sort();
            assert_eq!(got, want, "{v}");
            // Default map: a category needs every present group of it at 1.
            let granted: CategorySet = onetrust::DEFAULT_GROUPS
                .iter()
                .filter(|(id, _)| groups.contains_key(*id))
                .map(|(_, c)| *c)
                .filter(|c| {
                    onetrust::DEFAULT_GROUPS
                        .iter()
                        .filter(|(_, c2)| c2 == c)
                        .all(|(id, _)| groups.get(*id).is_none_or(|f| f.as_u64() == Some(1)))
                })
                .collect();
            assert_eq!(d.decode(&v), Ok(granted), "{v}");
        }
        // The fides migration test's own mapping and result.
        if let Some(exp) = entry.get("source_expectation") {
            let mapping = exp["ot_fides_mapping"].as_object().unwrap();
            for (key, want) in exp["resulting_fides_consent"].as_object().unwrap() {
                let got = mapping
                    .iter()
                    .filter(|(_, keys)| keys.as_array().unwrap().iter().any(|k| k == key))
                    .any(|(group, _)| groups[group].as_u64() == Some(1));
                assert_eq!(Value::Bool(got), *want, "{value}: fides `{key}`");
            }
        }
    }
    // The fides values, with the default map.
    let values = list(&c, "onetrust_optanonconsent");
    let decode = |i: usize| d.decode(values[i]["value"].as_str().unwrap()).unwrap();
    let set = |cs: &[Category]| cs.iter().copied().collect::<CategorySet>();
    assert_eq!(
        decode(0),
        set(&[
            Category::NECESSARY,
            Category::ANALYTICS,
            Category::MARKETING
        ])
    );
    assert_eq!(decode(1), set(&[Category::NECESSARY, Category::ANALYTICS]));
    assert_eq!(decode(2), set(&[]));
}

#[test]
fn cookiebot_values() {
    let c = corpus();
    let cats = Categories::default();
    let d = CookiebotDecoder::defaults(&cats);
    for entry in list(&c, "cookiebot_cookieconsent") {
        let value = entry["value"].as_str().unwrap();
        let text = super::percent_decode(value).unwrap();
        let pairs = cookiebot::parse_literal(&text).unwrap();
        let parsed = entry["parsed"].as_object().unwrap();
        assert_eq!(pairs.len(), parsed.len(), "{value}");
        for (key, want) in parsed {
            let raw = pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| *v)
                .unwrap_or_else(|| panic!("{value}: no `{key}`"));
            let got = match want {
                Value::String(_) => Value::String(raw.trim_matches('\'').to_string()),
                _ => serde_json::from_str(raw).unwrap(),
            };
            assert_eq!(&got, want, "{value}: `{key}`");
        }
        let granted: CategorySet = cookiebot::DEFAULT_FIELDS
            .iter()
            .filter(|(f, _)| parsed.get(*f) == Some(&Value::Bool(true)))
            .map(|(_, c)| *c)
            .collect();
        assert_eq!(d.decode(value), Ok(granted), "{value}");
    }
}

#[test]
fn orestbida_values() {
    let c = corpus();
    let cats = Categories::default();
    for entry in list(&c, "orestbida_cookieconsent") {
        let value = entry["value"].as_str().unwrap();
        let parsed = &entry["parsed"];
        let want: Vec<String> = parsed
            .get("categories")
            .or(parsed.get("level"))
            .and_then(Value::as_array)
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(cc_cookie::parse_names(value), Ok(want.clone()), "{value}");
        // Read under the name the site uses.
        let d = CcCookieDecoder::new(entry["cookie_name"].as_str().unwrap(), Vec::new(), &cats);
        let granted: CategorySet = want.iter().filter_map(|n| cats.lookup(n)).collect();
        assert_eq!(d.decode(value), Ok(granted), "{value}");
    }
}

#[test]
fn klaro_examples() {
    let c = corpus();
    let d = KlaroDecoder::defaults(&Categories::default());
    // The corpus records only the format (URL-encoded JSON.stringify of service -> bool).
    for entry in list(&c["klaro"], "examples") {
        let value = entry["value"].as_str().unwrap();
        assert!(d.decode(value).is_ok(), "{value}");
    }
    let stringified = "%7B%22analytics%22%3Atrue%2C%22marketing%22%3Afalse%7D";
    assert_eq!(
        d.decode(stringified),
        Ok(CategorySet::EMPTY.with(Category::ANALYTICS))
    );
}

#[test]
fn fccdcf_embeds_a_decodable_tc_string() {
    let c = corpus();
    let entry = list(&c, "other_cmp")
        .iter()
        .find(|e| e["cookie_name"] == "FCCDCF")
        .unwrap();
    let text = super::percent_decode(entry["value"].as_str().unwrap()).unwrap();
    let parsed: Value = serde_json::from_str(&text).unwrap();
    let tc = parsed[3][0].as_str().unwrap();
    assert_eq!(tc, entry["embedded_tc_string"].as_str().unwrap());
    assert_eq!(TcfDecoder::defaults().decode(tc), Ok(CategorySet::EMPTY));
}
