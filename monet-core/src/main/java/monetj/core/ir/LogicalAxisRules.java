package monetj.core.ir;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.tensor.Shape;

/**
 * Maps the logical axis names that modules declare on their parameters and activations ({@code embed},
 * {@code experts}, {@code batch}, ...) to axes of a device mesh, as MaxText's {@code logical_axis_rules}. A
 * dimension is split over the mapped mesh axes of size above one that no earlier dimension of the same value
 * already uses; an axis that does not divide the dimension is refused, naming the value, dimension and axis.
 *
 * <p>The defaults, and Monet's experts. With every device on {@code fsdp} (the default mesh) each weight is split
 * along its {@code embed} dimension, so a device holds 1/N of every parameter and of its AdamW moments, and the
 * partitioner all-gathers one layer's weights before using them and reduce-scatters their gradients (the per-layer
 * collectives of FSDP, on weights only). The expert weights and biases are the largest part of a Monet model (about 55% of 850M VD)
 * and are treated the same way: u (u1, u2) [E·m, d] and v (v11..v22) [d, E·m] split d over {@code fsdp}. Their
 * flattened E·m dimension ({@code experts}) plays the part of a dense MLP's hidden dimension and goes to
 * {@code expert} and then {@code tensor}: on an {@code expert} axis of size n each device owns E/n whole experts
 * (n divides E·m in steps of m), the [B, T, E, m] activations are split the same way, and the only collectives
 * are the all-reduces of the head contractions ({@code btim,bthi->bthm}, a [B, T, H, m] tensor, small beside
 * [B, T, E, m]) and of the v projections ([B, T, d]), once per layer. The expert biases [E, d] follow ({@code experts}
 * on dimension 0, {@code embed} on 1). The routers [H·E, d] keep H·E whole ({@code router}: the softmax and the
 * BatchNorm statistics run over all E experts of a head, so splitting it would add an all-reduce inside the
 * routing) and split d over {@code fsdp} like every weight. Activations split their batch over (data, fsdp).
 */
public record LogicalAxisRules(Sharding.Mesh mesh, Map<String, List<String>> rules) {
    /** MaxText's vocabulary: data and fsdp split the batch, fsdp the weights' embed dimension, tensor the wide ones. */
    public static final Map<String, List<String>> DEFAULTS = defaults();

    private static Map<String, List<String>> defaults() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("batch", List.of("data", "fsdp"));
        m.put("length", List.of());
        m.put("embed", List.of("fsdp"));
        m.put("vocab", List.of("tensor"));
        m.put("heads", List.of("tensor"));
        m.put("kv_heads", List.of("tensor"));
        m.put("mlp", List.of("tensor"));
        m.put("experts", List.of("expert", "tensor"));
        m.put("expert_hidden", List.of());
        m.put("router", List.of());
        m.put("moe_heads", List.of());
        m.put("norm", List.of());
        return java.util.Collections.unmodifiableMap(m);
    }

    public LogicalAxisRules {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        rules.forEach((logical, axes) -> {
            for (String a : axes) {
                if (!mesh.axisNames().contains(a)) throw new IllegalArgumentException("mesh rule '" + logical + "' names mesh axis '" + a + "'; the mesh has " + mesh.axisNames());
            }
            copy.put(logical, List.copyOf(axes));
        });
        rules = java.util.Collections.unmodifiableMap(copy);
    }

    /** The defaults with some logical names mapped otherwise. */
    public static LogicalAxisRules withDefaults(Sharding.Mesh mesh, Map<String, List<String>> overrides) {
        Map<String, List<String>> m = new LinkedHashMap<>(DEFAULTS);
        m.putAll(overrides);
        return new LogicalAxisRules(mesh, m);
    }

    /**
     * The sharding of a value named {@code what} with these logical axes: each dimension's mapped mesh axes, without
     * axes of size one and axes used by an earlier dimension.
     */
    public Sharding sharding(String what, List<String> logical, Shape shape) {
        if (logical == null) throw new IllegalArgumentException("'" + what + "' declares no logical axis names; the module that owns it must");
        if (logical.size() != shape.rank()) throw new IllegalArgumentException("'" + what + "' of shape " + shape + " has logical axes " + logical);
        List<List<String>> dims = new ArrayList<>();
        List<String> used = new ArrayList<>();
        for (int d = 0; d < logical.size(); d++) {
            List<String> mapped = rules.get(logical.get(d));
            if (mapped == null) throw new IllegalArgumentException("'" + what + "': no mesh rule for logical axis '" + logical.get(d) + "' (rules exist for " + rules.keySet() + ")");
            List<String> axes = new ArrayList<>();
            int parts = 1;
            for (String a : mapped) {
                if (mesh.size(a) == 1 || used.contains(a)) continue;
                axes.add(a);
                parts *= mesh.size(a);
                if (shape.dim(d) % parts != 0) {
                    throw new IllegalArgumentException("'" + what + "': dimension " + d + " (" + logical.get(d) + ") of size " + shape.dim(d)
                            + " does not divide by mesh axis" + (axes.size() > 1 ? "es " + axes : " '" + a + "'") + " of size " + parts);
                }
            }
            used.addAll(axes);
            dims.add(axes);
        }
        return new Sharding(mesh, dims);
    }
}
