import DLFSCore
import Testing
@testable import DLFSNN

/// The book's two outputs for the digit 2 (section 4.2.1): y1 favours 2, y2 favours 7.
let bookY1: [Double] = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
let bookY2: [Double] = [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]
let bookT: [Double] = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]

/// A 20 × 5 batch of probability rows and labels, built the same way in the NumPy script that produced
/// the reference values: row i, column k holds ((7i + 3k) mod 11 + 1) / 10, normalised by its row sum.
func syntheticBatch() -> (y: Tensor<Double>, labels: [Int]) {
    var scalars: [Double] = []
    for i in 0..<20 {
        let row = (0..<5).map { k in Double((i * 7 + k * 3) % 11 + 1) / 10.0 }
        var sum = 0.0
        for v in row { sum += v }
        scalars += row.map { $0 / sum }
    }
    return (Tensor(shape: [20, 5], scalars: scalars), (0..<20).map { ($0 * 3) % 5 })
}

func oneHot(_ labels: [Int], classes: Int) -> Tensor<Double> {
    Tensor(shape: [labels.count, classes], scalars: labels.flatMap { l in (0..<classes).map { $0 == l ? 1.0 : 0.0 } })
}

@Test func sumSquaresErrorMatchesTheBook() {
    #expect(sumSquaresError(Tensor(bookY1), Tensor(bookT)) == 0.09750000000000003)
    #expect(sumSquaresError(Tensor(bookY2), Tensor(bookT)) == 0.5975)
}

@Test func crossEntropyErrorMatchesTheBook() {
    #expect(abs(crossEntropyError(Tensor(bookY1), Tensor(bookT)) - 0.510825457099338) < 1e-12)
    #expect(abs(crossEntropyError(Tensor(bookY2), Tensor(bookT)) - 2.302584092994546) < 1e-12)
    // Index labels on a single vector give the same value.
    #expect(crossEntropyError(Tensor(bookY1), labels: [2]) == 0.510825457099338)
}

@Test func crossEntropyErrorOfSoftLabels() {
    // NumPy: -np.sum(t * np.log(y1 + 1e-7)) with t = 0.7 at class 2 and 0.3 at class 7.
    var t = [Double](repeating: 0, count: 10)
    t[2] = 0.7
    t[7] = 0.3
    #expect(crossEntropyError(Tensor(bookY1), Tensor(t)) == 1.0483530478679004)
}

@Test func batchCrossEntropyMatchesNumPy() {
    let y = Tensor(shape: [2, 10], scalars: bookY1 + bookY2)
    // NumPy, the book's batch version: both rows labelled 2, then the right labels 2 and 7.
    #expect(crossEntropyError(y, labels: [2, 2]) == 1.406704775046942)
    #expect(crossEntropyError(y, labels: [2, 7]) == 0.510825457099338)
    #expect(crossEntropyError(y, oneHot([2, 2], classes: 10)) == 1.406704775046942)

    let (batch, labels) = syntheticBatch()
    #expect(crossEntropyError(batch, labels: labels) == 1.9502230064351074)
    #expect(crossEntropyError(batch, oneHot(labels, classes: 5)) == 1.9502230064351074)
}

@Test func batchSumSquaresRoundsAsNumPySums() {
    let (batch, labels) = syntheticBatch()
    // NumPy's pairwise np.sum gives ...297; a left-to-right loop would give 8.990942443103298.
    #expect(sumSquaresError(batch, oneHot(labels, classes: 5)) == 8.990942443103297)
}

@Test func pairwiseSumFollowsNumPyBlocks() {
    // Values (37i mod 101) / 7 − 6.5; np.sum of the first n, for sizes around NumPy's block edges.
    let values = (0..<300).map { Double(($0 * 37) % 101) / 7.0 - 6.5 }
    var sequential = 0.0
    for v in values { sequential += v }
    #expect(numpySum(values) == 188.28571428571428)  // a loop gives 188.28571428571425
    #expect(sequential != numpySum(values))
    #expect(numpySum(Array(values.prefix(130))) == 74.57142857142858)  // a loop gives ...56
    #expect(numpySum([-0.0, -0.0]) == 0 && numpySum([-0.0, -0.0]).sign == .plus)
}

@Test func lossesInFloat() {
    let t = Tensor(bookT.map(Float.init))
    #expect(sumSquaresError(Tensor(bookY1.map(Float.init)), t) == 0.0975)
    #expect(abs(crossEntropyError(Tensor(bookY1.map(Float.init)), t) - 0.5108254) < 1e-6)
}
