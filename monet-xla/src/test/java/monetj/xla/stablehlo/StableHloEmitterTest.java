package monetj.xla.stablehlo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import monetj.core.ir.Binary;
import monetj.core.ir.BroadcastInDim;
import monetj.core.ir.Clamp;
import monetj.core.ir.Compare;
import monetj.core.ir.Constant;
import monetj.core.ir.Convert;
import monetj.core.ir.CustomCall;
import monetj.core.ir.CustomVjp;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Op;
import monetj.core.ir.Reduce;
import monetj.core.ir.Reshape;
import monetj.core.ir.Select;
import monetj.core.ir.StopGradient;
import monetj.core.ir.Transpose;
import monetj.core.ir.Unary;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

/** Golden texts, one per op family: the exact module the emitter writes for a tiny graph. */
class StableHloEmitterTest {
    private static final TensorType F32_2x3 = TensorType.of(DType.F32, 2, 3);

    private static String emit(Graph g) { return new StableHloEmitter().emit(g).text(); }

    @Test
    void elementwiseUnaryAndBinary() {
        Graph g = new Graph("elementwise");
        Value x = g.parameter("x", F32_2x3), y = g.parameter("y", F32_2x3);
        Value e = g.apply1(new Unary(Unary.Kind.EXP), x);
        Value l = g.apply1(new Unary(Unary.Kind.LOG1P), e);
        Value s = g.apply1(new Binary(Binary.Kind.SUBTRACT), l, y);
        Value m = g.apply1(new Binary(Binary.Kind.MAXIMUM), s, x);
        g.setOutputs(List.of(m));
        assertEquals("""
                module @elementwise attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
                  func.func public @main(%arg0: tensor<2x3xf32>, %arg1: tensor<2x3xf32>) -> (tensor<2x3xf32>) {
                    %v2 = "stablehlo.exponential"(%arg0) : (tensor<2x3xf32>) -> tensor<2x3xf32>
                    %v3 = "stablehlo.log_plus_one"(%v2) : (tensor<2x3xf32>) -> tensor<2x3xf32>
                    %v4 = "stablehlo.subtract"(%v3, %arg1) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
                    %v5 = "stablehlo.maximum"(%v4, %arg0) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
                    "func.return"(%v5) : (tensor<2x3xf32>) -> ()
                  }
                }
                """, emit(g));
    }

    @Test
    void everyUnaryAndBinaryKindIsWrittenUnderItsStableHloName() {
        Graph g = new Graph("names");
        Value x = g.parameter("x", F32_2x3), b = g.parameter("b", TensorType.of(DType.PRED, 2, 3));
        for (Unary.Kind k : Unary.Kind.values()) g.apply(new Unary(k), List.of(k == Unary.Kind.NOT ? b : x));
        for (Binary.Kind k : Binary.Kind.values()) {
            boolean logical = k == Binary.Kind.AND || k == Binary.Kind.OR || k == Binary.Kind.XOR;
            g.apply(new Binary(k), logical ? List.of(b, b) : List.of(x, x));
        }
        g.setOutputs(g.nodes().subList(2, g.nodes().size()).stream().map(Node::out).toList());
        String text = emit(g);
        for (String op : List.of("negate", "abs", "sign", "exponential", "log", "log_plus_one", "tanh", "logistic", "sqrt", "rsqrt", "floor",
                "sine", "cosine", "not")) {
            assertTrue(text.contains("\"stablehlo." + op + "\"(%arg" + (op.equals("not") ? 1 : 0) + ") :"), op + " missing in\n" + text);
        }
        for (String op : List.of("add", "subtract", "multiply", "divide", "power", "maximum", "minimum", "remainder")) {
            assertTrue(text.contains("\"stablehlo." + op + "\"(%arg0, %arg0) :"), op + " missing in\n" + text);
        }
        for (String op : List.of("and", "or", "xor")) assertTrue(text.contains("\"stablehlo." + op + "\"(%arg1, %arg1) :"), op + " missing in\n" + text);
    }

