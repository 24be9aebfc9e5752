package monetj.xla.stablehlo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import monetj.core.ir.Binary;
import monetj.core.ir.Graph;
import monetj.core.ir.Sharding;
import monetj.core.ir.Unary;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

class ShardingEmissionTest {
    private static final Sharding.Mesh ROW2 = new Sharding.Mesh(List.of("x"), new int[] {2});
    private static final Sharding.Mesh DATA4_MODEL2 = new Sharding.Mesh(List.of("data", "model"), new int[] {4, 2});

    private static Sharding spec(Sharding.Mesh mesh, String... axes) { return Sharding.of(mesh, axes); }

    @Test
    void hloShardingStrings() {
        assertEquals("{devices=[2,1]0,1}", HloShardingText.of(spec(ROW2, "x", null)));
        assertEquals("{devices=[1,2]0,1}", HloShardingText.of(spec(ROW2, null, "x")));
        assertEquals("{replicated}", HloShardingText.of(spec(ROW2, null, null)));
        // Device d of mesh (data=4, model=2) sits at data = d / 2, model = d % 2.
        assertEquals("{devices=[4,2]0,1,2,3,4,5,6,7}", HloShardingText.of(spec(DATA4_MODEL2, "data", "model")));
        assertEquals("{devices=[2,4]0,2,4,6,1,3,5,7}", HloShardingText.of(spec(DATA4_MODEL2, "model", "data")));
        // Split over data only: each data slice is replicated over the two model devices.
        assertEquals("{devices=[4,1,2]0,1,2,3,4,5,6,7 last_tile_dim_replicate}", HloShardingText.of(spec(DATA4_MODEL2, "data", null)));
        assertEquals("{devices=[1,2,4]0,2,4,6,1,3,5,7 last_tile_dim_replicate}", HloShardingText.of(spec(DATA4_MODEL2, null, "model")));
        assertEquals("{replicated}", HloShardingText.of(Sharding.replicated(DATA4_MODEL2, 3)));
    }

