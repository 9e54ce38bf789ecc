"""One vector instruction the kernels need that numba does not write by itself: compress.

The windowed quantile search (:mod:`forecast.kernels.windows`) counts the draws below and
inside a window of values and copies the few inside it to a buffer. Written as a loop, the copy
either branches on every draw (a mispredicted branch per window value: the windows' draws are
scattered) or stores every draw; numba's compiler vectorises neither. AVX-512 has the
instruction for it, ``vcompresspd``, and LLVM reaches it from its generic
``llvm.experimental.vector.compress``: :func:`window_block` takes eight values at a time,
compares them with the window's edges, packs the ones inside it into a register and stores
the register whole. One such pass over 1,000 draws took 133 ns where the float32 counting pass
and the word-by-word gather it replaces took 142 + about 200 ns (each alone in a loop,
2026-12-05, AMD EPYC with AVX-512).

Where the target has no AVX-512, LLVM expands the compress element by element (1,040 ns a
pass, measured with ``NUMBA_CPU_FEATURES`` set to Haswell's): ``VECTOR_COMPRESS``
(``FORECAST_VECTOR_COMPRESS``, read in :mod:`forecast.kernels._jit`) is then off and the
search keeps its counting pass and gather. Both give the same quantiles, bit for bit
(``tests/forecast/kernels/test_windows.py`` runs each).
"""

import numba
from llvmlite import ir
from numba.core import cgutils
from numba.extending import intrinsic

from forecast.kernels._jit import VECTOR_COMPRESS

__all__ = ["BLOCK", "VECTOR_COMPRESS", "window_block"]

#: Values one :func:`window_block` compares and packs.
BLOCK = 8


@intrinsic
def window_block(typing_context, row, start, low, high, out, count):
    """Compare ``row[start:start + 8]`` with a window ``[low, high]``; store the values inside
    it, in draw order, at ``out[count:]`` (all eight slots from ``count`` are written, the
    ones past the packed values with unspecified values); return how many were below ``low``,
    how many inside and how many NaN.

    ``row`` and ``out`` are C-contiguous float64 arrays, ``start + 8 <= row.size`` and
    ``count + 8 <= out.size`` (a caller that has seen ``start`` values packs at most that many,
    so ``out`` the size of ``row`` has room). NaN is neither below nor inside.
    """
    contiguous = all(
        isinstance(array, numba.types.Array)
        and array.layout == "C"
        and array.ndim == 1
        and array.dtype == numba.float64
        for array in (row, out)
    )
    if not contiguous:
        return None
    signature = numba.types.UniTuple(numba.int64, 3)(row, start, low, high, out, count)

    def codegen(context, builder, signature, arguments):
        row_value, start_value, low_value, high_value, out_value, count_value = arguments
        vector = ir.VectorType(ir.DoubleType(), BLOCK)
        mask = ir.VectorType(ir.IntType(1), BLOCK)
        undefined = ir.Constant(vector, ir.Undefined)
        lane_zeros = ir.Constant(ir.VectorType(ir.IntType(32), BLOCK), [0] * BLOCK)

        def splat(scalar):
            first = builder.insert_element(undefined, scalar, ir.Constant(ir.IntType(32), 0))
            return builder.shuffle_vector(first, undefined, lane_zeros)

        source = context.make_array(signature.args[0])(context, builder, row_value).data
        target = context.make_array(signature.args[4])(context, builder, out_value).data
        values = builder.load(
            builder.bitcast(builder.gep(source, [start_value]), vector.as_pointer()), align=8
        )
        lows, highs = splat(low_value), splat(high_value)
        below = builder.fcmp_ordered("<", values, lows)
        inside = builder.and_(
            builder.fcmp_ordered(">=", values, lows), builder.fcmp_ordered("<=", values, highs)
        )
        compress = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(vector, [vector, mask, vector]),
            f"llvm.experimental.vector.compress.v{BLOCK}f64",
        )
        packed = builder.call(compress, [values, inside, undefined])
        builder.store(
            packed,
            builder.bitcast(builder.gep(target, [count_value]), vector.as_pointer()),
            align=8,
        )
        byte = ir.IntType(BLOCK)
        population = builder.module.declare_intrinsic("llvm.ctpop", [byte])

        def count_of(flags):
            return builder.zext(
                builder.call(population, [builder.bitcast(flags, byte)]), ir.IntType(64)
            )

        missing = builder.fcmp_unordered("uno", values, values)
        return context.make_tuple(
            builder, signature.return_type, [count_of(below), count_of(inside), count_of(missing)]
        )

    return signature, codegen
