//! The query page at `/`: a SPARQL editor that runs against `/sparql`, with every library
//! query one click away, and the library as JSON at `/library`.

use super::respond;
use crate::query::library::LIBRARY;
use oxhttp::model::{Body, Response, StatusCode};

/// The library as JSON: name, question, parameters and text of each query.
fn library_value() -> serde_json::Value {
    let queries: Vec<serde_json::Value> = LIBRARY
        .iter()
        .map(|query| {
            let parameters: Vec<serde_json::Value> = query
                .parameters()
                .unwrap_or_default()
                .into_iter()
                .map(|p| {
                    serde_json::json!({
                        "name": p.name,
                        "variable": p.variable,
                        "description": p.description,
                    })
                })
                .collect();
            serde_json::json!({
                "name": query.name,
                "question": query.question(),
                "parameters": parameters,
                "query": query.text,
            })
        })
        .collect();
    serde_json::Value::Array(queries)
}

pub(super) fn library_json() -> Response<Body> {
    respond(
        StatusCode::OK,
        "application/json",
        library_value().to_string(),
    )
}

pub(super) fn response() -> Response<Body> {
    // `</` cannot end the script element early once escaped.
    let library = library_value().to_string().replace("</", "<\\/");
    let page = PAGE.replace("/*LIBRARY*/[]", &library);
    respond(StatusCode::OK, "text/html; charset=utf-8", page)
}

