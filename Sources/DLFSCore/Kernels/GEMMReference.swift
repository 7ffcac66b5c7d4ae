/// The naive triple loop that every fast GEMM path is tested against.
///
/// C (m, n) = op(A) (m, k) · op(B) (k, n), plus C's old value when `accumulate`; row-major with leading
/// dimensions. op(A)(i, p) is `a[i * lda + p]`, or `a[p * lda + i]` when `transposeA`; the same for B.
@_specialize(where S == Float)
@_specialize(where S == Double)
public func referenceGEMM<S: TensorScalar>(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<S>, lda: Int, transposeA: Bool,
    b: UnsafePointer<S>, ldb: Int, transposeB: Bool,
    c: UnsafeMutablePointer<S>, ldc: Int, accumulate: Bool
) {
    for i in 0..<m {
        for j in 0..<n {
            var sum: S = 0
            for p in 0..<k {
                let x = transposeA ? a[p * lda + i] : a[i * lda + p]
                let y = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                sum += x * y
            }
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + sum : sum
        }
    }
}