    @Test
    void compareSelectClampAndConvert() {
        Graph g = new Graph("select");
        Value x = g.parameter("x", F32_2x3), y = g.parameter("y", F32_2x3);
        Value i = g.parameter("i", TensorType.of(DType.S32, 2, 3));
        Value lt = g.apply1(new Compare(Compare.Direction.LT), x, y);
        Value ige = g.apply1(new Compare(Compare.Direction.GE), i, i);
        Value both = g.apply1(new Binary(Binary.Kind.AND), lt, ige);
        Value pick = g.apply1(new Select(), both, x, y);
        Value lo = g.apply1(new Constant(HostTensor.scalar(-1f)));
        Value hi = g.apply1(new Constant(HostTensor.scalar(1f)));
        Value c = g.apply1(new Clamp(), lo, pick, hi);
        Value h = g.apply1(new Convert(DType.BF16), c);
        g.setOutputs(List.of(h, lt));
        assertEquals("""
                module @select attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
                  func.func public @main(%arg0: tensor<2x3xf32>, %arg1: tensor<2x3xf32>, %arg2: tensor<2x3xi32>) -> (tensor<2x3xbf16>, tensor<2x3xi1>) {
                    %v3 = "stablehlo.compare"(%arg0, %arg1) {comparison_direction = #stablehlo<comparison_direction LT>, compare_type = #stablehlo<comparison_type FLOAT>} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xi1>
                    %v4 = "stablehlo.compare"(%arg2, %arg2) {comparison_direction = #stablehlo<comparison_direction GE>, compare_type = #stablehlo<comparison_type SIGNED>} : (tensor<2x3xi32>, tensor<2x3xi32>) -> tensor<2x3xi1>
                    %v5 = "stablehlo.and"(%v3, %v4) : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
                    %v6 = "stablehlo.select"(%v5, %arg0, %arg1) : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
                    %v7 = "stablehlo.constant"() {value = dense<-1.0> : tensor<f32>} : () -> tensor<f32>
                    %v8 = "stablehlo.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
                    %v9 = "stablehlo.clamp"(%v7, %v6, %v8) : (tensor<f32>, tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
                    %v10 = "stablehlo.convert"(%v9) : (tensor<2x3xf32>) -> tensor<2x3xbf16>
                    "func.return"(%v10, %v3) : (tensor<2x3xbf16>, tensor<2x3xi1>) -> ()
                  }
                }
                """, emit(g));
    }

    @Test
    void boolCompareIsUnsigned() {
        Graph g = new Graph("b");
        Value p = g.parameter("p", TensorType.of(DType.PRED, 4));
        g.setOutputs(List.of(g.apply1(new Compare(Compare.Direction.NE), p, p)));
        assertTrue(emit(g).contains("compare_type = #stablehlo<comparison_type UNSIGNED>"));
    }

    @Test
    void layoutOps() {
        Graph g = new Graph("layout");
        Value x = g.parameter("x", TensorType.of(DType.F16, 3));
        Value b = g.apply1(new BroadcastInDim(Shape.of(2, 3), new int[] {1}), x);
        Value t = g.apply1(new Transpose(new int[] {1, 0}), b);
        Value r = g.apply1(new Reshape(Shape.of(6)), t);
        g.setOutputs(List.of(r));
        assertEquals("""
                module @layout attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
                  func.func public @main(%arg0: tensor<3xf16>) -> (tensor<6xf16>) {
                    %v1 = "stablehlo.broadcast_in_dim"(%arg0) {broadcast_dimensions = array<i64: 1>} : (tensor<3xf16>) -> tensor<2x3xf16>
                    %v2 = "stablehlo.transpose"(%v1) {permutation = array<i64: 1, 0>} : (tensor<2x3xf16>) -> tensor<3x2xf16>
                    %v3 = "stablehlo.reshape"(%v2) : (tensor<3x2xf16>) -> tensor<6xf16>
                    "func.return"(%v3) : (tensor<6xf16>) -> ()
                  }
                }
                """, emit(g));
    }

