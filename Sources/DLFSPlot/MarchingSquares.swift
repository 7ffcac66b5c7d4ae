/// Contour lines of a sampled function by marching squares.
///
/// `values[j * columns + i]` is the function at grid node (i, j). Each cell whose corners straddle the level
/// contributes a segment between interpolated crossings on its edges; saddle cells are resolved by the
/// mean of their corners. Segments sharing a grid edge are joined into polylines, returned in grid
/// coordinates (i, j fractional). Cells with a non-finite corner are skipped.
public func contourLines(values: [Double], columns: Int, rows: Int, level: Double) -> [[Point]] {
    guard columns >= 2, rows >= 2, values.count == columns * rows else { return [] }
    func value(_ i: Int, _ j: Int) -> Double { values[j * columns + i] }
    // Edge ids: horizontal edge from node (i, j) to (i+1, j) is 2(j·columns + i); vertical to (i, j+1) is that + 1.
    func horizontal(_ i: Int, _ j: Int) -> Int { 2 * (j * columns + i) }
    func vertical(_ i: Int, _ j: Int) -> Int { 2 * (j * columns + i) + 1 }
    func crossing(_ edge: Int) -> Point {
        let node = edge / 2, i = node % columns, j = node / columns
        let (a, b) = edge % 2 == 0 ? (value(i, j), value(i + 1, j)) : (value(i, j), value(i, j + 1))
        let t = b == a ? 0.5 : min(max((level - a) / (b - a), 0), 1)
        return edge % 2 == 0 ? Point(Double(i) + t, Double(j)) : Point(Double(i), Double(j) + t)
    }

    var segments: [(Int, Int)] = []
    for j in 0..<(rows - 1) {
        for i in 0..<(columns - 1) {
            let corners = [value(i, j), value(i + 1, j), value(i + 1, j + 1), value(i, j + 1)]
            guard corners.allSatisfy(\.isFinite) else { continue }
            let above = corners.map { $0 >= level }
            // Edges in order bottom, right, top, left; an edge is crossed when its ends disagree.
            let edges = [horizontal(i, j), vertical(i + 1, j), horizontal(i, j + 1), vertical(i, j)]
            let crossed = (0..<4).filter { above[$0] != above[($0 + 1) % 4] }.map { edges[$0] }
            if crossed.count == 2 {
                segments.append((crossed[0], crossed[1]))
            } else if crossed.count == 4 {
                let centerAbove = corners.reduce(0, +) / 4 >= level
                if centerAbove == above[0] {
                    segments += [(crossed[0], crossed[1]), (crossed[2], crossed[3])]
                } else {
                    segments += [(crossed[0], crossed[3]), (crossed[1], crossed[2])]
                }
            }
        }
    }
    return joinSegments(segments).map { $0.map(crossing) }
}

/// Chains segments (pairs of edge ids) into maximal paths; a closed contour repeats its first edge at the end.
func joinSegments(_ segments: [(Int, Int)]) -> [[Int]] {
    var byEdge: [Int: [Int]] = [:]
    for (index, s) in segments.enumerated() {
        byEdge[s.0, default: []].append(index)
        byEdge[s.1, default: []].append(index)
    }
    var used = [Bool](repeating: false, count: segments.count)
    func extend(_ chain: inout [Int]) {
        while let end = chain.last, let next = byEdge[end]?.first(where: { !used[$0] }) {
            used[next] = true
            let s = segments[next]
            chain.append(s.0 == end ? s.1 : s.0)
        }
    }
    var chains: [[Int]] = []
    for start in segments.indices where !used[start] {
        used[start] = true
        var forward = [segments[start].0, segments[start].1]
        extend(&forward)
        var backward = [segments[start].0]
        extend(&backward)
        chains.append(backward.dropFirst().reversed() + forward)
    }
    return chains
}
