package monetj.xla.stablehlo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import monetj.core.ir.Compare;
import monetj.core.ir.Concatenate;
import monetj.core.ir.Constant;
import monetj.core.ir.DynamicSlice;
import monetj.core.ir.DynamicUpdateSlice;
import monetj.core.ir.Gather;
import monetj.core.ir.Graph;
import monetj.core.ir.Iota;
import monetj.core.ir.Node;
import monetj.core.ir.OptimizationBarrier;
import monetj.core.ir.Pad;
import monetj.core.ir.Scatter;
import monetj.core.ir.Slice;
import monetj.core.ir.Sort;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

/** Golden texts for the data-movement families: slices, concatenate, pad, iota, barrier, gather, scatter, sort. */
class IndexingEmissionTest {
    private static String emit(Graph g) { return new StableHloEmitter().emit(g).text(); }

    @Test
    void slicesConcatenatePadIotaAndBarrier() {
        Graph g = new Graph("moves");
        Value x = g.parameter("x", TensorType.of(DType.F32, 4, 6));
        Value i = g.parameter("i", TensorType.of(DType.S32));
        Value s = g.apply1(new Slice(new int[] {0, 1}, new int[] {4, 6}, new int[] {2, 2}), x);
        Value d = g.apply1(new DynamicSlice(new int[] {2, 3}), x, i, i);
        Value u = g.apply1(new DynamicUpdateSlice(), x, d, i, i);
        Value c = g.apply1(new Concatenate(1), s, d);
        Value zero = g.apply1(new Constant(HostTensor.scalar(0f)));
        Value p = g.apply1(new Pad(new int[] {1, -1}, new int[] {0, 2}, new int[] {1, 0}), c, zero);
        Value io = g.apply1(new Iota(TensorType.of(DType.S32, 2, 3), 1));
        Node b = g.apply(new OptimizationBarrier(), List.of(u, io));
        g.setOutputs(List.of(p, b.out(0), b.out(1)));
        assertEquals("""
                module @moves attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
                  func.func public @main(%arg0: tensor<4x6xf32>, %arg1: tensor<i32>) -> (tensor<4x7xf32>, tensor<4x6xf32>, tensor<2x3xi32>) {
                    %v2 = "stablehlo.slice"(%arg0) {start_indices = array<i64: 0, 1>, limit_indices = array<i64: 4, 6>, strides = array<i64: 2, 2>} : (tensor<4x6xf32>) -> tensor<2x3xf32>
                    %v3 = "stablehlo.dynamic_slice"(%arg0, %arg1, %arg1) {slice_sizes = array<i64: 2, 3>} : (tensor<4x6xf32>, tensor<i32>, tensor<i32>) -> tensor<2x3xf32>
                    %v4 = "stablehlo.dynamic_update_slice"(%arg0, %v3, %arg1, %arg1) : (tensor<4x6xf32>, tensor<2x3xf32>, tensor<i32>, tensor<i32>) -> tensor<4x6xf32>
                    %v5 = "stablehlo.concatenate"(%v2, %v3) {dimension = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
                    %v6 = "stablehlo.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
                    %v7 = "stablehlo.pad"(%v5, %v6) {edge_padding_low = array<i64: 1, -1>, edge_padding_high = array<i64: 0, 2>, interior_padding = array<i64: 1, 0>} : (tensor<2x6xf32>, tensor<f32>) -> tensor<4x7xf32>
                    %v8 = "stablehlo.iota"() {iota_dimension = 1 : i64} : () -> tensor<2x3xi32>
                    %v9:2 = "stablehlo.optimization_barrier"(%v4, %v8) : (tensor<4x6xf32>, tensor<2x3xi32>) -> (tensor<4x6xf32>, tensor<2x3xi32>)
                    "func.return"(%v7, %v9#0, %v9#1) : (tensor<4x7xf32>, tensor<4x6xf32>, tensor<2x3xi32>) -> ()
                  }
                }
                """, emit(g));
    }

