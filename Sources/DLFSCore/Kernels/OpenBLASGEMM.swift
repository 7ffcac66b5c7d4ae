#if OpenBLAS && canImport(COpenBLAS)
import COpenBLAS
import Synchronization

extension GEMMBackend {
    /// 1 when OpenBLAS is selected; the OpenBLAS build selects it unless DLFS_GEMM=dlfs.
    static let selected = Atomic<Int>(
        ProcessInfo.processInfo.environment["DLFS_GEMM"] == "dlfs" ? 0 : 1)
}

/// `gemm` through cblas, row-major, with the thread count of `ComputeThreads`.
func blasGEMM<S: TensorScalar>(
    m: Int, n: Int, k: Int,
    a: UnsafePointer<S>, lda: Int, transposeA: Bool,
    b: UnsafePointer<S>, ldb: Int, transposeB: Bool,
    c: UnsafeMutablePointer<S>, ldc: Int, accumulate: Bool
) {
    openblas_set_num_threads(Int32(ComputeThreads.count))
    let ta = transposeA ? CblasTrans : CblasNoTrans, tb = transposeB ? CblasTrans : CblasNoTrans
    let beta: S = accumulate ? 1 : 0
    if S.self == Float.self {
        a.withMemoryRebound(to: Float.self, capacity: 1) { a in
            b.withMemoryRebound(to: Float.self, capacity: 1) { b in
                c.withMemoryRebound(to: Float.self, capacity: 1) { c in
                    cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda),
                                b, Int32(ldb), Float(beta), c, Int32(ldc))
                }
            }
        }
    } else {
        a.withMemoryRebound(to: Double.self, capacity: 1) { a in
            b.withMemoryRebound(to: Double.self, capacity: 1) { b in
                c.withMemoryRebound(to: Double.self, capacity: 1) { c in
                    cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda),
                                b, Int32(ldb), Double(beta), c, Int32(ldc))
                }
            }
        }
    }
}
import Foundation
#endif
