"""Loads flowkg's OWL documents in owlready2 and runs its HermiT reasoner (run by tests/owl.rs).

Usage: owlready_check.py DIR FILE...
Imports resolve from DIR (owlready2's onto_path: af.owl, attack.owl), never the web. Exit 1 when
a file does not load or HermiT finds the ontology with its imports inconsistent.
"""
import sys

import owlready2
from owlready2 import World, onto_path, sync_reasoner

def main(directory, files):
    onto_path.insert(0, directory)
    ok = True
    for path in files:
        world = World()
        onto = world.get_ontology("file://" + path).load(only_local=True)
        imports = [o.base_iri for o in onto.indirectly_imported_ontologies() if o is not onto]
        individuals = sum(1 for _ in onto.individuals())
        print(f"{path}: {onto.base_iri} loaded, imports {imports}, "
              f"{individuals} individuals, {len(world.graph)} triples in the world")
        try:
            with onto:
                sync_reasoner(world, infer_property_values=False, debug=0)
            unsat = list(world.inconsistent_classes())
            print(f"  HermiT (owlready2): consistent, {len(unsat)} unsatisfiable classes")
            ok &= not unsat
        except owlready2.OwlReadyInconsistentOntologyError as error:
            print(f"  HermiT (owlready2): INCONSISTENT {error}")
            ok = False
    print("OWLREADY2 CHECK PASSED" if ok else "OWLREADY2 CHECK FAILED")
    return 0 if ok else 1

if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
