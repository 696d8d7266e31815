//! The pipeline over many inputs: discover → read → map, one outcome per file, in order.
//!
//! Files named directly must be flows; files found inside a directory that are not flows
//! (JSON Schemas, notes, licences) are skipped with a notice, except that a `.json` or `.afb`
//! file that does not even parse is an error: it was meant to be read.

use crate::Error;
use crate::error::ReadError;
use crate::map::{MapOptions, MappedFlow, map_flow};
use crate::model::Flow;
use crate::read::{Discovered, ReadOptions, read_file};
use std::path::PathBuf;

/// What became of one input file.
#[derive(Debug)]
pub enum Outcome {
    /// Read and mapped.
    Mapped { flow: Box<Flow>, mapped: MappedFlow },
    /// Not a flow, found inside a directory: left alone.
    Skipped { path: PathBuf, reason: String },
    /// Could not be read or mapped.
    Failed { path: PathBuf, error: Error },
}

/// Reads and maps the discovered files, one at a time, in order.
pub struct Inputs<'o> {
    files: std::vec::IntoIter<Discovered>,
    read: &'o ReadOptions,
    map: &'o MapOptions,
}

impl<'o> Inputs<'o> {
    #[must_use]
    pub fn new(files: Vec<Discovered>, read: &'o ReadOptions, map: &'o MapOptions) -> Self {
        Self {
            files: files.into_iter(),
            read,
            map,
        }
    }

    /// How many files remain.
    #[must_use]
    pub fn remaining(&self) -> usize {
        self.files.len()
    }
}

impl Iterator for Inputs<'_> {
    type Item = Outcome;

    fn next(&mut self) -> Option<Outcome> {
        let file = self.files.next()?;
        Some(process(file, self.read, self.map))
    }
}

/// Reads and maps one discovered file.
#[must_use]
pub fn process(file: Discovered, read: &ReadOptions, map: &MapOptions) -> Outcome {
    match read_file(&file.path, read) {
        Ok(flow) => match map_flow(&flow, map) {
            Ok(mapped) => Outcome::Mapped {
                flow: Box::new(flow),
                mapped,
            },
            Err(error) => Outcome::Failed {
                path: file.path,
                error,
            },
        },
        Err(ReadError::NotAFlow { reason, .. }) if !file.explicit => Outcome::Skipped {
            path: file.path,
            reason,
        },
        Err(ReadError::Json { .. } | ReadError::NotUtf8 { .. })
            if !file.explicit && !file.claims_json() =>
        {
            Outcome::Skipped {
                path: file.path,
                reason: "not JSON".into(),
            }
        }
        Err(error) => Outcome::Failed {
            path: file.path,
            error: error.into(),
        },
    }
}
