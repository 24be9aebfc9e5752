package monetj.core.model;

import monetj.core.dsl.Tensor;

/**
 * A router's output: the routing probabilities over each expert axis, [B, T, heads, experts] each, f32, and each
 * expert's selection margin (its normalised score minus the selection cut: selected exactly where it is >= 0).
 * The margins are what tells a routing decision that flips between backends by rounding from a wrong one.
 */
public record RoutingProbabilities(Tensor g1, Tensor g2, Tensor margin1, Tensor margin2) {}