    @Test
    void reduceWritesItsBodyAsARegion() {
        Graph g = new Graph("reduce");
        Value x = g.parameter("x", F32_2x3);
        Value init = g.apply1(new Constant(HostTensor.scalar(Float.NEGATIVE_INFINITY)));
        Value m = g.apply1(new Reduce(Reduce.Kind.MAX, new int[] {1}), x, init);
        Value zero = g.apply1(new Constant(HostTensor.scalar(0f)));
        Value s = g.apply1(new Reduce(Reduce.Kind.SUM, new int[] {0}), m, zero);
        g.setOutputs(List.of(s));
        assertEquals("""
                module @reduce attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
                  func.func public @main(%arg0: tensor<2x3xf32>) -> (tensor<f32>) {
                    %v1 = "stablehlo.constant"() {value = dense<0xFF800000> : tensor<f32>} : () -> tensor<f32>
                    %v2 = "stablehlo.reduce"(%arg0, %v1) ({
                    ^bb0(%r0_arg0: tensor<f32>, %r0_arg1: tensor<f32>):
                      %r0_0 = "stablehlo.maximum"(%r0_arg0, %r0_arg1) : (tensor<f32>, tensor<f32>) -> tensor<f32>
                      "stablehlo.return"(%r0_0) : (tensor<f32>) -> ()
                    }) {dimensions = array<i64: 1>} : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32>
                    %v3 = "stablehlo.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
                    %v4 = "stablehlo.reduce"(%v2, %v3) ({
                    ^bb0(%r1_arg0: tensor<f32>, %r1_arg1: tensor<f32>):
                      %r1_0 = "stablehlo.add"(%r1_arg0, %r1_arg1) : (tensor<f32>, tensor<f32>) -> tensor<f32>
                      "stablehlo.return"(%r1_0) : (tensor<f32>) -> ()
                    }) {dimensions = array<i64: 0>} : (tensor<2xf32>, tensor<f32>) -> tensor<f32>
                    "func.return"(%v4) : (tensor<f32>) -> ()
                  }
                }
                """, emit(g));
    }

    @Test
    void dotGeneralCarriesDimensionNumbersPrecisionAndPreferredType() {
        Graph g = new Graph("dot");
        Value a = g.parameter("a", TensorType.of(DType.BF16, 4, 2, 3));
        Value b = g.parameter("b", TensorType.of(DType.BF16, 4, 3, 5));
        Value d = g.apply1(new DotGeneral(new int[] {0}, new int[] {0}, new int[] {2}, new int[] {1}, DotGeneral.Precision.HIGHEST, DType.F32), a, b);
        Value m = g.apply1(DotGeneral.contracting(1, 0), g.parameter("c", TensorType.of(DType.F32, 2, 3)), g.parameter("e", TensorType.of(DType.F32, 3, 2)));
        g.setOutputs(List.of(d, m));
        assertEquals("""
                module @dot attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
                  func.func public @main(%arg0: tensor<4x2x3xbf16>, %arg1: tensor<4x3x5xbf16>, %arg2: tensor<2x3xf32>, %arg3: tensor<3x2xf32>) -> (tensor<4x2x5xf32>, tensor<2x2xf32>) {
                    %v2 = "stablehlo.dot_general"(%arg0, %arg1) {dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0], rhs_batching_dimensions = [0], lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [1]>, precision_config = [#stablehlo<precision HIGHEST>, #stablehlo<precision HIGHEST>]} : (tensor<4x2x3xbf16>, tensor<4x3x5xbf16>) -> tensor<4x2x5xf32>
                    %v5 = "stablehlo.dot_general"(%arg2, %arg3) {dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>, precision_config = [#stablehlo<precision DEFAULT>, #stablehlo<precision DEFAULT>]} : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
                    "func.return"(%v2, %v5) : (tensor<4x2x5xf32>, tensor<2x2xf32>) -> ()
                  }
                }
                """, emit(g));
    }

    @Test
    void aPrecisionFloorRaisesDefaultDotsOnly() {
        Graph g = new Graph("floor");
        Value m = g.apply1(DotGeneral.contracting(1, 0), g.parameter("c", TensorType.of(DType.F32, 2, 3)), g.parameter("e", TensorType.of(DType.F32, 3, 2)));
        g.setOutputs(List.of(m));
        String high = new StableHloEmitter(OpEmissions.standard(DotGeneral.Precision.HIGHEST), false).emit(g).text();
        assertTrue(high.contains("precision_config = [#stablehlo<precision HIGHEST>, #stablehlo<precision HIGHEST>]"), high);
        String dflt = new StableHloEmitter().emit(g).text();
        assertTrue(dflt.contains("precision_config = [#stablehlo<precision DEFAULT>, #stablehlo<precision DEFAULT>]"), dflt);
    }

