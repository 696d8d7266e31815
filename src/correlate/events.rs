//! Alert events as detection tools write them: JSON lines or CSV, each event a time, a host
//! and one or more ATT&CK tactics and techniques.
//!
//! JSON lines: one object per line, `{"timestamp": "...", "host": "...", "tactics": [...],
//! "techniques": [...]}`; `tactics` and `techniques` may also be one string with ids separated
//! by `;`, `,`, `|` or spaces. CSV: a header row naming the columns `timestamp`, `host`,
//! `tactics`, `techniques` (in any order; others are ignored), lists inside a cell separated by
//! `;`, `|` or spaces, cells quoted with `"` when they hold commas.

use crate::Error;
use crate::error::{Diagnostic, Location, Severity};
use serde_json::Value;
use std::path::Path;

/// One alert.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    pub timestamp: Option<String>,
    pub host: Option<String>,
    /// Tactic ids as written (`TA0002`).
    pub tactics: Vec<String>,
    /// Technique ids as written (`T1059.001`).
    pub techniques: Vec<String>,
}

/// Reads the events of a file, in time order (events without a time keep their place).
pub fn read_events(path: &Path) -> Result<Vec<Event>, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let name = path.display().to_string();
    let mut events = if text.trim_start().starts_with('{') {
        json_lines(&name, &text)?
    } else {
        csv(&name, &text)?
    };
    // A stable sort: equal or missing times keep the file's order.
    events.sort_by(|a, b| match (&a.timestamp, &b.timestamp) {
        (Some(a), Some(b)) => a.cmp(b),
        _ => std::cmp::Ordering::Equal,
    });
    Ok(events)
}

fn invalid(name: &str, line: usize, message: String) -> Error {
    Error::Events(Diagnostic {
        severity: Severity::Error,
        source: name.to_owned(),
        location: Location::LineColumn { line, column: 1 },
        message,
    })
}

fn split_ids(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ';' | ',' | '|'))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn json_lines(name: &str, text: &str) -> Result<Vec<Event>, Error> {
    let mut events = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line)
            .map_err(|e| invalid(name, index + 1, format!("not a JSON object: {e}")))?;
        let list = |key: &str| -> Vec<String> {
            match value.get(key) {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .flat_map(split_ids)
                    .collect(),
                Some(Value::String(s)) => split_ids(s),
                _ => Vec::new(),
            }
        };
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        events.push(Event {
            timestamp: text("timestamp"),
            host: text("host"),
            tactics: list("tactics"),
            techniques: list("techniques"),
        });
    }
    Ok(events)
}

/// The cells of one CSV line (RFC 4180 quoting, no line breaks inside cells).
fn cells(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

fn csv(name: &str, text: &str) -> Result<Vec<Event>, Error> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Ok(Vec::new());
    };
    let columns: Vec<String> = cells(header)
        .iter()
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    let column = |name: &str| columns.iter().position(|c| c == name);
    let (tactics, techniques) = (column("tactics"), column("techniques"));
    if tactics.is_none() && techniques.is_none() {
        return Err(invalid(
            name,
            1,
            "the CSV header names neither a `tactics` nor a `techniques` column".into(),
        ));
    }
    let (timestamp, host) = (column("timestamp"), column("host"));
    let mut events = Vec::new();
    for (_, line) in lines {
        let row = cells(line);
        let cell = |i: Option<usize>| {
            i.and_then(|i| row.get(i))
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
        };
        events.push(Event {
            timestamp: cell(timestamp),
            host: cell(host),
            tactics: cell(tactics).map(|c| split_ids(&c)).unwrap_or_default(),
            techniques: cell(techniques).map(|c| split_ids(&c)).unwrap_or_default(),
        });
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_lines_and_csv_alike() {
        let json = json_lines(
            "e.jsonl",
            r#"{"timestamp":"2024-01-01T10:00:00Z","host":"ws1","tactics":["TA0001"],"techniques":["T1566.001","T1204.002"]}
{"timestamp":"2024-01-01T10:05:00Z","host":"ws1","techniques":"T1059.001; T1105"}"#,
        )
        .unwrap();
        let csv = csv(
            "e.csv",
            "timestamp,host,tactics,techniques\n2024-01-01T10:00:00Z,ws1,TA0001,\"T1566.001,T1204.002\"\n2024-01-01T10:05:00Z,ws1,,T1059.001;T1105\n",
        )
        .unwrap();
        assert_eq!(json, csv);
        assert_eq!(json[0].techniques, ["T1566.001", "T1204.002"]);
        assert_eq!(json[1].tactics, Vec::<String>::new());
        assert_eq!(json[1].host.as_deref(), Some("ws1"));
    }

    #[test]
    fn says_where_a_file_is_wrong() {
        let error = json_lines("e.jsonl", "{\"techniques\":[]}\nnot json").unwrap_err();
        assert!(error.to_string().starts_with("e.jsonl:2:1:"), "{error}");
        assert!(csv("e.csv", "time,where\n1,2\n").is_err());
    }
}
