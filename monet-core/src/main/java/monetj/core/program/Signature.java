package monetj.core.program;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The named contract of a program: its arguments and its results as ordered leaves. Positions exist only
 * here; everybody else names leaves. Names are unique among the arguments and among the results; a state
 * leaf that a program updates has the same name on both sides (state in, state out).
 */
public record Signature(List<Leaf> inputs, List<Leaf> outputs) {
    public Signature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        unique(inputs, "argument");
        unique(outputs, "result");
    }

    private static void unique(List<Leaf> leaves, String what) {
        Map<String, Leaf> seen = new LinkedHashMap<>();
        for (Leaf l : leaves) if (seen.put(l.name(), l) != null) throw new IllegalArgumentException("two program " + what + "s are named '" + l.name() + "'");
    }

    /** The position of argument {@code name}. */
    public int inputIndex(String name) { return index(inputs, name, "argument"); }

    /** The position of result {@code name}. */
    public int outputIndex(String name) { return index(outputs, name, "result"); }

    public Leaf input(String name) { return inputs.get(inputIndex(name)); }

    public Leaf output(String name) { return outputs.get(outputIndex(name)); }

    public boolean hasInput(String name) { return inputs.stream().anyMatch(l -> l.name().equals(name)); }

    /** The arguments of one group, in order. */
    public List<Leaf> inputs(String group) { return inputs.stream().filter(l -> l.group().equals(group)).toList(); }

    /** The results of one group, in order. */
    public List<Leaf> outputs(String group) { return outputs.stream().filter(l -> l.group().equals(group)).toList(); }

    private static int index(List<Leaf> leaves, String name, String what) {
        for (int i = 0; i < leaves.size(); i++) if (leaves.get(i).name().equals(name)) return i;
        throw new IllegalArgumentException("the program has no " + what + " named '" + name + "'");
    }
}
