//! Any document that reads (any format) maps without a panic into quads whose every IRI is
//! valid: the N-Quads written from them parse back, quad for quad. The graph reads back into a
//! flow, and its STIX export reads again as a bundle with as many objects.
#![no_main]

use flowkg::export::stix::bundle;
use flowkg::reverse::reverse_flow;
use flowkg::{MapOptions, ReadOptions, map_flow, read_bytes};
use libfuzzer_sys::fuzz_target;
use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};

fuzz_target!(|data: &[u8]| {
    let Ok(flow) = read_bytes("fuzz.json", None, data, &ReadOptions::new()) else {
        return;
    };
    let Ok(mapped) = map_flow(&flow, &MapOptions::new()) else {
        return;
    };
    let mut writer = RdfSerializer::from_format(RdfFormat::NQuads).for_writer(Vec::new());
    for quad in &mapped.quads {
        writer.serialize_quad(quad).expect("serialises");
    }
    let nquads = writer.finish().expect("serialises");
    let parsed = RdfParser::from_format(RdfFormat::NQuads)
        .for_slice(&nquads)
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("the mapped quads are not valid N-Quads: {e}"));
    assert_eq!(parsed.len(), mapped.quads.len());

    let back = reverse_flow(mapped.graph.as_ref(), mapped.quads)
        .unwrap_or_else(|e| panic!("the mapped graph does not read back: {e}"));
    let exported = bundle(&back);
    let text = serde_json::to_vec(&exported).expect("serialises");
    let again = read_bytes("exported.json", None, &text, &ReadOptions::new())
        .unwrap_or_else(|e| panic!("the STIX export does not read back: {e}"));
    assert_eq!(
        again.objects.len(),
        exported["objects"].as_array().map_or(0, Vec::len)
    );
});
