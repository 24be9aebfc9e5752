package monetj.core.nn;

import java.util.List;
import monetj.core.ir.Sharding;
import monetj.core.tensor.TensorType;

/**
 * A named tensor of a module: a trainable parameter or a buffer (non-trainable state such as running
 * statistics). Its path, and so its checkpoint key, is its module's path plus its name.
 */
public final class Param {
    private final Module owner;
    private final String name;
    private final TensorType type;
    private final Initializer initializer;
    private final boolean trainable;
    private final boolean decayed;
    private Sharding sharding;
    private List<String> axes;

    Param(Module owner, String name, TensorType type, Initializer initializer, boolean trainable, boolean decayed) {
        this.owner = owner;
        this.name = name;
        this.type = type;
        this.initializer = initializer;
        this.trainable = trainable;
        this.decayed = decayed;
        this.axes = type.rank() == 0 ? List.of() : null; // a scalar has no dimensions to name
    }

    /** The name within its module, e.g. {@code "weight"}. */
    public String name() { return name; }

    /** The dotted path from the root module, e.g. {@code "model.layers.3.mlp.up_proj.weight"}. */
    public String path() { return owner.path().isEmpty() ? name : owner.path() + "." + name; }

    public TensorType type() { return type; }

    /** False for buffers: they are part of the state but never differentiated. */
    public boolean trainable() { return trainable; }

    /** Whether AdamW applies weight decay to it: set by the owning module (false for norms, biases and buffers). */
    public boolean decayed() { return decayed; }

    /** The sharding annotation, or null when none was attached. */
    public Sharding sharding() { return sharding; }

    /** Attaches a sharding (mesh and per-dimension axes), applied when the parameter is declared in a graph. */
    public Param shard(Sharding s) {
        if (s.dims().size() != type.rank()) {
            throw new IllegalArgumentException("sharding " + s.dims() + " of parameter '" + path() + "' has " + s.dims().size() + " entries for " + type);
        }
        for (int d = 0; d < s.dims().size(); d++) {
            if (type.shape().dim(d) % s.parts(d) != 0) {
                throw new IllegalArgumentException("sharding " + s.dims() + " of parameter '" + path() + "': dimension " + d + " of " + type
                        + " does not divide by mesh axes " + s.dims().get(d) + " of size " + s.parts(d));
            }
        }
        this.sharding = s;
        return this;
    }

    /**
     * The logical name of each dimension ({@code vocab}, {@code embed}, {@code heads}, {@code experts}, ...), declared
     * by the module that owns the parameter; the mesh rules map them to mesh axes. Null until declared.
     */
    public List<String> axes() { return axes; }

    /** Declares the logical name of every dimension, in order. */
    public Param axes(String... names) {
        if (names.length != type.rank()) {
            throw new IllegalArgumentException("parameter '" + path() + "' of " + type + " needs " + type.rank() + " logical axis names, got " + List.of(names));
        }
        this.axes = List.of(names);
        return this;
    }

    /** How its initial values are made (traced into the init program). */
    public Initializer initializer() { return initializer; }

    @Override
    public String toString() { return (trainable ? "param " : "buffer ") + path() + ": " + type; }
}
