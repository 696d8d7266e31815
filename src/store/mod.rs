//! The embedded Oxigraph store of flows: in memory, or on disk (RocksDB).
//!
//! Each flow lives in its own named graph. Loading a flow replaces exactly that graph, in one
//! transaction, so a flow is in the store completely or not at all. Large first-time loads go
//! through Oxigraph's bulk loader, which is atomic at its commit.

use crate::Result;
use crate::map::{MAPPING_VERSION, MappedFlow};
use crate::vocab::{af, std_terms::rdf};
use oxigraph::model::{
    GraphName, GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, QuadRef,
};
use oxigraph::sparql::QueryResults;
use oxigraph::store::Store;
use std::path::Path;

/// How many graphs each reader of [`FlowStore::for_each_graph`] decodes ahead of the writer.
const GRAPHS_AHEAD: usize = 4;

/// Loads with fewer new flows than this go through transactions; more use the bulk loader.
const DEFAULT_BULK_THRESHOLD: usize = 256;

/// Quads handed to the bulk loader at once: each batch becomes sorted files on a thread of
/// its own while the next batch fills. At 10,000 flows, 250,000 loaded as fast as 500,000
/// with 40% less memory; 1,000,000 was 30% slower.
const BULK_BATCH_QUADS: usize = 250_000;

/// A store of flows, one named graph each.
#[derive(Clone)]
pub struct FlowStore {
    store: Store,
    bulk_threshold: usize,
}

impl FlowStore {
    /// A new empty in-memory store.
    pub fn in_memory() -> Result<Self> {
        Ok(Self::wrap(Store::new()?))
    }

    /// Opens (or creates) the on-disk store in `dir` for reading and writing. A new store is
    /// created beside `dir` and renamed into place, so a process killed while creating it
    /// leaves no half-made store behind.
    ///
    /// Needs the cargo feature `rocksdb` (on by default); without it this is an error.
    pub fn open(dir: &Path) -> Result<Self> {
        disk::open(dir).map(Self::wrap)
    }

    /// Opens an existing on-disk store read-only (several readers may share it).
    ///
    /// Needs the cargo feature `rocksdb` (on by default); without it this is an error.
    pub fn open_read_only(dir: &Path) -> Result<Self> {
        disk::open_read_only(dir).map(Self::wrap)
    }

    fn wrap(store: Store) -> Self {
        Self {
            store,
            bulk_threshold: DEFAULT_BULK_THRESHOLD,
        }
    }

    /// Sets from how many new flows on a load uses the bulk loader (one atomic commit per
    /// chunk of that many whole flows) instead of one transaction per flow.
    #[must_use]
    pub fn with_bulk_threshold(mut self, flows: usize) -> Self {
        self.bulk_threshold = flows.max(1);
        self
    }

    /// The Oxigraph store underneath, for queries and anything else Oxigraph offers.
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Replaces the flow's graph with its quads, in one transaction.
    pub fn replace(&self, flow: &MappedFlow) -> Result<()> {
        let mut transaction = self.store.start_transaction()?;
        let graph = GraphNameRef::NamedNode(flow.graph.as_ref());
        if transaction.contains_named_graph(flow.graph.as_ref())? {
            transaction.clear_graph(graph)?;
        }
        transaction.insert_named_graph(flow.graph.as_ref());
        transaction.extend(flow.quads.iter().map(QuadRef::from));
        transaction.commit()?;
        Ok(())
    }

    /// Loads many flows with a [`FlowStore::loader`]: flows new to the store in bulk (one atomic
    /// commit for all of them), flows already present each replaced in its own transaction.
    /// `progress` is called with the number of flows handed over.
    pub fn load_all(&self, flows: &[MappedFlow], progress: &dyn Fn(usize)) -> Result<()> {
        let mut loader = self.loader(flows.len());
        for (done, flow) in flows.iter().enumerate() {
            loader.add(flow.clone())?;
            progress(done + 1);
        }
        loader.commit()?;
        Ok(())
    }

