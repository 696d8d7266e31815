"""Queries a flowkg endpoint with SPARQLWrapper in all four result formats.

Usage: python3 sparqlwrapper.py http://127.0.0.1:PORT/sparql
Prints one line per format, "FORMAT: N flows", and exits non-zero on any mismatch.
"""

import csv
import io
import sys

from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

QUERY = """
PREFIX af: <https://w3id.org/flowkg/af#>
SELECT ?name WHERE { ?flow a af:Flow ; af:name ?name } ORDER BY ?name
"""


def names(fmt, result):
    if fmt == JSON:
        return [b["name"]["value"] for b in result["results"]["bindings"]]
    if fmt == XML:
        return [
            node.firstChild.nodeValue
            for node in result.getElementsByTagName("literal")
        ]
    text = result.decode("utf-8") if isinstance(result, bytes) else result
    delimiter = "," if fmt == CSV else "\t"
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    values = [row[0] for row in rows[1:]]
    # TSV cells are RDF terms: "literal".
    return [v[1:-1] if fmt == TSV and v.startswith('"') else v for v in values]


def main():
    endpoint = SPARQLWrapper(sys.argv[1])
    endpoint.setQuery(QUERY)
    expected = None
    for label, fmt in (("json", JSON), ("xml", XML), ("csv", CSV), ("tsv", TSV)):
        endpoint.setReturnFormat(fmt)
        found = names(fmt, endpoint.query().convert())
        if expected is None:
            expected = found
        if found != expected or len(found) != 3:
            print(f"{label}: expected {expected}, got {found}")
            sys.exit(1)
        print(f"{label}: {len(found)} flows")


if __name__ == "__main__":
    main()