    @Test
    void constantsOfEveryDtype() {
        assertEquals("dense<[[1.5, -2.0], [0.0, 3.0E-5]]>", DenseLiteral.of(HostTensor.of(Shape.of(2, 2), new float[] {1.5f, -2f, 0f, 3e-5f})));
        assertEquals("dense<[0.1, 0x7FF8000000000000, 0xFFF0000000000000]>", DenseLiteral.of(HostTensor.of(Shape.of(3), new double[] {0.1, Double.NaN, Double.NEGATIVE_INFINITY})));
        assertEquals("dense<[1, -2, 2147483647]>", DenseLiteral.of(HostTensor.of(Shape.of(3), new int[] {1, -2, Integer.MAX_VALUE})));
        assertEquals("dense<[-9223372036854775808, 7]>", DenseLiteral.of(HostTensor.of(Shape.of(2), new long[] {Long.MIN_VALUE, 7})));
        assertEquals("dense<[true, false]>", DenseLiteral.of(HostTensor.ofPred(Shape.of(2), new byte[] {1, 0})));
        // bf16 1.0 = 0x3F80, -0.5 = 0xBF00, +inf = 0x7F80; f16 1.0 = 0x3C00.
        assertEquals("dense<[1.0, -0.5, 0x7F80]>", DenseLiteral.of(HostTensor.ofShorts(DType.BF16, Shape.of(3), new short[] {0x3F80, (short) 0xBF00, 0x7F80})));
        assertEquals("dense<[1.0, 0.0]>", DenseLiteral.of(HostTensor.ofShorts(DType.F16, Shape.of(2), new short[] {0x3C00, 0})));
        assertEquals("dense<2.5>", DenseLiteral.of(HostTensor.of(Shape.of(2, 3), new float[] {2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f})));
        assertEquals("dense<>", DenseLiteral.of(HostTensor.of(Shape.of(0), new float[0])));
        assertEquals("dense<>", DenseLiteral.of(HostTensor.of(Shape.of(0, 3), new float[0])));
    }

    @Test
    void largeConstantsAreHexEncodedLittleEndian() {
        int[] v = new int[17];
        for (int i = 0; i < v.length; i++) v[i] = i;
        String lit = DenseLiteral.of(HostTensor.of(Shape.of(17), v));
        assertTrue(lit.startsWith("dense<\"0x000000000100000002000000"), lit);
        assertEquals("dense<\"0x".length() + 17 * 8 + 2, lit.length());
        byte[] bits = new byte[20];
        bits[3] = 1;
        assertTrue(DenseLiteral.of(HostTensor.ofPred(Shape.of(20), bits)).startsWith("dense<[false, false, false, true,"), "pred stays an element list");
    }

    @Test
    void stopGradientAndCustomVjpForwardTheirValues() {
        Graph g = new Graph("forward");
        Value x = g.parameter("x", F32_2x3);
        Value sg = g.apply1(new StopGradient(), x);
        Value t = g.apply1(new Unary(Unary.Kind.TANH), sg);
        Node vjp = g.apply(new CustomVjp("f", 1, (in, out, ct) -> List.of()), List.of(x, t));
        Value n = g.apply1(new Unary(Unary.Kind.NEGATE), vjp.out());
        g.setOutputs(List.of(n));
        assertEquals("""
                module @forward attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
                  func.func public @main(%arg0: tensor<2x3xf32>) -> (tensor<2x3xf32>) {
                    %v2 = "stablehlo.tanh"(%arg0) : (tensor<2x3xf32>) -> tensor<2x3xf32>
                    %v4 = "stablehlo.negate"(%v2) : (tensor<2x3xf32>) -> tensor<2x3xf32>
                    "func.return"(%v4) : (tensor<2x3xf32>) -> ()
                  }
                }
                """, emit(g));
    }

