import Foundation
import Testing
@testable import DLFSPlot

@Test func lineChartIsWellFormedWithEscapedText() throws {
    let chart = LineChart(
        labels: ChartLabels(title: "loss < 1 & \"falling\"", xLabel: "iteration", yLabel: "loss", notes: ["a'b"]),
        series: [Series(name: "train", values: [2.3, 1.1, 0.6, 0.4]),
                 Series(name: "test <held out>", values: [2.3, 1.3, 0.8, 0.7])],
        yScale: .log)
    let summary = XMLSummary(Data(chart.document().text.utf8))
    #expect(summary.elements["svg"] == 1)
    #expect(summary.elements["polyline"] == 2)
    #expect(summary.texts.contains("loss < 1 & \"falling\""))
    #expect(summary.texts.contains("test <held out>"))
    #expect(summary.texts.contains("a'b"))
}

@Test func logScaleBreaksLinesAtNonPositiveValues() {
    let chart = LineChart(series: [Series(points: [Point(0, 1), Point(1, 10), Point(2, 0), Point(3, 100), Point(4, 1000)])],
                          yScale: .log)
    let summary = XMLSummary(Data(chart.document().text.utf8))
    #expect(summary.elements["polyline"] == 2)
}

@Test func figuresRenderWithRsvg() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let f: @Sendable (Double, Double) -> Double = { $0 * $0 + $1 * $1 }
    let path = Series(name: "path", points: (0...20).map { k in Point(-3 * pow(0.8, Double(k)), 4 * pow(0.8, Double(k))) },
                      markers: true)
    let contour = ContourPlot(labels: ChartLabels(title: "descent", xLabel: "x0", yLabel: "x1"), function: f,
                              xDomain: -5...5, yDomain: -5...5, paths: [path])
    let divergent = ContourPlot(function: f, xDomain: -1e14...1e14, yDomain: -1e14...1e14,
                                xScale: .symlog(threshold: 1), yScale: .symlog(threshold: 1),
                                paths: [Series(points: [Point(-3, 4), Point(57, -76), Point(-2.6e13, -1.3e12)])])
    let arrows = stride(from: -2.0, through: 2, by: 0.5).flatMap { y in
        stride(from: -2.0, through: 2, by: 0.5).map { x in VectorField.Arrow(at: Point(x, y), vector: Point(-2 * x, -2 * y)) }
    }
    let field = VectorField(arrows: arrows, xDomain: -2...2, yDomain: -2...2)
    let tangent = FunctionPlot.chart({ 0.01 * $0 * $0 + 0.1 * $0 }, over: 0...20, tangents: [.init(x: 5, slope: 0.2)])

    let url = directory.appendingPathComponent("panels.svg")
    try Panels([contour, divergent, field, tangent], title: "all kinds").write(to: url)
    let summary = XMLSummary(try Data(contentsOf: url))
    #expect(summary.elements["polygon", default: 0] >= 60)   // arrow heads (the centre has none)
    #expect(summary.elements["polyline", default: 0] > 10)   // contours, paths, curves
    #expect(summary.texts.contains("all kinds") && summary.texts.contains("descent"))
    #expect(summary.texts.contains("10¹⁰"))                  // symlog ticks
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(leftovers == ["panels.svg"])                       // the temporary file was renamed
    try expectRenders(url)
}

@Test func writingIntoAMissingDirectoryNamesIt() {
    let chart = LineChart(series: [Series(values: [1, 2])])
    let url = URL(fileURLWithPath: "/nonexistent-dlfs-dir/chart.svg")
    #expect {
        try chart.write(to: url)
    } throws: { error in
        "\(error)".contains("/nonexistent-dlfs-dir")
    }
}

@Test func vectorFieldScalesTheLongestArrowToTheSpacing() {
    let field = VectorField(arrows: [.init(at: Point(0, 0), vector: Point(1, 0)), .init(at: Point(1, 0), vector: Point(0.5, 0))],
                            xDomain: 0...1, yDomain: -0.5...0.5)
    let text = field.document(width: 300, height: 300).text
    #expect(text.components(separatedBy: "<polygon").count - 1 == 2)
}

@Test func histogramCountsAsNumPy() {
    // np.histogram([0, 0.1, 0.25, 0.5, 0.99, 1, 1.5, -0.1], 4, range=(0, 1)) → [2, 1, 1, 2]
    #expect(Histogram.binCounts([0, 0.1, 0.25, 0.5, 0.99, 1, 1.5, -0.1, .nan], bins: 4, range: 0...1) == [2, 1, 1, 2])
    // An empty range widens by ½ each way: np.histogram([3, 3], 2, range=(3, 3)) → [0, 2]
    #expect(Histogram.binCounts([3, 3], bins: 2, range: 3...3) == [0, 2])
    let chart = Histogram(labels: ChartLabels(title: "1-layer"), values: [0.1, 0.2, 0.2, 0.9], bins: 3, range: 0...1)
    #expect(chart.counts == [3, 0, 1])
    let summary = XMLSummary(Data(chart.document().text.utf8))
    #expect(summary.texts.contains("1-layer"))
    // Background, plot area and its frame, two bars, the frame again over the bars' feet.
    #expect(summary.elements["rect"] == 6)
}

@Test func panelsInAGrid() throws {
    let charts = (0..<7).map { LineChart(labels: ChartLabels(title: "panel \($0)"), series: [Series(values: [1, 2])]) as any Chart }
    let grid = Panels(charts, title: "grid", columns: 3, panelWidth: 100, panelHeight: 80)
    #expect(grid.grid == (columns: 3, rows: 3))
    #expect(grid.document.width == 300 && grid.document.height == 3 * 80 + 30)
    let row = Panels(charts, panelWidth: 100, panelHeight: 80)
    #expect(row.grid == (columns: 7, rows: 1) && row.document.width == 700)
    let summary = XMLSummary(Data(grid.document.text.utf8))
    #expect((0..<7).allSatisfy { summary.texts.contains("panel \($0)") })
}