    /// A loader for a stream of flows, of which about `expected` are coming: with at least the
    /// bulk threshold, flows new to the store go through Oxigraph's bulk loader in batches,
    /// committed once, at [`FlowLoader::commit`]; flows already present, and all flows of small
    /// loads, are replaced each in its own transaction. Memory is bounded by the batch size,
    /// not by the number of flows: the batches wait on disk, as sorted files, for the commit.
    ///
    /// One commit, as `oxigraph load` makes: each commit adds its files to the store, which
    /// RocksDB then compacts in the background. Committing every 10 M quads, as flowkg did,
    /// had it compact the growing store again and again while the load went on: 100,000 flows
    /// took 889 s to load, against 578 s now (the same machine, files and peak RSS 1.95 GB
    /// against 1.06 GB, with 500,000-quad batches then).
    #[must_use]
    pub fn loader(&self, expected: usize) -> FlowLoader<'_> {
        FlowLoader {
            store: self,
            bulk: (expected >= self.bulk_threshold).then(|| self.store.bulk_loader()),
            batch: Vec::new(),
            flows: 0,
            present: None,
        }
    }

    /// Loads the built-in shared namespaces (ATT&CK ...) into their graphs, unless the store
    /// already holds the same version; returns how many it (re)loaded.
    pub fn ensure_namespaces(&self) -> Result<usize> {
        let mut loaded = 0;
        for namespace in crate::namespaces::BUILT_IN {
            let graph = namespace.graph_iri();
            let current = self.store.contains(QuadRef::new(
                graph.as_ref(),
                af::CONTENT_SHA256,
                oxigraph::model::LiteralRef::new_simple_literal(&namespace.version_hash()),
                GraphNameRef::NamedNode(graph.as_ref()),
            ))?;
            if !current {
                self.replace(&MappedFlow {
                    graph,
                    quads: namespace.quads()?,
                    diagnostics: Vec::new(),
                    decisions: Vec::new(),
                })?;
                loaded += 1;
            }
        }
        Ok(loaded)
    }

    /// Whether a named graph is in the store: a flow's, or a shared namespace's (see
    /// [`FlowStore::find`] for flows alone).
    pub fn contains_graph(&self, graph: NamedNodeRef<'_>) -> Result<bool> {
        Ok(self.store.contains_named_graph(graph)?)
    }

    /// The quads of one graph.
    pub fn graph_quads(&self, graph: NamedNodeRef<'_>) -> Result<Vec<oxigraph::model::Quad>> {
        self.quads_in(GraphNameRef::NamedNode(graph))
    }

    /// Removes a named graph, a flow's (or a shared namespace's: it is not checked); returns
    /// whether it was there.
    pub fn remove(&self, graph: NamedNodeRef<'_>) -> Result<bool> {
        let present = self.contains_graph(graph)?;
        if present {
            self.store.remove_named_graph(graph)?;
        }
        Ok(present)
    }

    /// The flow graphs in the store with their flow keys and names.
    pub fn flows(&self) -> Result<Vec<StoredFlow>> {
        let mut flows = Vec::new();
        for graph in self.store.named_graphs() {
            let NamedOrBlankNode::NamedNode(graph) = graph? else {
                continue;
            };
            if crate::namespaces::BUILT_IN
                .iter()
                .any(|n| n.graph == graph.as_str())
            {
                continue;
            }
            let value = |predicate: NamedNodeRef<'_>| -> Result<Option<String>> {
                let mut quads = self.store.quads_for_pattern(
                    Some(graph.as_ref().into()),
                    Some(predicate),
                    None,
                    Some(GraphNameRef::NamedNode(graph.as_ref())),
                );
                Ok(match quads.next().transpose()? {
                    Some(quad) => match quad.object {
                        oxigraph::model::Term::Literal(l) => Some(l.value().to_owned()),
                        other => Some(other.to_string()),
                    },
                    None => None,
                })
            };
            flows.push(StoredFlow {
                key: value(af::FLOW_KEY)?,
                name: value(af::NAME)?,
                graph,
            });
        }
        Ok(flows)
    }

    /// Finds flows by flow key, graph IRI, STIX id of the flow, or source path: index look-ups,
    /// so the cost does not grow with the number of flows in the store.
    pub fn find(&self, what: &str) -> Result<Vec<NamedNode>> {
        let mut graphs: Vec<NamedNode> = Vec::new();
        let mut add = |graph: NamedNode| {
            if !graphs.contains(&graph) {
                graphs.push(graph);
            }
        };
        if let Ok(iri) = NamedNodeRef::new(what) {
            if self.is_flow(iri)? {
                add(iri.into_owned());
            }
        }
        let literal = oxigraph::model::LiteralRef::new_simple_literal(what);
        // The flow key and the flow's STIX id are said of the flow node, in its own graph.
        for predicate in [af::FLOW_KEY, af::STIX_ID] {
            for quad in
                self.store
                    .quads_for_pattern(None, Some(predicate), Some(literal.into()), None)
            {
                let quad = quad?;
                if let (NamedOrBlankNode::NamedNode(node), GraphName::NamedNode(graph)) =
                    (&quad.subject, &quad.graph_name)
                {
                    if node == graph && self.is_flow(graph.as_ref())? {
                        add(graph.clone());
                    }
                }
            }
        }
        // The source path is said of the flow's document node.
        for quad in
            self.store
                .quads_for_pattern(None, Some(af::SOURCE_PATH), Some(literal.into()), None)
        {
            let quad = quad?;
            if let GraphName::NamedNode(graph) = &quad.graph_name {
                let document = QuadRef::new(
                    graph.as_ref(),
                    af::DOCUMENT_REF,
                    quad.subject.as_ref(),
                    GraphNameRef::NamedNode(graph.as_ref()),
                );
                if self.store.contains(document)? && self.is_flow(graph.as_ref())? {
                    add(graph.clone());
                }
            }
        }
        Ok(graphs)
    }

    /// How many flow graphs an older flowkg wrote: their document states another
    /// [`MAPPING_VERSION`], or none (flowkg did not record it before version 1). Such graphs
    /// lack facts that the library queries rely on (the impact paths, say); loading their files
    /// again replaces them. Two counts over the indexes, which decode no string.
    pub fn stale_flows(&self) -> Result<usize> {
        let documents = self.count(&format!(
            "SELECT (COUNT(*) AS ?n) {{ GRAPH ?g {{ ?d <{}> <{}> }} }}",
            rdf::TYPE.as_str(),
            af::DOCUMENT.as_str()
        ))?;
        let current = self.count(&format!(
            "SELECT (COUNT(*) AS ?n) {{ GRAPH ?g {{ ?d <{}> {MAPPING_VERSION} }} }}",
            af::MAPPING_VERSION.as_str()
        ))?;
        Ok(documents.saturating_sub(current))
    }

    /// The number a `SELECT (COUNT(*) AS ?n)` query answers.
    fn count(&self, query: &str) -> Result<usize> {
        let failed = |e: &dyn std::fmt::Display| crate::Error::Store(format!("{query}: {e}"));
        let parsed = oxigraph::sparql::SparqlEvaluator::new()
            .parse_query(query)
            .map_err(|e| failed(&e))?;
        let results = parsed.on_store(&self.store).execute();
        let QueryResults::Solutions(mut rows) = results.map_err(|e| failed(&e))? else {
            return Ok(0);
        };
        let row = rows.next().transpose().map_err(|e| failed(&e))?;
        match row.and_then(|row| row.get("n").cloned()) {
            Some(oxigraph::model::Term::Literal(n)) => n.value().parse().map_err(|e| failed(&e)),
            other => Err(failed(&format!("no count but {other:?}"))),
        }
    }

    /// Whether a graph holds a flow (a namespace graph does not).
    fn is_flow(&self, graph: NamedNodeRef<'_>) -> Result<bool> {
        let flow = QuadRef::new(graph, rdf::TYPE, af::FLOW, GraphNameRef::NamedNode(graph));
        Ok(self.store.contains(flow)?)
    }

    /// Hands the quads of the store to `each` one graph at a time (the default graph, then
    /// each named graph), so a whole store is written in memory the size of a few graphs.
    /// Decoding a graph's terms is a dictionary look-up per term in RocksDB, so the graphs are
    /// read on every core, a few ahead, and handed over in order.
    pub fn for_each_graph(&self, mut each: impl FnMut(&[Quad]) -> Result<()>) -> Result<()> {
        let default = self.quads_in(GraphNameRef::DefaultGraph)?;
        if !default.is_empty() {
            each(&default)?;
        }
        let graphs = self
            .store
            .named_graphs()
            .collect::<std::result::Result<Vec<_>, _>>()?;
        crate::pipeline::for_each_in_order(
            graphs,
            crate::pipeline::default_workers(),
            GRAPHS_AHEAD,
            |graph| self.quads_in(graph.as_ref().into()),
            |quads| {
                each(&quads?)?;
                Ok(true)
            },
        )
    }

    /// Every quad of one graph, the default graph included.
    fn quads_in(&self, graph: GraphNameRef<'_>) -> Result<Vec<Quad>> {
        Ok(self
            .store
            .quads_for_pattern(None, None, None, Some(graph))
            .collect::<std::result::Result<Vec<_>, _>>()?)
    }

    /// The names of the store's named graphs (flows and namespaces).
    fn graph_names(&self) -> Result<std::collections::HashSet<NamedNode>> {
        let mut names = std::collections::HashSet::new();
        for graph in self.store.named_graphs() {
            if let NamedOrBlankNode::NamedNode(graph) = graph? {
                names.insert(graph);
            }
        }
        Ok(names)
    }

    /// Compacts the on-disk store. After a bulk load the data sits in many sorted files that
    /// every look-up visits, so queries slow down as loads add up (6.5x at 10,000 flows);
    /// compaction merges them. Minutes on a large store (`oxigraph optimize` took 5 minutes at
    /// 100,000 flows); a no-op in memory.
    pub fn optimize(&self) -> Result<()> {
        #[cfg(feature = "rocksdb")]
        self.store.optimize()?;
        Ok(())
    }

    /// Number of quads in the store.
    pub fn len(&self) -> Result<usize> {
        Ok(self.store.len()?)
    }

    /// Whether the store holds nothing.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.store.is_empty()?)
    }

    /// Writes everything to disk (a no-op in memory).
    pub fn flush(&self) -> Result<()> {
        #[cfg(feature = "rocksdb")]
        self.store.flush()?;
        Ok(())
    }
}

