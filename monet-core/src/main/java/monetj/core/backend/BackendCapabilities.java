package monetj.core.backend;

import monetj.core.nn.Precision;

/**
 * What a backend declares about itself before and after it is opened: its platform in words and the precision
 * policy a run gets under {@code train.precision: auto} (f32 on the Java executor, bf16-mixed on accelerators).
 */
public record BackendCapabilities(String platform, Precision defaultPrecision) {}
