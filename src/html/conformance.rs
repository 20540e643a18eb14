//! The html5lib tokenizer tests (`../shared/corpus/html5lib/tokenizer`) for
//! what the scanner models: every start tag (name, attributes with
//! references decoded, the first of duplicates winning, self-closing flag)
//! and end tag, in order, for every initial state it models, fed whole and
//! byte by byte. Comments, doctypes and text are not reported by the
//! scanner; where they end is checked through the tags that follow.

use std::collections::BTreeMap;

use super::scanner::{Attributes, EndTag, Handler, Scanner, StartTag, TagName};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Start(String, BTreeMap<String, String>, bool),
    End(String),
}

#[derive(Default)]
struct Tags(Vec<Token>);

/// As the tokenizer reads a name: lower case, NUL replaced.
fn name(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .to_lowercase()
        .replace('\0', "\u{fffd}")
}

impl Handler for Tags {
    fn wants(&self, _: TagName) -> Option<Attributes> {
        Some(Attributes::All)
    }

    fn start_tag(&mut self, data: &[u8], tag: &StartTag<'_>) {
        let mut attrs = BTreeMap::new();
        for a in tag.attributes {
            let raw = a.value.clone().map_or(&data[0..0], |v| &data[v]);
            let value = crate::rewrite::urls::attribute_value(raw).replace('\0', "\u{fffd}");
            attrs.entry(name(&data[a.name.clone()])).or_insert(value);
        }
        self.0.push(Token::Start(
            name(&data[tag.name_span.clone()]),
            attrs,
            tag.self_closing,
        ));
    }

    fn end_tag(&mut self, data: &[u8], tag: &EndTag) {
        self.0.push(Token::End(name(&data[tag.name_span.clone()])));
    }
}

fn scan(state: &str, last: &str, input: &[u8], byte_by_byte: bool) -> Option<Vec<Token>> {
    let mut scanner = Scanner::tokenizer(state, last)?;
    let mut tags = Tags::default();
    if byte_by_byte {
        let mut carried = Vec::new();
        for &b in input {
            carried.push(b);
            scanner.feed(&carried, false, &mut tags);
            let keep = scanner.keep_from();
            carried.drain(..keep);
            scanner.rebase(keep);
        }
        scanner.feed(&carried, true, &mut tags);
    } else {
        scanner.feed(input, true, &mut tags);
    }
    Some(tags.0)
}

fn expected(output: &serde_json::Value) -> Vec<Token> {
    let mut tokens = Vec::new();
    for t in output.as_array().into_iter().flatten() {
        let t = t.as_array().expect("a token is an array");
        match t[0].as_str() {
            Some("StartTag") => {
                let attrs = t[2]
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
                let self_closing = t.get(3).and_then(|v| v.as_bool()).unwrap_or(false);
                tokens.push(Token::Start(
                    t[1].as_str().unwrap_or("").to_string(),
                    attrs,
                    self_closing,
                ));
            }
            Some("EndTag") => tokens.push(Token::End(t[1].as_str().unwrap_or("").to_string())),
            _ => {}
        }
    }
    tokens
}

#[test]
fn html5lib_tokenizer_tests() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/html5lib/tokenizer"
    );
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).expect("the html5lib corpus is present") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "test") {
            continue;
        }
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let tests = json["tests"]
            .as_array()
            .or_else(|| json["xmlViolationTests"].as_array());
        for test in tests.into_iter().flatten() {
            // Double-escaped tests carry lone surrogates, not bytes a page can hold.
            if test["doubleEscaped"].as_bool() == Some(true) {
                continue;
            }
            let input = test["input"].as_str().unwrap_or("");
            // The input stream's preprocessing: newlines normalized.
            let input = input.replace("\r\n", "\n").replace('\r', "\n");
            let want = expected(&test["output"]);
            let last = test["lastStartTag"].as_str().unwrap_or("");
            let states: Vec<&str> = test["initialStates"]
                .as_array()
                .map(|s| s.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_else(|| vec!["Data state"]);
            for state in states {
                for byte_by_byte in [false, true] {
                    let Some(got) = scan(state, last, input.as_bytes(), byte_by_byte) else {
                        continue;
                    };
                    checked += 1;
                    if got != want {
                        failures.push(format!(
                            "{} / {} / {state} (byte by byte: {byte_by_byte}): got {got:?}, want {want:?}",
                            path.file_name().unwrap().to_string_lossy(),
                            test["description"]
                        ));
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} html5lib cases ran");
    assert!(
        failures.is_empty(),
        "{} of {checked} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