    @Test
    void customCallIsWrittenVerbatimWithEveryResult() {
        Graph g = new Graph("cc");
        Value x = g.parameter("x", F32_2x3);
        Node call = g.apply(new CustomCall("my_kernel", "{\"k\": 1}", List.of(F32_2x3, TensorType.of(DType.S32))), List.of(x));
        g.setOutputs(List.of(call.out(1), call.out(0)));
        assertEquals("""
                module @cc attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
                  func.func public @main(%arg0: tensor<2x3xf32>) -> (tensor<i32>, tensor<2x3xf32>) {
                    %v1:2 = "stablehlo.custom_call"(%arg0) {call_target_name = "my_kernel", backend_config = "{\\22k\\22: 1}", api_version = 2 : i32, has_side_effect = false} : (tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<i32>)
                    "func.return"(%v1#1, %v1#0) : (tensor<i32>, tensor<2x3xf32>) -> ()
                  }
                }
                """, emit(g));
    }

    @Test
    void customCallWithoutResultsBindsNothing() {
        Graph g = new Graph("effect");
        Value x = g.parameter("x", F32_2x3);
        Node call = g.apply(new CustomCall("log_it", "", List.of()), List.of(x));
        Value y = g.apply1(new Unary(Unary.Kind.NEGATE), x);
        g.setOutputs(List.of(y));
        String text = new StableHloEmitter().emit(g).text();
        assertTrue(call.types().isEmpty());
        // Dead like any node no output needs: a side-effecting call is not kept alive by the graph.
        assertFalse(text.contains("log_it"), text);
        FunctionWriter out = new FunctionWriter();
        out.bind(x, "%arg0");
        OpEmissions.standard().emit(call, out);
        assertEquals("    \"stablehlo.custom_call\"(%arg0) {call_target_name = \"log_it\", backend_config = \"\", api_version = 2 : i32, has_side_effect = false} : (tensor<2x3xf32>) -> ()\n",
                out.body());
    }

    @Test
    void deadNodesAreLeftOutAndNamesAreQuotedWhenNeeded() {
        Graph g = new Graph("train step/1");
        Value x = g.parameter("x", F32_2x3);
        g.apply1(new Unary(Unary.Kind.EXP), x); // unused
        g.setOutputs(List.of(x));
        assertEquals("""
                module @"train step/1" attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
                  func.func public @main(%arg0: tensor<2x3xf32>) -> (tensor<2x3xf32>) {
                    "func.return"(%arg0) : (tensor<2x3xf32>) -> ()
                  }
                }
                """, emit(g));
    }

    @Test
    void donorArgumentsAreMarked() {
        Graph g = new Graph("donate");
        Value x = g.parameter("x", F32_2x3);
        g.setOutputs(List.of(g.apply1(new Unary(Unary.Kind.NEGATE), x)));
        String text = new StableHloEmitter(OpEmissions.standard(), true).emit(g).text();
        assertTrue(text.contains("@main(%arg0: tensor<2x3xf32> {jax.buffer_donor = true})"), text);
    }

    @Test
    void unknownOpsAreRefusedByName() {
        record Fft() implements Op {
            @Override public String name() { return "fft"; }
            @Override public List<TensorType> inferTypes(List<TensorType> in) { return in; }
            @Override public List<HostTensor> evaluate(List<HostTensor> in) { return in; }
        }
        Graph g = new Graph("unknown");
        Value x = g.parameter("x", F32_2x3);
        g.setOutputs(List.of(g.apply1(new Fft(), x)));
        var e = assertThrows(UnsupportedOperationException.class, () -> emit(g));
        assertTrue(e.getMessage().startsWith("no StableHLO emission for op fft"), e.getMessage());
        // The table is the extension point: registering the family makes the same graph emit.
        String text = new StableHloEmitter(OpEmissions.standard().register(Fft.class, (op, n, out) -> out.op(n, "stablehlo.fft", "")), false).emit(g).text();
        assertTrue(text.contains("%v1 = \"stablehlo.fft\"(%arg0)"), text);
    }
}
