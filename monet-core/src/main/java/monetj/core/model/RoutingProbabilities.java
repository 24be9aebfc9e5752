package monetj.core.model;

import monetj.core.dsl.Tensor;

/** A router's output: the routing probabilities over each expert axis, [B, T, heads, experts] each, f32. */
public record RoutingProbabilities(Tensor g1, Tensor g2) {}
