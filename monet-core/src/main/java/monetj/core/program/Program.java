package monetj.core.program;

import monetj.core.ir.Graph;

/** A traced graph together with its named signature: what backends compile and callers bind by leaf name. */
public record Program(Graph graph, Signature signature) {
    public String name() { return graph.name(); }
}
