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
(``FORECAST_VECTOR_COMPRESS``, read in :mod:`forecast.kernels._jit`, which also needs LLVM 19
or later for the instruction) is then off and the search keeps its counting pass and gather.
Both give the same quantiles, bit for bit (``tests/forecast/kernels/test_windows.py`` runs
each).

With :mod:`forecast.kernels._jit`, this is the other module that touches numba's machinery
directly: it writes LLVM IR.
"""

import numba
from llvmlite import ir
from numba.core import cgutils
from numba.extending import intrinsic

#: Values one :func:`window_block` compares and packs.
BLOCK = 8


def _splat(builder, vector_type, scalar):
    """A vector with ``scalar`` in every lane."""
    undefined = ir.Constant(vector_type, ir.Undefined)
    first = builder.insert_element(undefined, scalar, ir.Constant(ir.IntType(32), 0))
    lane_zeros = ir.Constant(ir.VectorType(ir.IntType(32), vector_type.count), [0] * BLOCK)
    return builder.shuffle_vector(first, undefined, lane_zeros)


def _lanes_set(builder, flags):
    """How many lanes of a ``BLOCK``-lane i1 vector are set, as an int64."""
    lane_bits = ir.IntType(BLOCK)  # one bit per lane
    population = builder.module.declare_intrinsic("llvm.ctpop", [lane_bits])
    return builder.zext(
        builder.call(population, [builder.bitcast(flags, lane_bits)]), ir.IntType(64)
    )


@intrinsic
def window_block(typing_context, row, start, low, high, out, count):
    """Compare ``row[start:start + 8]`` [MW] with a window ``[low, high]`` [MW]; store the
    values inside it, in draw order, at ``out[count:]`` (all eight slots from ``count`` are
    written, the ones past the packed values with unspecified values); return how many were
    below ``low``, how many inside and how many NaN [-].

    ``row`` and ``out`` are C-contiguous float64 arrays, ``start + 8 <= row.size`` and
    ``count + 8 <= out.size`` (a caller that has seen ``start`` values packs at most that many,
    so ``out`` the size of ``row`` has room). NaN is neither below nor inside.
    """
    supported = (
        all(
            isinstance(array, numba.types.Array)
            and array.layout == "C"
            and array.ndim == 1
            and array.dtype == numba.float64
            for array in (row, out)
        )
        and all(edge == numba.float64 for edge in (low, high))
        and all(isinstance(index, numba.types.Integer) for index in (start, count))
    )
    if not supported:  # numba then reports a typing error at the call, not invalid IR
        return None
    signature = numba.types.UniTuple(numba.int64, 3)(row, start, low, high, out, count)

    def codegen(context, builder, signature, arguments):
        row_value, start_value, low_value, high_value, out_value, count_value = arguments
        start_value = context.cast(builder, start_value, signature.args[1], numba.int64)
        count_value = context.cast(builder, count_value, signature.args[5], numba.int64)
        vector = ir.VectorType(ir.DoubleType(), BLOCK)
        mask = ir.VectorType(ir.IntType(1), BLOCK)
        undefined = ir.Constant(vector, ir.Undefined)
        source = context.make_array(signature.args[0])(context, builder, row_value).data
        target = context.make_array(signature.args[4])(context, builder, out_value).data
        values = builder.load(
            builder.bitcast(builder.gep(source, [start_value]), vector.as_pointer()), align=8
        )
        lows, highs = _splat(builder, vector, low_value), _splat(builder, vector, high_value)
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
        missing = builder.fcmp_unordered("uno", values, values)
        return context.make_tuple(
            builder,
            signature.return_type,
            [_lanes_set(builder, below), _lanes_set(builder, inside), _lanes_set(builder, missing)],
        )

    return signature, codegen
