import Foundation
import Testing
@testable import DLFSPlot

/// x² + y² sampled on a 41 × 41 grid over [-2, 2]², in grid units of 0.1.
func circleGrid() -> [Double] {
    var values: [Double] = []
    for j in 0..<41 { for i in 0..<41 {
        let x = Double(i - 20) / 10, y = Double(j - 20) / 10
        values.append(x * x + y * y)
    } }
    return values
}

@Test func contourOfACircleIsOneClosedRing() {
    let lines = contourLines(values: circleGrid(), columns: 41, rows: 41, level: 1)
    #expect(lines.count == 1)
    let ring = lines[0]
    #expect(ring.first == ring.last)
    #expect(ring.count > 40)
    for p in ring {
        let r = hypot((p.x - 20) / 10, (p.y - 20) / 10)
        #expect(abs(r - 1) < 0.01)  // linear interpolation of r² on a 0.1 grid
    }
}

@Test func contourLeavingTheGridIsOpen() {
    let lines = contourLines(values: circleGrid(), columns: 41, rows: 41, level: 6)  // radius 2.45 > 2
    #expect(lines.count == 4)
    #expect(lines.allSatisfy { $0.first != $0.last })
}

@Test func saddleCellIsResolvedByItsCentre() {
    // Corners (bottom-left, bottom-right, top-right, top-left) = (1, 0, 1, 0): centre 0.5 ≥ 0.5 joins the
    // high corners, so the two segments cut off the low corners.
    let lines = contourLines(values: [1, 0, 0, 1], columns: 2, rows: 2, level: 0.5)
    #expect(lines.count == 2)
    let ends = Set(lines.map { Set($0) })
    #expect(ends.contains([Point(0.5, 0), Point(1, 0.5)]))
    #expect(ends.contains([Point(0.5, 1), Point(0, 0.5)]))
}

@Test func levelsOutsideTheRangeGiveNothing() {
    #expect(contourLines(values: circleGrid(), columns: 41, rows: 41, level: 100).isEmpty)
    #expect(contourLines(values: [1, 2], columns: 1, rows: 2, level: 1.5).isEmpty)
    #expect(contourLines(values: [.nan, 0, 1, 1], columns: 2, rows: 2, level: 0.5).isEmpty)
}
