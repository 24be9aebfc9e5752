package monetj.core.nn;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * An ordered map from a parameter's dotted path ({@code "model.layers.3.self_attn.q_proj.weight"}) to a
 * value: host tensors for weights and gradients, traced tensors inside a graph, types for a signature. The
 * order is the modules' registration order and is the flat order of graph arguments and results.
 * Immutable; every transformation returns a new tree.
 */
public final class ParamTree<T> {
    private final Map<String, T> entries;

    private ParamTree(LinkedHashMap<String, T> entries) { this.entries = Collections.unmodifiableMap(entries); }

    /** A tree from flat lists of names and values (the inverse of {@link #names()} and {@link #values()}). */
    public static <T> ParamTree<T> of(List<String> names, List<? extends T> values) {
        if (names.size() != values.size()) throw new IllegalArgumentException("param tree: " + names.size() + " names but " + values.size() + " values");
        LinkedHashMap<String, T> m = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) put(m, names.get(i), values.get(i));
        return new ParamTree<>(m);
    }

    /** A tree with the entries of an ordered map, in its order. */
    public static <T> ParamTree<T> of(Map<String, ? extends T> entries) {
        LinkedHashMap<String, T> m = new LinkedHashMap<>();
        entries.forEach((name, value) -> put(m, name, value));
        return new ParamTree<>(m);
    }

    public static <T> ParamTree<T> empty() { return new ParamTree<>(new LinkedHashMap<>()); }

    private static <T> void put(Map<String, T> m, String name, T value) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("param tree: empty parameter name");
        if (value == null) throw new IllegalArgumentException("param tree: no value for '" + name + "'");
        if (m.putIfAbsent(name, value) != null) throw new IllegalArgumentException("param tree: '" + name + "' given twice");
    }

    public int size() { return entries.size(); }

    public boolean contains(String name) { return entries.containsKey(name); }

    public List<String> names() { return List.copyOf(entries.keySet()); }

    public List<T> values() { return List.copyOf(entries.values()); }

    /** The entries in order, read-only. */
    public Map<String, T> asMap() { return entries; }

    public T get(String name) {
        T v = entries.get(name);
        if (v == null) throw new IllegalArgumentException("no parameter '" + name + "' in this tree of " + size() + " entries");
        return v;
    }

    /** The value of a module's parameter, looked up by its path. */
    public T get(Param p) { return get(p.path()); }

    public <U> ParamTree<U> map(Function<? super T, ? extends U> f) { return map((name, v) -> f.apply(v)); }

    public <U> ParamTree<U> map(BiFunction<String, ? super T, ? extends U> f) {
        LinkedHashMap<String, U> m = new LinkedHashMap<>();
        entries.forEach((k, v) -> put(m, k, f.apply(k, v)));
        return new ParamTree<>(m);
    }

    /** The entries whose names pass {@code keep}, in order. */
    public ParamTree<T> filter(Predicate<String> keep) {
        LinkedHashMap<String, T> m = new LinkedHashMap<>();
        entries.forEach((k, v) -> { if (keep.test(k)) m.put(k, v); });
        return new ParamTree<>(m);
    }

    /** The same names with new values, given flat in this tree's order. */
    public <U> ParamTree<U> withValues(List<? extends U> values) { return of(names(), values); }

    @Override
    public boolean equals(Object o) { return o instanceof ParamTree<?> t && List.copyOf(entries.entrySet()).equals(List.copyOf(t.entries.entrySet())); }

    @Override
    public int hashCode() { return entries.hashCode(); }

    @Override
    public String toString() { return "ParamTree" + entries; }
}
