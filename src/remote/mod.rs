//! Remote SPARQL stores that scale out (Virtuoso, GraphDB, Stardog, Amazon Neptune, QLever,
//! Fuseki, Oxigraph's server): pushing flows to them with the Graph Store HTTP Protocol and
//! querying them with the SPARQL 1.1 Protocol.

pub mod digest;
mod http;
pub mod push;
pub mod query;

pub use http::{Remote, RemoteOptions, Reply};
