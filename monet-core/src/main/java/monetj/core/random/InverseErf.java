package monetj.core.random;

import monetj.core.dsl.Tensor;

/**
 * erf^-1 on (-1, 1) in f32 by M. Giles's single-precision approximation ("Approximating the erfinv function", GPU
 * Computing Gems, 2011): a polynomial in {@code w = -log(1 - x^2)} for the centre and one in {@code sqrt(w)} for the
 * tails; relative error below 1e-6. Both branches are computed and one selected, as a graph must.
 */
public final class InverseErf {
    private static final double[] CENTRE = {2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
            -0.00417768164, 0.246640727, 1.50140941};
    private static final double[] TAILS = {-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
            0.00943887047, 1.00167406, 2.83297682};

    private InverseErf() {}

    /** erf^-1(x) elementwise, for f32 {@code x} strictly inside (-1, 1). */
    public static Tensor of(Tensor x) {
        Tensor w = x.neg().add(1.0).mul(x.add(1.0)).log().neg();
        Tensor centre = horner(CENTRE, w.sub(2.5));
        Tensor tails = horner(TAILS, w.sqrt().sub(3.0));
        return w.lt(5.0).where(centre, tails).mul(x);
    }

    private static Tensor horner(double[] coefficients, Tensor w) {
        Tensor p = w.mul(coefficients[0]).add(coefficients[1]);
        for (int i = 2; i < coefficients.length; i++) p = p.mul(w).add(coefficients[i]);
        return p;
    }
}
