package monetj.core.model;

import java.util.LinkedHashMap;
import java.util.Map;
import monetj.core.dsl.Tensor;
import monetj.core.program.ProgramBuilder;
import monetj.core.tensor.DType;
import monetj.core.tensor.TensorType;

/**
 * The expert masks as program inputs: one f32 [E, E] per router layer, named {@code expert_mask.layer<L>}, 1 where
 * composed expert (i, j) of that group is removed. Kept apart from the weights so that a masked program is the
 * unmasked one plus these inputs.
 */
public final class ExpertMaskInputs {
    public static final String PREFIX = "expert_mask.layer";

    private ExpertMaskInputs() {}

    public static String name(int routerLayer) { return PREFIX + routerLayer; }

    /** Name → type of every mask input, in router-layer order. */
    public static Map<String, TensorType> types(MonetConfig c) {
        Map<String, TensorType> m = new LinkedHashMap<>();
        for (int l : c.routerLayers()) m.put(name(l), TensorType.of(DType.F32, c.moeExperts(), c.moeExperts()));
        return m;
    }

    /** Declares the mask inputs as program arguments (group {@code masks}); router layer → tensor. */
    static Map<Integer, Tensor> declare(ProgramBuilder b, MonetConfig c) {
        Map<Integer, Tensor> m = new LinkedHashMap<>();
        for (int l : c.routerLayers()) m.put(l, b.input("masks", name(l), TensorType.of(DType.F32, c.moeExperts(), c.moeExperts())));
        return m;
    }
}
