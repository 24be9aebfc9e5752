package monetj.xla.stablehlo;

import java.util.ArrayList;
import java.util.List;
import monetj.core.ir.Sharding;

/**
 * A {@link Sharding} in XLA's HLO sharding syntax, the form GSPMD reads from {@code mhlo.sharding}:
 * {@code {replicated}}, or {@code {devices=[t0,t1,...]d0,d1,...}} with one tile count per dimension and the
 * devices of the tiles in row-major tile order. Mesh axes a value is not split over become a trailing
 * replication dimension ({@code last_tile_dim_replicate}). Devices are numbered row-major over the mesh axes,
 * which is the order of the compile options' device assignment.
 */
public final class HloShardingText {
    private HloShardingText() {}

    public static String of(Sharding sharding) {
        Sharding.Mesh mesh = sharding.mesh();
        List<String> axes = mesh.axisNames();
        List<String> spec = sharding.spec();
        int[] axisOfDim = new int[spec.size()];
        boolean[] used = new boolean[axes.size()];
        boolean split = false;
        for (int d = 0; d < spec.size(); d++) {
            String a = spec.get(d);
            axisOfDim[d] = a == null ? -1 : axes.indexOf(a);
            if (a == null) continue;
            if (axisOfDim[d] < 0) throw new IllegalArgumentException("sharding " + spec + " names axis '" + a + "', which mesh " + axes + " lacks");
            if (used[axisOfDim[d]]) throw new IllegalArgumentException("sharding " + spec + " splits two dimensions over mesh axis '" + a + "'");
            used[axisOfDim[d]] = true;
            split |= mesh.axisSizes()[axisOfDim[d]] > 1;
        }
        if (!split) return "{replicated}";

        List<Integer> replicatedAxes = new ArrayList<>();
        for (int a = 0; a < axes.size(); a++) if (!used[a]) replicatedAxes.add(a);
        int replication = 1;
        for (int a : replicatedAxes) replication *= mesh.axisSizes()[a];

        int[] tiles = new int[spec.size() + (replication > 1 ? 1 : 0)];
        for (int d = 0; d < spec.size(); d++) tiles[d] = axisOfDim[d] < 0 ? 1 : mesh.axisSizes()[axisOfDim[d]];
        if (replication > 1) tiles[spec.size()] = replication;

        StringBuilder sb = new StringBuilder("{devices=[");
        for (int i = 0; i < tiles.length; i++) sb.append(i == 0 ? "" : ",").append(tiles[i]);
        sb.append(']');
        int count = mesh.deviceCount();
        int[] coords = new int[axes.size()];
        for (int tile = 0; tile < count; tile++) {
            // Decompose the row-major tile index into tile coordinates, then into mesh coordinates.
            int rest = tile;
            for (int i = tiles.length - 1; i >= 0; i--) {
                int c = rest % tiles[i];
                rest /= tiles[i];
                if (i < spec.size()) {
                    if (axisOfDim[i] >= 0) coords[axisOfDim[i]] = c;
                } else {
                    for (int k = replicatedAxes.size() - 1; k >= 0; k--) {
                        int a = replicatedAxes.get(k);
                        coords[a] = c % mesh.axisSizes()[a];
                        c /= mesh.axisSizes()[a];
                    }
                }
            }
            sb.append(tile == 0 ? "" : ",").append(deviceIndex(mesh, coords));
        }
        if (replication > 1) sb.append(" last_tile_dim_replicate");
        return sb.append('}').toString();
    }

    private static int deviceIndex(Sharding.Mesh mesh, int[] coords) {
        int id = 0;
        for (int a = 0; a < coords.length; a++) id = id * mesh.axisSizes()[a] + coords[a];
        return id;
    }
}