/// Streams flows into a store; see [`FlowStore::loader`]. Flows added but not committed are
/// not in the store: [`FlowLoader::commit`] ends every load, also one that stops at a failure.
pub struct FlowLoader<'s> {
    store: &'s FlowStore,
    bulk: Option<oxigraph::store::BulkLoader<'s>>,
    batch: Vec<oxigraph::model::Quad>,
    flows: usize,
    /// The flow graphs in the store when the bulk load began, read once, and those it added: a
    /// new flow is told from a replacement without a look-up per flow in a store the load
    /// leaves uncompacted.
    present: Option<std::collections::HashSet<NamedNode>>,
}

impl FlowLoader<'_> {
    /// Whether this load goes through the bulk loader (see [`FlowStore::loader`]): a load after
    /// which [`FlowStore::optimize`] pays off.
    #[must_use]
    pub fn is_bulk(&self) -> bool {
        self.bulk.is_some()
    }

    /// Adds one flow.
    pub fn add(&mut self, flow: MappedFlow) -> Result<()> {
        self.flows += 1;
        if self.bulk.is_none() || !self.present()?.insert(flow.graph.clone()) {
            return self.store.replace(&flow);
        }
        self.batch.extend(flow.quads);
        if self.batch.len() >= BULK_BATCH_QUADS {
            self.send_batch()?;
        }
        Ok(())
    }

    fn present(&mut self) -> Result<&mut std::collections::HashSet<NamedNode>> {
        let present = match self.present.take() {
            Some(present) => present,
            None => self.store.graph_names()?,
        };
        Ok(self.present.insert(present))
    }

    fn send_batch(&mut self) -> Result<()> {
        if let Some(bulk) = &mut self.bulk {
            bulk.load_quads(std::mem::take(&mut self.batch))?;
        }
        Ok(())
    }

    /// Writes what remains and commits the bulk load; returns how many flows were added.
    pub fn commit(mut self) -> Result<usize> {
        self.send_batch()?;
        if let Some(bulk) = self.bulk.take() {
            bulk.commit()?;
        }
        Ok(self.flows)
    }
}