const PAGE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>flowkg SPARQL</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  :root { --ink: #1d2630; --muted: #5b6773; --line: #d6dce2; --accent: #0b5cad; --bg: #f6f8fa; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); }
  header { padding: 12px 20px; border-bottom: 1px solid var(--line); display: flex; align-items: baseline; gap: 16px; }
  header h1 { font-size: 19px; margin: 0; }
  header span { color: var(--muted); font-size: 13px; }
  main { display: grid; grid-template-columns: 330px 1fr; min-height: calc(100vh - 50px); }
  nav { border-right: 1px solid var(--line); background: var(--bg); overflow-y: auto; max-height: calc(100vh - 50px); }
  nav h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 14px 16px 6px; }
  nav button { display: block; width: 100%; text-align: left; border: 0; border-bottom: 1px solid var(--line);
               background: none; padding: 8px 16px; cursor: pointer; font: inherit; color: inherit; }
  nav button:hover, nav button.active { background: #e6eef7; }
  nav button b { display: block; font-size: 13px; color: var(--accent); font-family: ui-monospace, monospace; }
  nav button small { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden;
                     font-size: 12.5px; color: var(--muted); }
  section { padding: 14px 20px; min-width: 0; }
  textarea { width: 100%; height: 210px; font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", monospace;
             border: 1px solid var(--line); border-radius: 4px; padding: 8px; }
  .bar { display: flex; gap: 10px; align-items: center; margin: 8px 0 12px; }
  .bar button { background: var(--accent); color: white; border: 0; border-radius: 4px; padding: 7px 18px; font: inherit; cursor: pointer; }
  .bar select { font: inherit; padding: 5px; }
  #status { color: var(--muted); font-size: 13px; }
  #status.error { color: #b00020; white-space: pre-wrap; }
  #question { margin: 0 0 8px; font-size: 14px; }
  table { border-collapse: collapse; font-size: 13px; width: 100%; }
  th, td { border: 1px solid var(--line); padding: 4px 7px; text-align: left; vertical-align: top; max-width: 420px; overflow-wrap: anywhere; }
  th { background: var(--bg); position: sticky; top: 0; }
  tr:nth-child(even) td { background: #fbfcfd; }
  pre { background: var(--bg); padding: 8px; overflow: auto; font-size: 12.5px; }
</style>
</head>
<body>
<header><h1>flowkg</h1><span>SPARQL 1.1 over every loaded Attack Flow &middot; endpoint <code>/sparql</code> &middot; the default graph is the union of all flows</span></header>
<main>
  <nav id="library"><h2>Query library</h2></nav>
  <section>
    <p id="question">Write a query, or pick one from the library (the <code>VALUES</code> lines hold its parameters).</p>
    <textarea id="query" spellcheck="false">SELECT ?flow ?name WHERE { ?flow a af:Flow ; af:name ?name } ORDER BY ?name LIMIT 20</textarea>
    <div class="bar">
      <button id="run">Run</button>
      <select id="format" title="Download format">
        <option value="">table</option>
        <option value="application/sparql-results+json">JSON</option>
        <option value="application/sparql-results+xml">XML</option>
        <option value="text/csv">CSV</option>
        <option value="text/tab-separated-values">TSV</option>
        <option value="text/turtle">Turtle (CONSTRUCT)</option>
      </select>
      <span id="status"></span>
    </div>
    <div id="results"></div>
  </section>
</main>
<script>
const LIBRARY = /*LIBRARY*/[];
const $ = (id) => document.getElementById(id);
function pick(entry, button) {
  document.querySelectorAll("nav button").forEach((b) => b.classList.remove("active"));
  if (button) button.classList.add("active");
  $("query").value = entry.query;
  $("question").textContent = entry.question;
  run();
}
function short(term) {
  if (!term) return "";
  if (term.type === "uri") {
    for (const [p, ns] of [["af", "https://w3id.org/flowkg/af#"], ["attack", "https://w3id.org/flowkg/ns/attack/"], ["prop", "https://w3id.org/flowkg/af/prop#"]]) {
      if (term.value.startsWith(ns)) return p + ":" + term.value.slice(ns.length);
    }
  }
  return term.value;
}
function table(json) {
  if (typeof json.boolean === "boolean") return document.createTextNode(String(json.boolean));
  const t = document.createElement("table");
  const head = t.insertRow();
  for (const v of json.head.vars) { const th = document.createElement("th"); th.textContent = v; head.appendChild(th); }
  for (const row of json.results.bindings) {
    const tr = t.insertRow();
    for (const v of json.head.vars) tr.insertCell().textContent = short(row[v]);
  }
  return t;
}
async function run() {
  const format = $("format").value;
  const accept = format || "application/sparql-results+json, text/turtle;q=0.9";
  $("status").className = ""; $("status").textContent = "running…";
  $("results").replaceChildren();
  const started = performance.now();
  try {
    const response = await fetch("/sparql", { method: "POST",
      headers: { "Content-Type": "application/sparql-query", "Accept": accept }, body: $("query").value });
    const text = await response.text();
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    if (!response.ok) { $("status").className = "error"; $("status").textContent = response.status + " " + text; return; }
    const type = response.headers.get("Content-Type") || "";
    if (type.startsWith("application/sparql-results+json")) {
      const json = JSON.parse(text);
      $("results").appendChild(table(json));
      const n = json.results ? json.results.bindings.length : 1;
      $("status").textContent = n + (n === 1 ? " row" : " rows") + " in " + seconds + " s";
    } else {
      const pre = document.createElement("pre"); pre.textContent = text; $("results").appendChild(pre);
      $("status").textContent = type + " in " + seconds + " s";
    }
  } catch (e) { $("status").className = "error"; $("status").textContent = String(e); }
}
for (const entry of LIBRARY) {
  const b = document.createElement("button");
  const name = document.createElement("b"); name.textContent = entry.name;
  const q = document.createElement("small"); q.textContent = entry.question;
  b.append(name, q); b.title = entry.question;
  b.addEventListener("click", () => pick(entry, b));
  $("library").appendChild(b);
}
$("run").addEventListener("click", run);
$("query").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run(); });
const wanted = new URLSearchParams(location.search).get("run");
const entry = LIBRARY.find((e) => e.name === wanted);
if (entry) pick(entry, [...document.querySelectorAll("nav button")][LIBRARY.indexOf(entry)]);
</script>
</body>
</html>
"##;