    @Test
    void gatherAndScatterCarryTheirDimensionNumbers() {
        Graph g = new Graph("take");
        Value table = g.parameter("table", TensorType.of(DType.F32, 5, 3));
        Value ids = g.parameter("ids", TensorType.of(DType.S32, 4));
        Value rows = g.apply1(new Gather(new int[] {1}, new int[] {0}, new int[0], new int[0], new int[] {0}, 1, new int[] {1, 3}, false), table, ids);
        Value back = g.apply1(new Scatter(new int[] {1}, new int[] {0}, new int[0], new int[0], new int[] {0}, 1, false, false), table, ids, rows);
        g.setOutputs(List.of(back));
        assertEquals("""
                module @take attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
                  func.func public @main(%arg0: tensor<5x3xf32>, %arg1: tensor<4xi32>) -> (tensor<5x3xf32>) {
                    %v2 = "stablehlo.gather"(%arg0, %arg1) {dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, slice_sizes = array<i64: 1, 3>, indices_are_sorted = false} : (tensor<5x3xf32>, tensor<4xi32>) -> tensor<4x3xf32>
                    %v3 = "stablehlo.scatter"(%arg0, %arg1, %v2) ({
                    ^bb0(%r0_arg0: tensor<f32>, %r0_arg1: tensor<f32>):
                      %r0_0 = "stablehlo.add"(%r0_arg0, %r0_arg1) : (tensor<f32>, tensor<f32>) -> tensor<f32>
                      "stablehlo.return"(%r0_0) : (tensor<f32>) -> ()
                    }) {scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>, indices_are_sorted = false, unique_indices = false} : (tensor<5x3xf32>, tensor<4xi32>, tensor<4x3xf32>) -> tensor<5x3xf32>
                    "func.return"(%v3) : (tensor<5x3xf32>) -> ()
                  }
                }
                """, emit(g));
    }

    @Test
    void batchingDimensionsAreWrittenWhenPresent() {
        Graph g = new Graph("along");
        Value x = g.parameter("x", TensorType.of(DType.F32, 2, 5));
        Value idx = g.parameter("idx", TensorType.of(DType.S32, 2, 1));
        g.setOutputs(List.of(g.apply1(new Gather(new int[0], new int[] {1}, new int[] {0}, new int[] {0}, new int[] {1}, 2, new int[] {1, 1}, true), x, idx)));
        String text = emit(g);
        assertEquals(true, text.contains("#stablehlo.gather<collapsed_slice_dims = [1], operand_batching_dims = [0], start_indices_batching_dims = [0], "
                + "start_index_map = [1], index_vector_dim = 2>, slice_sizes = array<i64: 1, 1>, indices_are_sorted = true}"), text);
    }

    @Test
    void sortWritesAStableTotalOrderComparatorOnTheFirstOperand() {
        Graph g = new Graph("sort");
        Value v = g.parameter("v", TensorType.of(DType.BF16, 2, 4));
        Value pos = g.apply1(new Iota(TensorType.of(DType.S32, 2, 4), 1));
        Node sorted = g.apply(new Sort(1, Compare.Direction.GT), List.of(v, pos));
        g.setOutputs(List.of(sorted.out(1)));
        assertEquals("""
                module @sort attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
                  func.func public @main(%arg0: tensor<2x4xbf16>) -> (tensor<2x4xi32>) {
                    %v1 = "stablehlo.iota"() {iota_dimension = 1 : i64} : () -> tensor<2x4xi32>
                    %v2:2 = "stablehlo.sort"(%arg0, %v1) ({
                    ^bb0(%r0_arg0: tensor<bf16>, %r0_arg1: tensor<bf16>, %r0_arg2: tensor<i32>, %r0_arg3: tensor<i32>):
                      %r0_0 = "stablehlo.compare"(%r0_arg0, %r0_arg1) {comparison_direction = #stablehlo<comparison_direction GT>, compare_type = #stablehlo<comparison_type TOTALORDER>} : (tensor<bf16>, tensor<bf16>) -> tensor<i1>
                      "stablehlo.return"(%r0_0) : (tensor<i1>) -> ()
                    }) {dimension = 1 : i64, is_stable = true} : (tensor<2x4xbf16>, tensor<2x4xi32>) -> (tensor<2x4xbf16>, tensor<2x4xi32>)
                    "func.return"(%v2#1) : (tensor<2x4xi32>) -> ()
                  }
                }
                """, emit(g));
    }
}
