package monetj.train.plan;

import java.util.List;
import java.util.Locale;

/**
 * One accelerator chip as {@code monet plan} sees it: peak dense bf16 FLOP/s, HBM bytes, and the bandwidth one chip
 * has for collectives, in one direction (a ring all-gather or reduce-scatter moves (n-1)/n of the data into and out of
 * every chip at once, so the one-way figure is what bounds it). GPUs have a fast domain of {@code chipsPerNode} chips
 * (NVLink through NVSwitch); a collective over more chips than one node holds goes at the node's network bandwidth
 * per GPU. A TPU slice's chips are all on the inter-chip interconnect (ICI).
 */
public record Hardware(String name, String description, double peakFlopsPerSecond, long hbmBytes, double interconnectBytesPerSecond,
        String interconnect, int chipsPerNode, double networkBytesPerSecond, String network) {
    private static final long GIB = 1L << 30;

    /*
     * Sources (public):
     * v4   https://cloud.google.com/tpu/docs/v4 ("Peak compute per chip 275 teraflops (bf16 or int8)", "HBM2 capacity and
     *      bandwidth 32 GiB, 1200 GBps"). The page gives no per-chip ICI figure; https://jax-ml.github.io/scaling-book/tpus/
     *      ("TPU specs": TPU v4p ICI 4.5e10 bytes/s per link one way) and the v4 paper (Jouppi et al., ISCA 2023,
     *      arXiv 2304.01433: six ICI links per chip in the 3D torus) give 6 x 45 GB/s = 270 GB/s one way per chip.
     * v5p  https://cloud.google.com/tpu/docs/v5p ("Peak compute per chip (BF16) 459 TFLOPs", "HBM capacity per chip 95 GiB",
     *      "Bidirectional inter-chip interconnect (ICI) bandwidth per chip 1200 GBps" = 600 GB/s each way).
     * a100 NVIDIA A100 Tensor Core GPU datasheet, SXM 80GB (https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/
     *      nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf): BF16 Tensor Core 312 TFLOPS dense (624 with sparsity), 80GB HBM2e,
     *      NVLink 600 GB/s (both directions together: 300 GB/s each way). NVIDIA DGX A100 datasheet: 8 GPUs per node, one
     *      200 Gb/s HDR InfiniBand port per GPU (25 GB/s).
     * h100 NVIDIA H100 Tensor Core GPU datasheet, SXM (https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet):
     *      BF16 Tensor Core 1,979 TFLOPS with sparsity (989 dense), 80GB HBM3, NVLink 900 GB/s (450 GB/s each way). NVIDIA DGX
     *      H100 datasheet: 8 GPUs per node, one 400 Gb/s ConnectX-7 port per GPU (50 GB/s).
     * h200 NVIDIA H200 Tensor Core GPU datasheet, SXM (https://www.nvidia.com/en-us/data-center/h200/): BF16 1,979 TFLOPS with
     *      sparsity (989 dense), 141GB HBM3e, NVLink 900 GB/s (450 GB/s each way). NVIDIA DGX H200 datasheet: 8 GPUs per node,
     *      one 400 Gb/s ConnectX-7 port per GPU (50 GB/s).
     */
    public static final List<Hardware> TABLE = List.of(
            new Hardware("v4", "TPU v4", 275e12, 32 * GIB, 270e9, "ICI", Integer.MAX_VALUE, 270e9, "ICI"),
            new Hardware("v5p", "TPU v5p", 459e12, 95 * GIB, 600e9, "ICI", Integer.MAX_VALUE, 600e9, "ICI"),
            new Hardware("a100", "NVIDIA A100 SXM 80GB", 312e12, 80_000_000_000L, 300e9, "NVLink", 8, 25e9, "InfiniBand HDR"),
            new Hardware("h100", "NVIDIA H100 SXM", 989e12, 80_000_000_000L, 450e9, "NVLink", 8, 50e9, "InfiniBand NDR"),
            new Hardware("h200", "NVIDIA H200 SXM", 989e12, 141_000_000_000L, 450e9, "NVLink", 8, 50e9, "InfiniBand NDR"));

    /** The chip named as on the command line (v4, v5p, a100, h100, h200). */
    public static Hardware named(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        for (Hardware h : TABLE) if (h.name.equals(key)) return h;
        throw new IllegalArgumentException("--hardware must be one of " + TABLE.stream().map(Hardware::name).toList() + ", got '" + name + "'");
    }

    /** The one-way bandwidth per chip of a collective over {@code groupChips} chips, and what carries it. */
    public double collectiveBytesPerSecond(int groupChips) { return groupChips > chipsPerNode ? networkBytesPerSecond : interconnectBytesPerSecond; }

    /** What carries a collective over {@code groupChips} chips. */
    public String collectiveLink(int groupChips) { return groupChips > chipsPerNode ? network + " (the group spans nodes of " + chipsPerNode + ")" : interconnect; }
}
