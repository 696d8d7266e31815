//! Vocabulary terms as constants: the `af:` ontology, the namespaces flowkg mints IRIs in, and
//! the standard terms it uses. A test checks every `af:` term against `ontology/af.ttl`.

/// Namespace bases.
pub mod ns {
    /// The Attack Flow vocabulary (`af:`).
    pub const AF: &str = "https://w3id.org/flowkg/af#";
    /// Source properties kept under their own names (`prop:`), for every property that has no
    /// `af:` term: `prop:x_mitre_version`, `prop:SHA-256` ...
    pub const PROP: &str = "https://w3id.org/flowkg/af/prop#";
    /// Shared namespaces (ATT&CK, asset kinds, software ...).
    pub const SHARED: &str = "https://w3id.org/flowkg/ns/";
    /// ATT&CK tactics and techniques (Enterprise, Mobile, ICS).
    pub const ATTACK: &str = "https://w3id.org/flowkg/ns/attack/";
    /// MITRE ATLAS tactics and techniques.
    pub const ATLAS: &str = "https://w3id.org/flowkg/ns/atlas/";
    /// MITRE D3FEND techniques.
    pub const D3FEND: &str = "https://w3id.org/flowkg/ns/d3fend/";
    /// The F3 (Fight Fraud Framework) techniques.
    pub const F3: &str = "https://w3id.org/flowkg/ns/f3/";
    /// Positions in a nested list, in the OWL view: `item:_1`, `item:_2` ... (`rdf:_1` elsewhere).
    pub const ITEM: &str = "https://w3id.org/flowkg/af/item#";
    /// The default base of instance data (flows and their nodes): a URN, so that it collides
    /// with nobody's web IRIs. Organisations set their own with `--base`.
    pub const DEFAULT_INSTANCE_BASE: &str = "urn:flowkg:";
}

/// The prefixes written in Turtle, TriG, RDF/XML and JSON-LD output.
pub const PREFIXES: [(&str, &str); 12] = [
    ("af", ns::AF),
    ("prop", ns::PROP),
    ("attack", ns::ATTACK),
    ("atlas", ns::ATLAS),
    ("d3fend", ns::D3FEND),
    ("f3", ns::F3),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("dcterms", "http://purl.org/dc/terms/"),
];

