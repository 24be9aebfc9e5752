package monetj.core.model;

import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;

/**
 * NeoX-style rotary position embedding (HF {@code rotate_half}): the head dimension is split in halves, and
 * {@code q' = q cos + rotate_half(q) sin} with {@code rotate_half([a, b]) = [-b, a]}. The cos/sin tables are
 * computed on the host, as HF does, in f32 from {@code inv_freq = theta^(-2i/hd)}.
 */
final class RotaryEmbedding {
    private RotaryEmbedding() {}

    /** cos and sin tables [positions, headDim] for positions {@code start .. start+length-1}. */
    static HostTensor[] tables(int start, int length, int headDim, double theta) {
        float[] cos = new float[length * headDim], sin = new float[length * headDim];
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            float invFreq = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
            for (int p = 0; p < length; p++) {
                float angle = (float) (start + p) * invFreq; // f32 product, as HF's matmul of positions and inv_freq
                float c = (float) Math.cos(angle), s = (float) Math.sin(angle);
                cos[p * headDim + i] = c;
                cos[p * headDim + i + half] = c;
                sin[p * headDim + i] = s;
                sin[p * headDim + i + half] = s;
            }
        }
        Shape s = Shape.of(length, headDim);
        return new HostTensor[] {HostTensor.of(s, cos), HostTensor.of(s, sin)};
    }

    /** Rotates x [B, heads, T, hd] with tables [T, hd] (traced tensors, so generation can feed positions). */
    static Tensor apply(Tensor x, Tensor cos, Tensor sin) {
        int hd = x.dim(-1), half = hd / 2;
        Tensor rotated = Tensor.concat(-1, x.slice(-1, half, hd).neg(), x.slice(-1, 0, half));
        Tensor c = cos.convert(x.dtype()), s = sin.convert(x.dtype());
        return x.mul(c).add(rotated.mul(s));
    }

    static Tensor[] constants(Graph g, int start, int length, int headDim, double theta) {
        HostTensor[] t = tables(start, length, headDim, theta);
        return new Tensor[] {Tensor.constant(g, t[0]), Tensor.constant(g, t[1])};
    }
}
