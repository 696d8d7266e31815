#![doc = include_str!("../README.md")]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod correlate;
pub mod error;
pub mod export;
mod hash;
pub mod map;
pub mod model;
pub mod namespaces;
pub mod pipeline;
pub mod publish;
pub mod query;
pub mod read;
pub mod remote;
pub mod render;
pub mod resolve;
pub mod reverse;
pub mod serve;
pub mod stix_types;
pub mod store;
pub mod synth;
pub mod validate;
pub mod vocab;

pub use error::{Diagnostic, Error, Location, ReadError, Result, Severity};
pub use map::{MapOptions, MappedFlow, map_flow};
pub use model::{Flow, Object, ObjectKind, SourceFormat};
pub use read::{ReadOptions, read_bytes, read_bytes_as, read_file};
pub use store::FlowStore;