macro_rules! terms {
    ($( $(#[$doc:meta])* $name:ident = $local:literal; )*) => {
        $( $(#[$doc])* pub const $name: oxigraph::model::NamedNodeRef<'static> =
            oxigraph::model::NamedNodeRef::new_unchecked(concat!("https://w3id.org/flowkg/af#", $local)); )*
        /// Every `af:` term this module defines, with its local name.
        pub const ALL: &[(&str, oxigraph::model::NamedNodeRef<'static>)] = &[ $( ($local, $name), )* ];
    };
}

/// The `af:` vocabulary (`https://w3id.org/flowkg/af#`), documented in `ontology/af.ttl`.
pub mod af {
    terms! {
        // Classes: flow nodes.
        /// An attack flow: one document, one named graph.
        FLOW = "Flow";
        /// An adversary action (`attack-action`).
        ACTION = "Action";
        /// An asset the adversary acts on (`attack-asset`).
        ASSET = "Asset";
        /// A condition with true / false branches (`attack-condition`).
        CONDITION = "Condition";
        /// An AND / OR operator (`attack-operator`).
        OPERATOR = "Operator";
        /// Any STIX object of a flow.
        STIX_OBJECT = "StixObject";
        /// A STIX relationship (SRO).
        RELATIONSHIP = "Relationship";
        /// A dictionary value nested in an object (external reference, hashes, extension ...).
        STRUCTURE = "Structure";
        /// The container a flow was read from (bundle, `.afb` file, legacy document).
        DOCUMENT = "Document";
        /// A legacy 2022 relationship statement.
        LEGACY_RELATIONSHIP = "LegacyRelationship";
        /// A legacy 2022 data property statement.
        DATA_PROPERTY = "DataProperty";
        /// A legacy 2022 object property statement.
        OBJECT_PROPERTY = "ObjectProperty";
        /// An ATT&CK (or ATLAS, D3FEND, F3) technique.
        TECHNIQUE = "Technique";
        /// An ATT&CK (or ATLAS) tactic.
        TACTIC = "Tactic";
        /// A sub-technique (`T1059.001`); `skos:broader` leads to its parent.
        SUB_TECHNIQUE = "SubTechnique";
        /// A way through a flow from a start action to an impact action (materialised).
        IMPACT_PATH = "ImpactPath";

        // Flow structure.
        /// Flow → its first actions and conditions (`start_refs`).
        START = "start";
        /// Action or operator → what it leads to (`effect_refs`).
        EFFECT = "effect";
        /// Condition → what follows when it holds (`on_true_refs`).
        ON_TRUE = "onTrue";
        /// Condition → what follows when it does not hold (`on_false_refs`).
        ON_FALSE = "onFalse";
        /// Action → an asset it acts on (`asset_refs`).
        ASSET_REF = "asset";
        /// Action → the process it ran (`command_ref`).
        COMMAND = "command";
        /// Asset → the STIX object it stands for (`object_ref`).
        OBJECT = "object";
        /// Note, report, grouping, opinion, observed-data → what it is about (`object_refs`).
        REFERS_TO = "refersTo";
        /// Relationship → its source (`source_ref`).
        SOURCE = "source";
        /// Relationship → its target (`target_ref`).
        TARGET = "target";
        /// Object → the identity that created it (`created_by_ref`).
        CREATED_BY = "createdBy";
        /// Relationship → its type (`relationship_type`), e.g. "related-to".
        RELATIONSHIP_TYPE = "relationshipType";
        /// Source node → target node, materialised from a `related-to` (or other) relationship.
        RELATED_TO = "relatedTo";
        /// Object → a nested dictionary value.
        HAS_STRUCTURE = "structure";

        // Techniques.
        /// Action → the technique it uses (shared IRI).
        TECHNIQUE_REF = "technique";
        /// Action → the tactic it serves (shared IRI).
        TACTIC_REF = "tactic";
        /// The technique id as written in the source.
        TECHNIQUE_ID = "techniqueId";
        /// The tactic id as written in the source.
        TACTIC_ID = "tacticId";
        /// Technique → the ATT&CK domain it belongs to (enterprise-attack, mobile-attack, ics-attack).
        ATTACK_DOMAIN = "attackDomain";
        /// Tactic → its ATT&CK short name (`initial-access`).
        SHORT_NAME = "shortName";
        /// Revoked technique → the technique ATT&CK revoked it in favour of.
        REVOKED_BY = "revokedBy";
        /// Concept scheme → the ATT&CK version it was generated from.
        ATTACK_VERSION = "attackVersion";
        /// Action → its technique and, for a sub-technique, also the parent technique
        /// (materialised so sub-technique-aware questions are plain joins).
        TECHNIQUE_OR_PARENT = "techniqueOrParent";
        /// Action → every technique it counts as: its own, the parent, the techniques ATT&CK
        /// replaced either with, and theirs (the `skos:broader` / `dcterms:isReplacedBy`
        /// closure, materialised so technique questions are index look-ups).
        MATCHES_TECHNIQUE = "matchesTechnique";
        /// Action → an action that comes right after it, with only operators, conditions or
        /// (legacy) assets between (materialised so sequence questions are plain joins).
        FOLLOWED_BY = "followedBy";
        /// Impact path → the action it starts at: one nothing in the flow leads to.
        STARTS_AT = "startsAt";
        /// Impact path → the action it ends at: one whose tactic (its own or its technique's)
        /// is Impact.
        ENDS_AT = "endsAt";
        /// Impact path → every node on some way from its start to its end, both included.
        PASSES_THROUGH = "passesThrough";

        // Resolution.
        /// Node → the shared entity it is (same software, vulnerability, actor, campaign or
        /// observable); materialised beside `owl:sameAs` as the join key for queries.
        ENTITY = "entity";
        /// Asset or infrastructure node → the asset kind it is an occurrence of.
        ASSET_KIND = "assetKind";
        /// Condition or legacy asset state → the state it expresses.
        EXPRESSES_STATE = "expressesState";

        // Literal properties.
        /// The STIX id (or legacy id) of an object, as in the source.
        STIX_ID = "stixId";
        /// The STIX type of an object.
        STIX_TYPE = "stixType";
        /// Name.
        NAME = "name";
        /// Description.
        DESCRIPTION = "description";
        /// AND or OR.
        OPERATOR_KIND = "operator";
        /// Scope of a flow (incident, campaign, threat-actor ...).
        SCOPE = "scope";
        /// Creation time.
        CREATED = "created";
        /// Modification time.
        MODIFIED = "modified";
        /// Confidence (0–100 in STIX; 0–1 in legacy flows).
        CONFIDENCE = "confidence";
        /// The state of an asset (legacy), or a state a condition or property expresses.
        STATE = "state";

        // Legacy statements.
        /// The predicate of a legacy statement, as written (an IRI in the source).
        PREDICATE = "predicate";
        /// The value of a legacy data or object property.
        VALUE = "value";
        /// Asset (its state) → the action that requires it (legacy `state`, `required-by`,
        /// whichever way the source wrote it).
        REQUIRED_BY = "requiredBy";
        /// Action → the asset (state) it provides (legacy `state-change`, `provides`, whichever
        /// way the source wrote it).
        PROVIDES = "provides";
        /// Legacy `flow-edge`: the flow includes this action or asset.
        FLOW_EDGE = "flowEdge";

        // Provenance.
        /// Flow → the document it was read from.
        DOCUMENT_REF = "document";
        /// Document → the source format (stix, afb, legacy).
        SOURCE_FORMAT = "sourceFormat";
        /// Document → the file it was read from.
        SOURCE_PATH = "sourcePath";
        /// Document → SHA-256 of its bytes.
        CONTENT_SHA256 = "contentSha256";
        /// Document → the version of flowkg's mapping that wrote its flow's graph
        /// ([`crate::map::MAPPING_VERSION`]).
        MAPPING_VERSION = "mappingVersion";
        /// Flow → the key identifying it in a store.
        FLOW_KEY = "flowKey";
        /// The JSON `null` of a source property that was explicitly null.
        NULL = "null";
        /// Node → a property (its predicate IRI) whose source value is a JSON list of one item
        /// (or with repeated items): such a list and a single value give the same triples.
        LIST_PROPERTY = "listProperty";

        // The OWL 2 DL view (`flowkg export --owl`), where `af:null`, `rdf:nil` and `rdf:Seq`
        // cannot stand as values.
        /// A list nested in a list (`rdf:Seq` in the regular export).
        SEQUENCE = "Sequence";
        /// Node → a property the source gave as JSON `null` (`node p af:null` elsewhere).
        NULL_FOR = "nullFor";
        /// Node → a property the source gave as an empty list (`node p rdf:nil` elsewhere).
        EMPTY_FOR = "emptyFor";
    }
}

/// Standard vocabularies used in the output.
pub mod std_terms {
    pub use oxigraph::model::vocab::{rdf, rdfs, xsd};
}
