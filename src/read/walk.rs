//! Finding the flow files below the paths a user names.

use std::path::{Path, PathBuf};

/// A file found below a path, with whether the user named it directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    pub path: PathBuf,
    /// Named on the command line (not found inside a directory): a file that is not a flow is
    /// then an error, not a notice.
    pub explicit: bool,
}

impl Discovered {
    /// Whether the file's name says it should hold JSON (`.json`, `.afb`): such files must
    /// parse even when found inside a directory.
    #[must_use]
    pub fn claims_json(&self) -> bool {
        self.path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("afb"))
    }
}

/// Lists the files below the given paths, each directory in sorted order, hidden entries
/// (names starting with `.`) left out.
pub fn discover(paths: &[PathBuf]) -> std::io::Result<Vec<Discovered>> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut found)?;
        } else {
            std::fs::metadata(path)?;
            found.push(Discovered {
                path: path.clone(),
                explicit: true,
            });
        }
    }
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<Discovered>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, found)?;
        } else if path.is_file() {
            found.push(Discovered {
                path,
                explicit: false,
            });
        }
    }
    Ok(())
}
