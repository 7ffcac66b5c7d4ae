import Foundation
import Testing

/// `dlfs experiment visualize-filter|apply-filter|misclassified|half-float`: the book's chapter 7-8 scripts on
/// its trained weights and the MNIST test set, against figures computed with the book's own NumPy classes.
@Suite("Chapter 7-8 experiments", .serialized, .enabled(if: RealData.mnistTestSetPresent, "MNIST test set absent from ../shared/data/mnist"))
struct ChapterSevenEightExperimentTests {
    static func lines(_ result: CommandResult) -> [String] { result.stdout.split(separator: "\n").map(String.init) }

    /// The number after `label` in a line such as "…, mean 0.0273…, std 0.0938…".
    static func number(after label: String, in line: String) -> Double? {
        guard let range = line.range(of: label) else { return nil }
        return Double(line[range.upperBound...].prefix { !",) ".contains($0) })
    }

    @Test("visualize-filter: the trained filters' mean and std as NumPy computes them, a figure of 60 filters; --plot required")
    func visualizeFilter() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let plot = directory.file("filters.svg")
        let weights = try RealData.path("book/params.pkl")
        let result = try dlfs("experiment", "visualize-filter", "--weights", weights, "--plot", plot)
        #expect(result.status == 0, "\(result.stderr)")
        let trained = try #require(Self.lines(result).last)
        #expect(trained.hasPrefix("W1 trained (params.pkl): 30 × 1 × 5 × 5"), "\(trained)")
        // NumPy: W1.mean(), W1.std() of params.pkl.
        #expect(abs((Self.number(after: "mean ", in: trained) ?? 0) - 0.027370011594306846) < 1e-12)
        #expect(abs((Self.number(after: "std ", in: trained) ?? 0) - 0.09380898804932546) < 1e-12)
        #expect(try String(contentsOfFile: plot, encoding: .utf8).contains("random initial weights (σ 0.01)"))
        if let ink = try renderedInk(URL(fileURLWithPath: plot)) { #expect(ink > 0.2 && ink < 0.9, "\(ink)") }
        expectUsageError(try dlfs("experiment", "visualize-filter", "--weights", weights),
                         "--plot FILE.svg is needed: this experiment's result is its figure")
    }

    @Test("apply-filter: MNIST test #3 through the first filters, each response's range as the book's Convolution gives it")
    func applyFilter() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let plot = directory.file("applied.svg")
        let result = try dlfs("experiment", "apply-filter", "--weights", try RealData.path("book/params.pkl"),
                              "--data-dir", RealData.mnist, "--index", "3", "--plot", plot)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = Self.lines(result)
        #expect(lines.first == "mnist test #3: label 0 (0)" && lines.count == 17)
        // NumPy: Convolution(W1[i:i+1], 0).forward(x_test[3:4]) with the book's layer, min and max.
        let expected: [(Double, Double)] = [(0.0, 0.9802678709002317), (-0.012886502864292923, 0.9637430653061072),
                                            (-0.05113531608716814, 1.023769539700154)]
        for (k, (low, high)) in expected.enumerated() {
            let line = lines[k + 1]
            #expect(line.hasPrefix("filter \(k + 1): response 24 × 24, from "), "\(line)")
            #expect(abs((Self.number(after: "from ", in: line) ?? .nan) - low) < 1e-12, "\(line)")
            #expect(abs((Self.number(after: "to ", in: line) ?? .nan) - high) < 1e-12, "\(line)")
        }
        if let ink = try renderedInk(URL(fileURLWithPath: plot)) { #expect(ink > 0.2 && ink < 0.9, "\(ink)") }
        let outside = try dlfs("experiment", "apply-filter", "--weights", try RealData.path("book/params.pkl"),
                               "--data-dir", RealData.mnist, "--index", "-1", "--plot", plot)
        expectOneErrorLine(outside, "--index -1 is outside 0..<10000 for mnist test")
    }

    @Test("misclassified: DeepConvNet's test accuracy 0.9797 and its first 20 mistakes, as the book's script finds them")
    func misclassified() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let plot = directory.file("mistakes.svg")
        let result = try dlfs("experiment", "misclassified", "--weights", try RealData.path("book/deep_convnet_params.pkl"),
                              "--data-dir", RealData.mnist, "--plot", plot)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Self.lines(result) == [
            "calculating test accuracy ... ", "test accuracy:0.9797", "======= misclassified result =======",
            "{view index: (label, inference), ...}",
            "{1: (9, 8), 2: (9, 8), 3: (9, 8), 4: (6, 0), 5: (8, 5), 6: (9, 8), 7: (2, 7), 8: (6, 0), 9: (4, 1), 10: (4, 9), "
                + "11: (3, 2), 12: (8, 2), 13: (8, 2), 14: (1, 8), 15: (3, 9), 16: (7, 2), 17: (1, 7), 18: (5, 8), 19: (4, 9), 20: (4, 9)}",
        ])
        #expect(try String(contentsOfFile: plot, encoding: .utf8).contains("203 of 10000 wrong (label → inference)"))
        if let ink = try renderedInk(URL(fileURLWithPath: plot)) { #expect(ink > 0.05 && ink < 0.9, "\(ink)") }
    }

    @Test("half-float on 300 images: float64 and the script's float16 give the book's figures; float32 and float16 storage stay close")
    func halfFloat() throws {
        let result = try dlfs("experiment", "half-float", "--weights", try RealData.path("book/deep_convnet_params.pkl"),
                              "--data-dir", RealData.mnist, "--sampled", "300", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let report = try jsonObject(result.stdout)
        // half_float_network.py with sampled = 300, on the same files.
        // (Within 1e-12: Foundation's JSON reader may round a 16-digit decimal in its last bit.)
        for key in ["float64", "float16Values"] {
            #expect(abs((report[key] as? Double ?? 0) - 295.0 / 300) < 1e-12, "\(key): \(report[key] ?? "-")")
        }
        for key in ["float32", "float16Storage"] {
            #expect(abs((report[key] as? Double ?? 0) - 0.9833333333333333) <= 0.01, "\(key): \(report[key] ?? "-")")
        }
        #expect(report["count"] as? Int == 300)
    }
}
