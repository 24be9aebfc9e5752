package monetj.core.program;

import monetj.core.ir.Sharding;
import monetj.core.tensor.TensorType;

/**
 * One argument or result of a program, as a leaf of a flattened pytree: its name (the parameter path, e.g.
 * {@code model.layers.0.self_attn.q_proj.weight}, or {@code m.<path>}, {@code tokens}, {@code loss}), the group it
 * belongs to ({@code params}, {@code buffers}, {@code m}, {@code v}, {@code step}, {@code batch}, {@code grads},
 * {@code metrics}, ...), its type, its sharding (null: none given), whether an argument is donated (consumed by
 * the execution) and, for metrics, how it combines across micro-batches (null otherwise).
 */
public record Leaf(String name, String group, TensorType type, Sharding sharding, boolean donated, MetricCombine combine) {
    public Leaf {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("a program leaf needs a name");
        if (group == null || group.isEmpty()) throw new IllegalArgumentException("program leaf '" + name + "' needs a group");
    }
}
