package monetj.core.nn;

import static monetj.core.testing.GraphTesting.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.program.ProgramBuilder;
import monetj.core.program.Signature;
import monetj.core.ir.Sharding;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

class ModuleTest {
    static final class Attention extends Module {
        final Linear qProj, oProj;

        Attention(int d) {
            qProj = child("q_proj", new Linear(d, d, false, DType.F32, Initializer.normal(0.02)));
            oProj = child("o_proj", new Linear(d, d, true, DType.F32, Initializer.normal(0.02)));
        }
    }

    static final class Block extends Module {
        final Param norm, runningMean;
        final Attention attn;

        Block(int d) {
            norm = parameter("input_layernorm", DType.F32, Shape.of(d), Initializer.ones());
            attn = child("self_attn", new Attention(d));
            runningMean = buffer("running_mean", DType.F32, Shape.of(d), Initializer.zeros());
        }
    }

    static final class Decoder extends Module {
        final ModuleList<Block> layers;

        Decoder(List<Block> blocks) {
            layers = child("layers", new ModuleList<>());
            blocks.forEach(layers::add);
        }
    }

    static final class CausalLm extends Module {
        final Decoder model;
        final Linear lmHead;

        /** The blocks may be constructed last-first and the head registered first: neither changes a parameter's values. */
        CausalLm(int d, int n, boolean constructBackwards, boolean headFirst) {
            Block[] blocks = new Block[n];
            for (int k = 0; k < n; k++) blocks[constructBackwards ? n - 1 - k : k] = new Block(d);
            Linear head = new Linear(d, 6, false, DType.F32, Initializer.truncatedNormal(0.02));
            if (headFirst) child("lm_head", head);
            model = child("model", new Decoder(List.of(blocks)));
            lmHead = headFirst ? head : child("lm_head", head);
        }
    }

    @Test
    void pathsAreDottedAndInRegistrationOrder() {
        CausalLm m = new CausalLm(4, 2, false, false);
        List<String> expected = List.of(
                "model.layers.0.input_layernorm", "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.o_proj.weight",
                "model.layers.0.self_attn.o_proj.bias", "model.layers.0.running_mean",
                "model.layers.1.input_layernorm", "model.layers.1.self_attn.q_proj.weight", "model.layers.1.self_attn.o_proj.weight",
                "model.layers.1.self_attn.o_proj.bias", "model.layers.1.running_mean", "lm_head.weight");
        assertEquals(expected, m.types().names());
        assertEquals("model.layers.1.self_attn.q_proj", m.model.layers.get(1).attn.qProj.path());
        assertEquals("model.layers.1.self_attn.q_proj.weight", m.model.layers.get(1).attn.qProj.weight().path());
        assertEquals(TensorType.of(DType.F32, 6, 4), m.types().get("lm_head.weight"));
        assertEquals(List.of("model.layers.0.running_mean", "model.layers.1.running_mean"), m.buffers().stream().map(Param::path).toList());
        assertEquals(9, m.parameters().size());
        assertFalse(m.trainablePaths().contains("model.layers.0.running_mean"));
        assertTrue(m.trainablePaths().contains("lm_head.weight"));
    }

    @Test
    void initialValuesDependOnlyOnSeedAndPath() {
        ParamTree<HostTensor> a = new CausalLm(4, 2, false, false).init(7);
        ParamTree<HostTensor> b = new CausalLm(4, 2, true, true).init(7);
        ParamTree<HostTensor> deeper = new CausalLm(4, 3, false, false).init(7);
        assertNotEquals(a.names(), b.names(), "registration order differs");
        for (String k : a.names()) {
            assertTrue(a.get(k).contentEquals(b.get(k)), k);
            assertTrue(a.get(k).contentEquals(deeper.get(k)), k + " unchanged by adding a layer");
        }
        ParamTree<HostTensor> again = new CausalLm(4, 2, false, false).init(7);
        ParamTree<HostTensor> other = new CausalLm(4, 2, false, false).init(8);
        String q0 = "model.layers.0.self_attn.q_proj.weight";
        assertTrue(a.get(q0).contentEquals(again.get(q0)));
        assertFalse(a.get(q0).contentEquals(other.get(q0)), "another seed gives other values");
        assertFalse(a.get(q0).contentEquals(a.get("model.layers.1.self_attn.q_proj.weight")), "another path gives other values");
        assertArrayEquals(new float[] {1, 1, 1, 1}, a.get("model.layers.0.input_layernorm").floats());
        assertArrayEquals(new float[4], a.get("model.layers.0.self_attn.o_proj.bias").floats());
    }

