package monetj.core.model;

import monetj.core.autodiff.GradientRegion;

/**
 * What a training step keeps for its backward pass ({@code train.remat}). Each decoder layer is one gradient
 * region either way: {@code none} keeps the layer's activations, {@code layer} keeps only its inputs and
 * recomputes the rest in the backward pass (less memory, about one more forward pass of compute).
 */
public enum Remat {
    NONE(GradientRegion.Policy.SAVE),
    LAYER(GradientRegion.Policy.RECOMPUTE);

    private final GradientRegion.Policy policy;

    Remat(GradientRegion.Policy policy) { this.policy = policy; }

    public GradientRegion.Policy policy() { return policy; }

    /** The setting as written in a run config: {@code none} or {@code layer}. */
    public static Remat named(String name) {
        for (Remat r : values()) if (r.name().toLowerCase().equals(name)) return r;
        throw new IllegalArgumentException("train.remat must be none or layer, got '" + name + "'");
    }
}
