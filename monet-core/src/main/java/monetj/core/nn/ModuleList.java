package monetj.core.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/** A sequence of submodules named by their index: the {@code layers.3} in {@code model.layers.3.mlp.up_proj.weight}. */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {
    private final List<M> items = new ArrayList<>();

    /** Appends {@code module} under the name of its index. */
    public M add(M module) {
        items.add(child(Integer.toString(items.size()), module));
        return module;
    }

    public M get(int i) {
        if (i < 0 || i >= items.size()) throw new IndexOutOfBoundsException("module list '" + path() + "' has " + items.size() + " entries, no " + i);
        return items.get(i);
    }

    public int size() { return items.size(); }

    @Override
    public Iterator<M> iterator() { return Collections.unmodifiableList(items).iterator(); }
}