/// The on-disk (RocksDB) store.
#[cfg(feature = "rocksdb")]
mod disk {
    use crate::{Error, Result};
    use oxigraph::store::Store;
    use std::path::Path;

    pub(super) fn open(dir: &Path) -> Result<Store> {
        if !dir.join("CURRENT").exists() {
            create_atomically(dir)?;
        }
        let store =
            Store::open(dir).map_err(|e| Error::Store(format!("{}: {e}", dir.display())))?;
        remove_unloaded_batches(dir)?;
        Ok(store)
    }

    /// Removes the sorted files of a bulk load that was killed before its commit. Oxigraph
    /// writes them into the store's folder as `bulk-*.sst`, and RocksDB, which does not know
    /// them, would keep them for ever. The store is open for writing here, and RocksDB lets one
    /// process do that, so no live load owns them.
    fn remove_unloaded_batches(dir: &Path) -> Result<()> {
        let io = |e: std::io::Error| Error::Store(format!("{}: {e}", dir.display()));
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.starts_with("bulk-") && name.ends_with(".sst") {
                std::fs::remove_file(&path).map_err(io)?;
            }
        }
        Ok(())
    }

    pub(super) fn open_read_only(dir: &Path) -> Result<Store> {
        if !dir.join("CURRENT").exists() {
            return Err(Error::Store(format!(
                "{}: no flowkg store here (load flows into it first with `flowkg load --store {}`)",
                dir.display(),
                dir.display()
            )));
        }
        Store::open_read_only(dir).map_err(|e| Error::Store(format!("{}: {e}", dir.display())))
    }

    /// Creates an empty store in a sibling folder, then renames it to `dir` (which must be absent
    /// or an empty folder).
    fn create_atomically(dir: &Path) -> Result<()> {
        let io = |e: std::io::Error| Error::Store(format!("{}: {e}", dir.display()));
        if dir.exists() {
            if std::fs::read_dir(dir).map_err(io)?.next().is_some() {
                return Err(Error::Store(format!(
                    "{}: not a flowkg store, and not empty: refusing to write into it",
                    dir.display()
                )));
            }
            std::fs::remove_dir(dir).map_err(io)?;
        }
        let name = dir
            .file_name()
            .map_or_else(|| "store".into(), |n| n.to_string_lossy().into_owned());
        let parent = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(io)?;
        let staging = parent.join(format!(".{name}.creating-{}", std::process::id()));
        {
            let store = Store::open(&staging)
                .map_err(|e| Error::Store(format!("{}: {e}", staging.display())))?;
            store.flush()?;
        }
        std::fs::rename(&staging, dir).map_err(io)
    }
}

/// A build without the on-disk store: opening one is an error that says why.
#[cfg(not(feature = "rocksdb"))]
mod disk {
    use crate::{Error, Result};
    use oxigraph::store::Store;
    use std::path::Path;

    fn unavailable(dir: &Path) -> Error {
        Error::Store(format!(
            "{}: this flowkg was built without the on-disk store (cargo feature `rocksdb`); \
             only in-memory stores are available",
            dir.display()
        ))
    }

    pub(super) fn open(dir: &Path) -> Result<Store> {
        Err(unavailable(dir))
    }

    pub(super) fn open_read_only(dir: &Path) -> Result<Store> {
        Err(unavailable(dir))
    }
}

/// A flow as the store lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFlow {
    pub graph: NamedNode,
    pub key: Option<String>,
    pub name: Option<String>,
}
