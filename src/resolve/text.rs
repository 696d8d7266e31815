//! Normalising names for matching: case, punctuation, plurals, file extensions.

/// Lowercase word tokens with plurals folded: "Domain Controllers" → ["domain", "controller"].
#[must_use]
pub fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '$' || c == '&'))
        .filter(|t| !t.is_empty())
        .map(|t| singular(&t.to_lowercase()))
        .collect()
}

/// Words that open a subordinate clause: what follows them up to the first comma is a
/// circumstance ("When the task is executed, the attacker moves on"), not what a sentence states.
const SUBORDINATORS: &[&str] = &[
    "when", "whenever", "after", "once", "if", "while", "before", "upon", "since", "until",
];

/// The main clause of a sentence: the text after a leading subordinate or participle clause
/// ("Thinking it is a normal document, the user opens it"), or all of it.
#[must_use]
pub fn main_clause(sentence: &str) -> &str {
    let trimmed = sentence.trim_start();
    let first = trimmed
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_lowercase();
    let participle = first.len() > 4 && first.ends_with("ing");
    match trimmed.split_once(',') {
        Some((_, rest)) if participle || SUBORDINATORS.contains(&first.as_str()) => rest,
        _ => sentence,
    }
}

/// Folds a plural English noun to its singular; leaves other words alone.
fn singular(word: &str) -> String {
    if word.len() <= 3 || word.chars().any(|c| c.is_ascii_digit()) {
        return word.to_owned();
    }
    if let Some(stem) = word.strip_suffix("ies") {
        return format!("{stem}y");
    }
    if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") {
        return word.to_owned();
    }
    word.strip_suffix('s').unwrap_or(word).to_owned()
}

/// A slug for a minted IRI: tokens joined by `-`, only `[a-z0-9-]`.
#[must_use]
pub fn slug(words: &[String]) -> String {
    let joined = words.join("-");
    joined
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Where `needle` occurs as a contiguous run of `haystack`'s tokens.
#[must_use]
pub fn find_run(haystack: &[String], needle: &[String]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    (0..=haystack.len() - needle.len()).find(|&i| haystack[i..i + needle.len()] == *needle)
}

/// Every place where `needle` occurs as a contiguous run of `haystack`'s tokens.
pub fn find_runs<'a>(
    haystack: &'a [String],
    needle: &'a [String],
) -> impl Iterator<Item = usize> + 'a {
    let last = if needle.is_empty() {
        0
    } else {
        (haystack.len() + 1).saturating_sub(needle.len())
    };
    (0..last).filter(move |&i| haystack[i..i + needle.len()] == *needle)
}

/// A software name without what only says how it was packaged: a `.exe` / `.dll` extension,
/// an architecture suffix, or a trailing word such as "beacons" or "payload".
#[must_use]
pub fn software_core(name: &str) -> Vec<String> {
    let trimmed = name.trim();
    let lower = trimmed.to_lowercase();
    let stem = [".exe", ".dll", ".bin"]
        .iter()
        .find_map(|ext| lower.strip_suffix(ext))
        .unwrap_or(&lower);
    let mut words = tokens(stem);
    while words.len() > 1
        && matches!(
            words.last().map(String::as_str),
            Some(
                "beacon"
                    | "payload"
                    | "dll"
                    | "exe"
                    | "implant"
                    | "binary"
                    | "sample"
                    | "malware"
                    | "tool"
            )
        )
    {
        words.pop();
    }
    // "PsExec64" is PsExec built for 64 bits; "rundll32" and "win32" are names of their own.
    if let Some(last) = words.last_mut() {
        if last.len() > 4 && last.ends_with("64") {
            last.truncate(last.len() - 2);
        }
    }
    words
}

/// Words that describe what a thing is without naming it: a name made only of these is a
/// description ("Batch Script", "JSP webshell", "PE file") and names no particular software.
const GENERIC: &[&str] = &[
    "added",
    "additional",
    "application",
    "archive",
    "backdoor",
    "bash",
    "batch",
    "binary",
    "boot",
    "code",
    "custom",
    "document",
    "dropper",
    "executable",
    "exe",
    "file",
    "implant",
    "java",
    "jsp",
    "loader",
    "lolbin",
    "macro",
    "maldoc",
    "malicious",
    "malware",
    "msi",
    "package",
    "payload",
    "pe",
    "php",
    "prompt",
    "python",
    "ransomware",
    "remote",
    "reverse",
    "scanner",
    "script",
    "service",
    "shell",
    "special",
    "stager",
    "the",
    "tmp",
    "tool",
    "transferred",
    "trojan",
    "unknown",
    "vbscript",
    "web",
    "webshell",
    "window",
    "windows",
    "wiper",
    "worm",
    "xl",
    "xls",
    "zip",
    "of",
    "and",
    "a",
    "initial",
    "access",
    "cookie",
    "new",
    "other",
    "various",
    "multiple",
    "several",
];

/// Whether a name is only generic words.
#[must_use]
pub fn is_generic(words: &[String]) -> bool {
    words
        .iter()
        .all(|w| GENERIC.contains(&w.as_str()) || w.len() < 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn folds_case_punctuation_and_plurals() {
        assert_eq!(tokens("Domain Controllers"), s(&["domain", "controller"]));
        assert_eq!(tokens("Multiple Proxies"), s(&["multiple", "proxy"]));
        assert_eq!(tokens("ADMIN$"), s(&["admin$"]));
        assert_eq!(
            tokens("Public-Facing Web Servers"),
            s(&["public", "facing", "web", "server"])
        );
    }

    #[test]
    fn software_names_lose_their_packaging() {
        assert_eq!(
            software_core("Cobalt Strike beacons"),
            s(&["cobalt", "strike"])
        );
        assert_eq!(software_core("rundll32.exe"), s(&["rundll32"]));
        assert_eq!(software_core("PsExec64.exe"), s(&["psexec"]));
        assert_eq!(software_core("IcedID DLL"), s(&["icedid"]));
        assert_eq!(software_core("sage.exe\n"), s(&["sage"]));
    }

    #[test]
    fn generic_names_are_recognised() {
        assert!(is_generic(&tokens("Batch Script")));
        assert!(is_generic(&tokens("JSP webshell")));
        assert!(is_generic(&tokens("PE file")));
        assert!(!is_generic(&tokens("Mimikatz")));
        assert!(!is_generic(&tokens("EPIC Guard")));
    }
}
