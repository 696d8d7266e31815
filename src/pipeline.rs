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

/// How many files each worker may read and map ahead of the consumer.
const AHEAD: usize = 16;

/// Reads and maps the files on `workers` threads and hands the outcomes to `each` in input
/// order, so a consumer (a store's bulk loader, a writer) works while the next files are
/// parsed; see [`for_each_in_order`].
pub fn for_each_parallel<E>(
    files: Vec<Discovered>,
    read: &ReadOptions,
    map: &MapOptions,
    workers: usize,
    each: impl FnMut(Outcome) -> std::result::Result<bool, E>,
) -> std::result::Result<(), E> {
    for_each_in_order(files, workers, AHEAD, |file| process(file, read, map), each)
}

/// Runs `work` on every item on `workers` threads (each taking every `workers`-th item) and
/// hands the results to `each` in item order. Each worker runs at most `ahead` items ahead of
/// the consumer: memory does not grow with the number of items. Stops after `each` returns
/// `Ok(false)` or an error; the workers then stop too.
pub fn for_each_in_order<T: Send, R: Send, E>(
    items: Vec<T>,
    workers: usize,
    ahead: usize,
    work: impl Fn(T) -> R + Sync,
    mut each: impl FnMut(R) -> std::result::Result<bool, E>,
) -> std::result::Result<(), E> {
    let workers = workers.max(1).min(items.len().max(1));
    let total = items.len();
    if workers == 1 {
        for item in items {
            if !each(work(item))? {
                break;
            }
        }
        return Ok(());
    }
    let mut queues: Vec<Vec<T>> = (0..workers).map(|_| Vec::new()).collect();
    for (index, item) in items.into_iter().enumerate() {
        queues[index % workers].push(item);
    }
    let work = &work;
    std::thread::scope(|scope| {
        let mut receivers = Vec::with_capacity(workers);
        for queue in queues {
            let (sender, receiver) = std::sync::mpsc::sync_channel(ahead);
            receivers.push(receiver);
            scope.spawn(move || {
                for item in queue {
                    if sender.send(work(item)).is_err() {
                        break; // the consumer stopped
                    }
                }
            });
        }
        let mut result = Ok(());
        for index in 0..total {
            // A worker that ended early has panicked; the scope re-raises that panic.
            let Ok(outcome) = receivers[index % workers].recv() else {
                break;
            };
            match each(outcome) {
                Ok(true) => {}
                Ok(false) => break,
                Err(error) => {
                    result = Err(error);
                    break;
                }
            }
        }
        drop(receivers);
        result
    })
}

/// How many threads to read and map on: the machine's parallelism.
#[must_use]
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
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
