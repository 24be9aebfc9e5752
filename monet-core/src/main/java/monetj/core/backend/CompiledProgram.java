package monetj.core.backend;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import monetj.core.program.Leaf;
import monetj.core.program.Signature;

/**
 * A compiled program bound by leaf name: arguments are given by name, results come back by name, and the
 * signature says which arguments are donated (consumed: the backend may reuse their memory for results).
 */
public final class CompiledProgram implements AutoCloseable {
    private final String name;
    private final Signature signature;
    private final Executable executable;
    private final Set<Integer> donated = new HashSet<>();

    public CompiledProgram(String name, Signature signature, Executable executable) {
        this.name = name;
        this.signature = signature;
        this.executable = executable;
        for (int i = 0; i < signature.inputs().size(); i++) if (signature.inputs().get(i).donated()) donated.add(i);
    }

    public Signature signature() { return signature; }

    /**
     * Runs with every argument given by its leaf name; returns every result by name, in signature order. The
     * donated arguments are deleted afterwards.
     */
    public Map<String, DeviceBuffer> run(Map<String, ? extends DeviceBuffer> arguments) {
        List<DeviceBuffer> args = new ArrayList<>(signature.inputs().size());
        List<String> missing = new ArrayList<>();
        for (Leaf l : signature.inputs()) {
            DeviceBuffer b = arguments.get(l.name());
            if (b == null) {
                missing.add(l.name());
                continue;
            }
            if (b.isDeleted()) throw new IllegalArgumentException(name + ": argument '" + l.name() + "' was already released or donated");
            if (!b.type().equals(l.type())) throw new IllegalArgumentException(name + ": argument '" + l.name() + "' should be " + l.type() + ", got " + b.type());
            args.add(b);
        }
        List<String> unexpected = arguments.keySet().stream().filter(k -> !signature.hasInput(k)).toList();
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new IllegalArgumentException(name + ": arguments do not fit the signature: missing " + missing + ", unexpected " + unexpected);
        }
        List<DeviceBuffer> out = executable.execute(args, donated);
        Map<String, DeviceBuffer> named = new LinkedHashMap<>();
        for (int i = 0; i < out.size(); i++) named.put(signature.outputs().get(i).name(), out.get(i));
        return named;
    }

    /** The peak bytes the latest run held, where the backend measures it. */
    public OptionalLong peakLiveBytes() { return executable.peakLiveBytes(); }

    @Override
    public void close() { executable.close(); }
}
