package monetj.xla.stablehlo;


import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import monetj.core.autodiff.Autodiff;
import monetj.core.dsl.Tensor;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Graph;
import monetj.core.ir.Sharding;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import monetj.xla.check.CheckCases;
import org.junit.jupiter.api.Test;

/**
 * Feeds emitted modules to LLVM's {@code mlir-opt} (Debian package {@code mlir-19-tools} or any other
 * version), which parses and verifies MLIR syntax, function signatures and SSA use. It does not know the
 * StableHLO dialect, so it accepts stablehlo ops as unregistered operations: this checks the text's form,
 * the golden tests and a real plugin check the op semantics. Skipped when no mlir-opt is installed.
 */
class MlirParserCheckTest {
    @Test
    void emittedModulesParseAndVerify() throws Exception {
        for (String module : sampleModules()) MlirOpt.assertParses(List.of(module));
    }

    @Test
    void everyCrossBackendProgramParses() throws Exception {
        StableHloEmitter emitter = new StableHloEmitter(OpEmissions.standard(), true);
        MlirOpt.assertParses(CheckCases.all().stream().map(c -> emitter.emit(c.graph()).text()).toList());
    }

    /**
     * A Shardy module: mlir-opt 19 does not know the sdy dialect, so its attributes parse as opaque dialect attributes
     * and the constraint as an unregistered op; the pretty {@code sdy.mesh @mesh = <...>} line is given to it in its
     * generic form (the same op), since custom syntax needs the dialect.
     */
    @Test
    void shardyModulesParse() throws Exception {
        Graph s = new Graph("shardy");
        Sharding.Mesh mesh = new Sharding.Mesh(List.of("data", "fsdp"), new int[] {2, 2});
        Tensor a = new Tensor(s, s.parameter("a", TensorType.of(DType.F32, 4, 6)));
        Tensor e = a.exp();
        s.shard(a.value(), new Sharding(mesh, List.of(List.of("data", "fsdp"), List.of())));
        s.shard(e.value(), Sharding.of(mesh, null, "fsdp"));
        s.setOutputs(List.of(e.value()));
        String text = new StableHloEmitter().emit(s).text();
        String generic = text.replace("sdy.mesh @mesh = <[\"data\"=2, \"fsdp\"=2]>", "\"sdy.mesh\"() {sym_name = \"mesh\", mesh = #sdy.mesh<[\"data\"=2, \"fsdp\"=2]>} : () -> ()");
        org.junit.jupiter.api.Assertions.assertNotEquals(text, generic);
        MlirOpt.assertParses(List.of(generic));
    }

    /** Modules that exercise every op family, regions, multi-result ops, constants and shardings. */
    private static List<String> sampleModules() {
        List<String> out = new ArrayList<>();
        StableHloEmitter emitter = new StableHloEmitter(OpEmissions.standard(), true);
        Random rnd = new Random(1);

        Graph g = new Graph("mlp_grad");
        Tensor x = new Tensor(g, g.parameter("x", TensorType.of(DType.F32, 4, 3)));
        Tensor w = new Tensor(g, g.parameter("w", TensorType.of(DType.F32, 3, 5)));
        float[] big = new float[40];
        for (int i = 0; i < big.length; i++) big[i] = rnd.nextFloat();
        Tensor bias = Tensor.constant(g, HostTensor.of(Shape.of(8, 5), big)).sum(0);
        Tensor h = Tensor.apply(DotGeneral.contracting(1, 0), x, w).add(bias).tanh();
        Tensor loss = h.gt(0.5).where(h, h.mul(0.1)).clamp(-2, 2).exp().max(1).log().sum();
        List<Tensor> grads = Autodiff.grad(loss, List.of(x, w));
        g.setOutputs(List.of(loss.value(), grads.get(0).value(), grads.get(1).value(),
                h.convert(DType.BF16).convert(DType.S32).value(), h.transpose(1, 0).reshape(20).value()));
        out.add(emitter.emit(g).text());

        Graph s = new Graph("sharded");
        Sharding.Mesh mesh = new Sharding.Mesh(List.of("data", "model"), new int[] {2, 2});
        Tensor a = new Tensor(s, s.parameter("a", TensorType.of(DType.BF16, 4, 6)));
        Tensor b = new Tensor(s, s.parameter("b", TensorType.of(DType.BF16, 6, 2)));
        Tensor c = Tensor.apply(new DotGeneral(new int[0], new int[0], new int[] {1}, new int[] {0}, DotGeneral.Precision.HIGH, DType.F32), a, b);
        s.shard(a.value(), Sharding.of(mesh, "data", null));
        s.shard(c.value(), Sharding.of(mesh, "data", "model"));
        s.setOutputs(List.of(c.value(), c.ge(0.0).value()));
        out.add(emitter.withPartitioner(Partitioner.GSPMD).emit(s).text());

        Graph k = new Graph("constants");
        double[] many = new double[33];
        for (int i = 0; i < many.length; i++) many[i] = i % 3 == 0 ? Double.NaN : i % 3 == 1 ? Double.NEGATIVE_INFINITY : i * 0.1;
        List<HostTensor> values = List.of(HostTensor.of(Shape.of(33), many), HostTensor.fromDoubles(DType.F32, Shape.of(33), many),
                HostTensor.fromDoubles(DType.BF16, Shape.of(33), many), HostTensor.fromDoubles(DType.F16, Shape.of(3), new double[] {1, Double.NaN, -0.5}),
                HostTensor.of(Shape.of(2), new long[] {Long.MIN_VALUE, Long.MAX_VALUE}), HostTensor.of(Shape.of(2, 1), new int[] {-1, 1}),
                HostTensor.ofPred(Shape.of(20), new byte[20]), HostTensor.of(Shape.of(0, 3), new float[0]));
        k.setOutputs(values.stream().map(v -> Tensor.constant(k, v).value()).toList());
        out.add(emitter.emit(k).text());
        return out;
    }
}
