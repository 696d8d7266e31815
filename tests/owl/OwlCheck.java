// The OWL API and HermiT check of flowkg's ontology and exported data, run by tests/owl.rs
// with the OWL API 3 + HermiT jar that ships inside owlready2 (java -cp HermiT.jar OwlCheck.java).
//
// Usage: OwlCheck [--map IRI=FILE]... FILE...
// Loads each FILE with its imports (resolved through the --map entries, never the web), and
// fails (exit 1) unless every triple was understood as OWL, the imports closure is in the
// OWL 2 DL profile, HermiT finds it consistent, and no named class is unsatisfiable.

import java.io.File;
import java.util.*;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.*;
import org.semanticweb.owlapi.profiles.*;
import org.semanticweb.owlapi.io.*;
import org.semanticweb.owlapi.util.SimpleIRIMapper;
import org.semanticweb.HermiT.Reasoner;

public class OwlCheck {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager m = OWLManager.createOWLOntologyManager();
        m.setSilentMissingImportsHandling(false);
        List<String> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--map")) {
                String[] kv = args[++i].split("=", 2);
                m.addIRIMapper(new SimpleIRIMapper(IRI.create(kv[0]), IRI.create(new File(kv[1]))));
            } else {
                files.add(args[i]);
            }
        }
        boolean ok = true;
        for (String file : files) {
            ok &= check(m, m.loadOntologyFromOntologyDocument(new File(file)), file);
        }
        System.out.println(ok ? "OWL CHECK PASSED" : "OWL CHECK FAILED");
        System.exit(ok ? 0 : 1);
    }

    static boolean check(OWLOntologyManager m, OWLOntology o, String file) {
        boolean ok = true;
        Set<OWLOntology> closure = m.getImportsClosure(o);
        int axioms = 0;
        for (OWLOntology c : closure) axioms += c.getAxiomCount();
        System.out.println(file + ": " + o.getOntologyID() + ", imports closure " + closure.size()
            + " ontologies, " + axioms + " axioms, " + o.getIndividualsInSignature(true).size() + " individuals");
        for (OWLOntology c : closure) {
            OWLOntologyFormat f = m.getOntologyFormat(c);
            if (f instanceof RDFOntologyFormat) {
                RDFParserMetaData md = (RDFParserMetaData) ((RDFOntologyFormat) f).getOntologyLoaderMetaData();
                Set<RDFTriple> unparsed = md == null ? Collections.emptySet() : md.getUnparsedTriples();
                if (!unparsed.isEmpty()) {
                    ok = false;
                    System.out.println("  " + c.getOntologyID() + ": " + unparsed.size() + " triples not understood as OWL, e.g.");
                    int i = 0;
                    for (RDFTriple t : unparsed) if (i++ < 10) System.out.println("    " + t);
                }
            }
        }
        OWLProfileReport report = new OWL2DLProfile().checkOntology(o);
        System.out.println("  OWL 2 DL profile: " + (report.isInProfile() ? "in profile" : report.getViolations().size() + " violations"));
        int i = 0;
        for (OWLProfileViolation v : report.getViolations()) if (i++ < 20) System.out.println("    " + v);
        ok &= report.isInProfile();
        Reasoner hermit = new Reasoner(new org.semanticweb.HermiT.Configuration(), o);
        boolean consistent = hermit.isConsistent();
        System.out.println("  HermiT: " + (consistent ? "consistent" : "INCONSISTENT"));
        ok &= consistent;
        if (consistent) {
            Set<OWLClass> unsat = hermit.getUnsatisfiableClasses().getEntitiesMinusBottom();
            System.out.println("  unsatisfiable classes: " + unsat.size() + (unsat.isEmpty() ? "" : " " + unsat));
            ok &= unsat.isEmpty();
        }
        hermit.dispose();
        return ok;
    }
}