    @Test
    void oneAxisTwiceIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> spec(ROW2, "x", "x"));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    }

    @Test
    void argumentsResultsAndIntermediatesCarryTheirShardings() {
        Graph g = new Graph("spmd");
        Value x = g.parameter("x", TensorType.of(DType.F32, 8, 4));
        Value w = g.parameter("w", TensorType.of(DType.F32, 8, 4));
        Value e = g.apply1(new Unary(Unary.Kind.EXP), x);
        Value s = g.apply1(new Binary(Binary.Kind.ADD), e, w);
        g.shard(x, spec(ROW2, "x", null));
        g.shard(w, Sharding.replicated(ROW2, 2));
        g.shard(e, spec(ROW2, null, "x"));
        g.shard(s, spec(ROW2, "x", null));
        g.setOutputs(List.of(s));
        StableHloModule m = new StableHloEmitter().withPartitioner(Partitioner.GSPMD).emit(g);
        assertEquals(2, m.numPartitions());
        assertTrue(m.useSpmdPartitioning());
        assertFalse(m.useShardyPartitioner());
        assertEquals("""
                module @spmd attributes {mhlo.num_partitions = 2 : i32, mhlo.num_replicas = 1 : i32} {
                  func.func public @main(%arg0: tensor<8x4xf32> {mhlo.sharding = "{devices=[2,1]0,1}"}, %arg1: tensor<8x4xf32> {mhlo.sharding = "{replicated}"}) -> (tensor<8x4xf32> {mhlo.sharding = "{devices=[2,1]0,1}"}) {
                    %v2 = "stablehlo.exponential"(%arg0) : (tensor<8x4xf32>) -> tensor<8x4xf32>
                    %sharding0 = "stablehlo.custom_call"(%v2) {call_target_name = "Sharding", mhlo.sharding = "{devices=[1,2]0,1}"} : (tensor<8x4xf32>) -> tensor<8x4xf32>
                    %v3 = "stablehlo.add"(%sharding0, %arg1) : (tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
                    %sharding1 = "stablehlo.custom_call"(%v3) {call_target_name = "Sharding", mhlo.sharding = "{devices=[2,1]0,1}"} : (tensor<8x4xf32>) -> tensor<8x4xf32>
                    "func.return"(%sharding1) : (tensor<8x4xf32>) -> ()
                  }
                }
                """, m.text());
    }

    @Test
    void shardyIsTheDefaultSpelling() {
        Graph g = new Graph("spmd");
        Value x = g.parameter("x", TensorType.of(DType.F32, 8, 8));
        Value e = g.apply1(new Unary(Unary.Kind.EXP), x);
        g.shard(x, spec(DATA4_MODEL2, "data", null));
        g.shard(e, new Sharding(DATA4_MODEL2, List.of(List.of(), List.of("model", "data"))));
        g.setOutputs(List.of(e));
        StableHloModule m = new StableHloEmitter().emit(g);
        assertEquals(8, m.numPartitions());
        assertTrue(m.useShardyPartitioner());
        assertEquals("""
                module @spmd attributes {mhlo.num_partitions = 8 : i32, mhlo.num_replicas = 1 : i32} {
                  sdy.mesh @mesh = <["data"=4, "model"=2]>
                  func.func public @main(%arg0: tensor<8x8xf32> {sdy.sharding = #sdy.sharding<@mesh, [{"data"}, {}]>}) -> (tensor<8x8xf32> {sdy.sharding = #sdy.sharding<@mesh, [{}, {"model", "data"}]>}) {
                    %v1 = "stablehlo.exponential"(%arg0) : (tensor<8x8xf32>) -> tensor<8x8xf32>
                    %sharding0 = "sdy.sharding_constraint"(%v1) {sharding = #sdy.sharding<@mesh, [{}, {"model", "data"}]>} : (tensor<8x8xf32>) -> tensor<8x8xf32>
                    "func.return"(%sharding0) : (tensor<8x8xf32>) -> ()
                  }
                }
                """, m.text());
    }

    @Test
    void aDimensionOverTwoAxesTilesByTheirProduct() {
        // dim 0 over (data, model): tile t of 8 is data = t / 2, model = t % 2, i.e. device t.
        assertEquals("{devices=[8,1]0,1,2,3,4,5,6,7}", HloShardingText.of(new Sharding(DATA4_MODEL2, List.of(List.of("data", "model"), List.of()))));
        // (model, data): tile t is model = t / 4, data = t % 4, device data * 2 + model.
        assertEquals("{devices=[1,8]0,2,4,6,1,3,5,7}", HloShardingText.of(new Sharding(DATA4_MODEL2, List.of(List.of(), List.of("model", "data")))));
    }

    @Test
    void unshardedProgramsNeedNoPartitioner() {
        Graph g = new Graph("single");
        Value x = g.parameter("x", TensorType.of(DType.F32, 2));
        g.setOutputs(List.of(x));
        StableHloModule m = new StableHloEmitter().emit(g);
        assertEquals(1, m.numPartitions());
        assertFalse(m.useSpmdPartitioning());
    }

    @Test
    void twoMeshesInOneProgramAreRefused() {
        Graph g = new Graph("two");
        Value x = g.parameter("x", TensorType.of(DType.F32, 8, 4));
        Value y = g.parameter("y", TensorType.of(DType.F32, 8, 4));
        g.shard(x, spec(ROW2, "x", null));
        g.shard(y, spec(DATA4_MODEL2, "data", null));
        g.setOutputs(List.of(x, y));
        var e = assertThrows(IllegalArgumentException.class, () -> new StableHloEmitter().emit(g));
        assertTrue(e.getMessage().contains("two meshes") && e.getMessage().contains("[data, model]"), e.getMessage());
    }
}
