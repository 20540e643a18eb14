//! Records of consent (GDPR art. 7(1)): one JSON line per decision, written
//! to standard output or appended to a file, for any log pipeline to ship.
//!
//! A record holds the time, the random consent id also kept in the
//! visitor's cookie, the choice, the granted categories, the policy
//! revision, the banner language and the page path. It holds no IP address,
//! and no User-Agent unless `consent_ui.records_user_agent` is on.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// One decision.
#[derive(Debug, Serialize)]
pub struct Record<'a> {
    /// Always `consent`, telling these lines from other JSON logs on the same stream.
    pub event: &'static str,
    /// When, RFC 3339 UTC.
    pub time: String,
    /// The consent id kept in the visitor's cookie.
    pub consent_id: &'a str,
    /// `all`, `none` or `custom`.
    pub choice: &'a str,
    /// Granted categories, `necessary` included.
    pub granted: Vec<&'a str>,
    /// Refused categories.
    pub denied: Vec<&'a str>,
    /// The policy revision answered.
    pub revision: &'a str,
    /// The language the visitor saw.
    pub language: &'a str,
    /// The page the choice was made on (path and query).
    pub path: &'a str,
    /// The visitor's User-Agent, only when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<&'a str>,
}

/// Where records go.
#[derive(Debug)]
pub struct Records {
    target: Target,
    file: Mutex<Option<File>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Off,
    Stdout,
    File(PathBuf),
}

impl Records {
    /// `-` (standard output), `off`, or a file path (opened for appending on
    /// first use, so `consentry check` never creates it).
    pub fn parse(setting: &str) -> Result<Records, String> {
        let target = match setting.trim() {
            "" => return Err("give `-` (standard output), `off` or a file path".into()),
            "-" => Target::Stdout,
            "off" => Target::Off,
            path => Target::File(PathBuf::from(path)),
        };
        Ok(Records {
            target,
            file: Mutex::new(None),
        })
    }

    /// Writes one record as a JSON line.
    pub fn write(&self, record: &Record<'_>) -> io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        match &self.target {
            Target::Off => Ok(()),
            Target::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(&line)?;
                out.flush()
            }
            Target::File(path) => {
                let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
                if file.is_none() {
                    *file = Some(OpenOptions::new().create(true).append(true).open(path)?);
                }
                let f = file.as_mut().expect("opened above");
                f.write_all(&line)?;
                f.flush()
            }
        }
    }
}

/// Now as RFC 3339 UTC with seconds (`2026-12-03T21:30:00Z`).
pub fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// Unix seconds as RFC 3339 UTC.
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_333_445), "2026-12-03T21:30:45Z");
    }

    #[test]
    fn appends_json_lines_to_a_file() {
        let path = std::env::temp_dir().join(format!("consentry-records-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let records = Records::parse(path.to_str().unwrap()).unwrap();
        let record = Record {
            event: "consent",
            time: rfc3339(0),
            consent_id: "ab",
            choice: "custom",
            granted: vec!["necessary", "analytics"],
            denied: vec!["marketing"],
            revision: "00c0ffee",
            language: "de",
            path: "/a?b",
            user_agent: None,
        };
        records.write(&record).unwrap();
        records.write(&record).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["event"], "consent");
        assert_eq!(lines[0]["choice"], "custom");
        assert_eq!(lines[0]["granted"][1], "analytics");
        assert!(lines[0].get("user_agent").is_none());
        assert!(!text.contains("ip"));
        std::fs::remove_file(&path).unwrap();
        assert!(Records::parse(" ").is_err());
        assert_eq!(Records::parse("off").unwrap().target, Target::Off);
    }
}
