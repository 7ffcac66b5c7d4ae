import ArgumentParser
import DLFS
import Foundation

/// `dlfs bench gemm`: GFLOP/s of the DLFS kernel (1 and 2 threads), the naive reference and OpenBLAS.
struct BenchGEMM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "GEMM throughput in GFLOP/s on the shapes DLFS's networks use, and as % of FP32 peak.")

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Flag(help: "Use Double instead of Float.")
    var double = false

    @Option(parsing: .unconditional, help: """
        Multiply-adds of the kernels' width a core starts per cycle, for the peak figure (2 on Zen 5; 1 on \
        Zen 4 with AVX-512, whose 512-bit multiply-add takes both 256-bit pipes; 1 to 16).
        """)
    var fmaPipes = 2

    @Option(parsing: .unconditional,
            help: "FP32 lanes per FMA (8 for AVX2, 16 for AVX-512; 1 to 64; default: those of the kernels as built).")
    var lanes: Int?

    @Option(parsing: .unconditional, help: "The clock the cores sustain under load, in GHz (3.6 on this project's EPYC machine; 0.1 to 10).")
    var clockGHz = 3.6

    func validate() throws {
        try requireCount(fmaPipes, "--fma-pipes", atMost: 16)
        if let lanes { try requireCount(lanes, "--lanes", atMost: 64) }
        try requireNumber(clockGHz, "--clock-g-hz", in: 0.1...10)
    }

    struct Shape { let m, k, n: Int; let transposeA: Bool }
    static let shapes = [
        Shape(m: 100, k: 784, n: 50, transposeA: false), Shape(m: 784, k: 100, n: 50, transposeA: true),
        Shape(m: 100, k: 50, n: 10, transposeA: false), Shape(m: 10000, k: 784, n: 50, transposeA: false),
        Shape(m: 1024, k: 1024, n: 1024, transposeA: false),
    ]

    struct Report: Codable { let scalar: String; let peakGFLOPSPerCore: Double; let clockGHz: Double; let rows: [Row] }

    struct Row: Codable {
        let shape: String
        var gflops: [String: Double] = [:]
        var percentOfPeak: [String: Double] = [:]
    }

    func run() throws {
        if double { try run(Double.self) } else { try run(Float.self) }
    }

    private func run<S: TensorScalar>(_: S.Type) throws {
        let lanes = lanes ?? KernelTarget.floatLanes
        let float32Peak = Double(fmaPipes * lanes * 2) * clockGHz
        // Peak for this element type: half the lanes for Double.
        let peak = float32Peak * Double(MemoryLayout<Float>.size) / Double(MemoryLayout<S>.size)
        var rng = SeededGenerator(seed: 1)
        var rows: [Row] = []
        for shape in Self.shapes {
            let a = Tensor<S>.randomUniform(shape.transposeA ? [shape.k, shape.m] : [shape.m, shape.k], using: &rng)
            let b = Tensor<S>.randomUniform([shape.k, shape.n], using: &rng)
            var c = Tensor<S>.zeros([shape.m, shape.n])
            let flops = 2.0 * Double(shape.m * shape.k * shape.n)
            var row = Row(shape: "\(shape.m)x\(shape.k)x\(shape.n)\(shape.transposeA ? " (Aᵀ·B)" : "")")
            func measure(_ label: String, threads: Int, reference: Bool = false, backend: GEMMBackend = .dlfs) {
                GEMMBackend.select(backend)
                let seconds = a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            let lda = shape.transposeA ? shape.m : shape.k
                            return Timing.median(minRuns: 3, minSeconds: reference ? 0.05 : 0.3) {
                                if reference {
                                    referenceGEMM(m: shape.m, n: shape.n, k: shape.k, a: pa.baseAddress!, lda: lda,
                                                  transposeA: shape.transposeA, b: pb.baseAddress!, ldb: shape.n,
                                                  transposeB: false, c: pc.baseAddress!, ldc: shape.n, accumulate: false)
                                } else {
                                    ComputeThreads.count = threads
                                    gemm(m: shape.m, n: shape.n, k: shape.k, a: pa.baseAddress!, lda: lda,
                                         transposeA: shape.transposeA, b: pb.baseAddress!, ldb: shape.n,
                                         c: pc.baseAddress!, ldc: shape.n, threads: threads)
                                }
                            }
                        }
                    }
                }
                row.gflops[label] = flops / seconds / 1e9
                row.percentOfPeak[label] = 100 * flops / seconds / 1e9 / (peak * Double(threads))
            }
            measure("dlfs-1t", threads: 1)
            measure("dlfs-2t", threads: 2)
            if GEMMBackend.isOpenBLASAvailable {
                measure("openblas-1t", threads: 1, backend: .openBLAS)
                measure("openblas-2t", threads: 2, backend: .openBLAS)
            }
            if shape.m * shape.n * shape.k <= 50_000_000 { measure("naive", threads: 1, reference: true) }
            rows.append(row)
        }
        GEMMBackend.select(.dlfs)
        ComputeThreads.count = 0
        if json {
            let data = try JSONEncoder.sorted.encode(
                Report(scalar: "\(S.self)", peakGFLOPSPerCore: peak, clockGHz: clockGHz, rows: rows))
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(String(format: "%@ peak per core: %.1f GFLOP/s (= %d FMA pipes × %d lanes × 2 × %.2f GHz)",
                     "\(S.self)", peak, fmaPipes, lanes * MemoryLayout<Float>.size / MemoryLayout<S>.size, clockGHz))
        let labels = ["dlfs-1t", "dlfs-2t"] + (GEMMBackend.isOpenBLASAvailable ? ["openblas-1t", "openblas-2t"] : []) + ["naive"]
        print("shape (m×k×n)".padding(toLength: 22, withPad: " ", startingAt: 0)
              + labels.map { $0.leftPadded(to: 18) }.joined() + (GEMMBackend.isOpenBLASAvailable ? "   dlfs/openblas 1t" : ""))
        for row in rows {
            var line = row.shape.padding(toLength: 22, withPad: " ", startingAt: 0)
            for label in labels {
                guard let g = row.gflops[label], let p = row.percentOfPeak[label] else { line += "-".leftPadded(to: 18); continue }
                line += String(format: "%7.1f (%4.0f%%)", g, p).leftPadded(to: 18)
            }
            if let ours = row.gflops["dlfs-1t"], let theirs = row.gflops["openblas-1t"] {
                line += String(format: "   %.2f×", ours / theirs)
            }
            print(line)
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

extension JSONEncoder {
    /// Keys sorted, so the JSON a script reads is stable from run to run.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