    @Test
    void registrationErrorsNameTheModule() {
        class Dup extends Module {
            Dup() {
                parameter("w", DType.F32, Shape.of(1), Initializer.zeros());
                parameter("w", DType.F32, Shape.of(1), Initializer.zeros());
            }
        }
        var e = assertThrows(IllegalArgumentException.class, Dup::new);
        assertTrue(e.getMessage().contains("already has a member named 'w'"), e.getMessage());
        class Dotted extends Module {
            Dotted() { parameter("a.b", DType.F32, Shape.of(1), Initializer.zeros()); }
        }
        assertTrue(assertThrows(IllegalArgumentException.class, Dotted::new).getMessage().contains("'a.b'"));
        Block shared = new Block(2);
        var e2 = assertThrows(IllegalArgumentException.class, () -> new Decoder(List.of(shared, shared)));
        assertTrue(e2.getMessage().contains("already registered") && e2.getMessage().contains("'layers.0'"), e2.getMessage());
    }

    @Test
    void shardingsAreStoredAndAppliedWhenDeclared() {
        CausalLm m = new CausalLm(4, 1, false, false);
        Sharding.Mesh mesh = new Sharding.Mesh(List.of("data", "model"), new int[] {1, 2});
        Sharding split = Sharding.of(mesh, "model", null);
        m.model.layers.get(0).attn.qProj.weight().shard(split);
        assertEquals(List.of("model.layers.0.self_attn.q_proj.weight"), List.copyOf(m.shardings().keySet()));
        ProgramBuilder b = new ProgramBuilder("sharded");
        ParamTree<Tensor> p = b.variables(m, true, false);
        Graph g = b.graph();
        assertEquals(split, g.shardings().get(p.get("model.layers.0.self_attn.q_proj.weight").value()));
        assertEquals(1, g.shardings().size());
        assertEquals(m.types().size(), g.parameters().size());
        b.output("params", "model.layers.0.self_attn.q_proj.weight", p.get("model.layers.0.self_attn.q_proj.weight").mul(2.0));
        Signature sig = b.build().signature();
        assertEquals(split, sig.input("model.layers.0.self_attn.q_proj.weight").sharding());
        assertEquals(split, sig.output("model.layers.0.self_attn.q_proj.weight").sharding(), "a state result keeps its argument's sharding");
        assertTrue(sig.input("model.layers.0.self_attn.q_proj.weight").donated());
        assertEquals(m.parameters().size(), sig.inputs("params").size());
        var e = assertThrows(IllegalArgumentException.class,
                () -> m.lmHead.weight().shard(Sharding.of(new Sharding.Mesh(List.of("model"), new int[] {4}), "model", null)));
        assertTrue(e.getMessage().contains("'lm_head.weight'") && e.getMessage().contains("does not divide"), e.getMessage());
    }

    @Test
    void checkValuesListsMissingUnexpectedAndMistypedKeys() {
        CausalLm m = new CausalLm(2, 1, false, false);
        ParamTree<HostTensor> ok = m.init(1);
        m.checkValues(ok);
        List<String> names = new ArrayList<>();
        List<HostTensor> values = new ArrayList<>();
        for (String k : ok.names()) {
            if (k.equals("lm_head.weight")) continue;
            names.add(k);
            values.add(k.equals("model.layers.0.input_layernorm") ? HostTensor.zeros(DType.F32, Shape.of(3)) : ok.get(k));
        }
        names.add("lm_head.bias");
        values.add(HostTensor.zeros(DType.F32, Shape.of(6)));
        ParamTree<HostTensor> broken = ParamTree.of(names, values);
        var e = assertThrows(IllegalArgumentException.class, () -> m.checkValues(broken));
        assertTrue(e.getMessage().contains("missing [lm_head.weight]") && e.getMessage().contains("unexpected [lm_head.bias]")
                && e.getMessage().contains("model.layers.0.input_layernorm (f32[3], expected f32[2])"), e.getMessage());
    }

    @Test
    void linearIsXTimesWeightTransposedPlusBias() {
        Linear lin = new Linear(3, 2, true, DType.F64, Initializer.zeros());
        HostTensor w = f64(Shape.of(2, 3), 1, 2, 3, 4, 5, 6), b = f64(Shape.of(2), 10, 20), x = f64(Shape.of(2, 1, 3), 1, 0, -1, 2, 1, 0);
        HostTensor y = run1(p -> lin.forward(ParamTree.of(List.of("weight", "bias"), List.of(p.get(0), p.get(1))), p.get(2)), w, b, x);
        assertEquals(Shape.of(2, 1, 2), y.shape());
        assertArrayEquals(new double[] {1 - 3 + 10, 4 - 6 + 20, 2 + 2 + 10, 8 + 5 + 20}, y.doubles());
        var e = assertThrows(IllegalArgumentException.class,
                () -> run1(p -> lin.forward(ParamTree.of(List.of("weight", "bias"), List.of(p.get(0), p.get(1))), p.get(2)), w, b, f64(Shape.of(4), new double[4])));
        assertTrue(e.getMessage().contains("[.., 3]") && e.getMessage().contains("f64[4]"), e.getMessage());
    }
}
