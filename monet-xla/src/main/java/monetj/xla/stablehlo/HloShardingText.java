package monetj.xla.stablehlo;

import java.util.ArrayList;
import java.util.List;
import monetj.core.ir.Sharding;

/**
 * A {@link Sharding} in XLA's HLO sharding syntax, the form GSPMD reads from {@code mhlo.sharding}:
 * {@code {replicated}}, or {@code {devices=[t0,t1,...]d0,d1,...}} with one tile count per dimension and the
 * devices of the tiles in row-major tile order. A dimension split over several mesh axes has their product as its
 * tile count, its tile index running over those axes major to minor. Mesh axes a value is not split over become a
 * trailing replication dimension ({@code last_tile_dim_replicate}). Devices are numbered row-major over the mesh
 * axes, which is the order of the compile options' device assignment.
 */
public final class HloShardingText {
    private HloShardingText() {}

    public static String of(Sharding sharding) {
        Sharding.Mesh mesh = sharding.mesh();
        List<String> axes = mesh.axisNames();
        int rank = sharding.dims().size();
        List<List<Integer>> tileAxes = new ArrayList<>(); // mesh axes behind each tile dimension, major to minor
        boolean[] used = new boolean[axes.size()];
        boolean split = false;
        for (List<String> dim : sharding.dims()) {
            List<Integer> ids = new ArrayList<>();
            for (String a : dim) {
                int i = axes.indexOf(a);
                ids.add(i);
                used[i] = true;
                split |= mesh.axisSizes()[i] > 1;
            }
            tileAxes.add(ids);
        }
        if (!split) return "{replicated}";

        List<Integer> replicatedAxes = new ArrayList<>();
        for (int a = 0; a < axes.size(); a++) if (!used[a] && mesh.axisSizes()[a] > 1) replicatedAxes.add(a);
        if (!replicatedAxes.isEmpty()) tileAxes.add(replicatedAxes);

        int[] tiles = new int[tileAxes.size()];
        for (int i = 0; i < tiles.length; i++) {
            tiles[i] = 1;
            for (int a : tileAxes.get(i)) tiles[i] *= mesh.axisSizes()[a];
        }

        StringBuilder sb = new StringBuilder("{devices=[");
        for (int i = 0; i < tiles.length; i++) sb.append(i == 0 ? "" : ",").append(tiles[i]);
        sb.append(']');
        int count = mesh.deviceCount();
        int[] coords = new int[axes.size()];
        for (int tile = 0; tile < count; tile++) {
            // Decompose the row-major tile index into tile coordinates, then each into its mesh axes' coordinates.
            int rest = tile;
            for (int i = tiles.length - 1; i >= 0; i--) {
                int c = rest % tiles[i];
                rest /= tiles[i];
                List<Integer> ids = tileAxes.get(i);
                for (int k = ids.size() - 1; k >= 0; k--) {
                    int a = ids.get(k);
                    coords[a] = c % mesh.axisSizes()[a];
                    c /= mesh.axisSizes()[a];
                }
            }
            sb.append(tile == 0 ? "" : ",").append(deviceIndex(mesh, coords));
        }
        if (!replicatedAxes.isEmpty()) sb.append(" last_tile_dim_replicate");
        return sb.append('}').toString();
    }

    private static int deviceIndex(Sharding.Mesh mesh, int[] coords) {
        int id = 0;
        for (int a = 0; a < coords.length; a++) id = id * mesh.axisSizes()[a] + coords[a];
        return id;
    }
}
