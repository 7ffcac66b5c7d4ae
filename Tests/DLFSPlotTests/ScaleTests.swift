import Testing
@testable import DLFSPlot

@Test func niceStepsAreOneTwoOrFiveTimesAPowerOfTen() {
    #expect(niceStep(9, target: 6) == 2)
    #expect(niceStep(1, target: 5) == 0.2)
    #expect(niceStep(3000, target: 6) == 500)
    #expect(niceStep(0.07, target: 7) == 0.01)
}

@Test func niceTicksAreExactMultiples() {
    #expect(niceTicks(-4.5...4.5, step: 2) == [-4, -2, 0, 2, 4])
    #expect(niceTicks(0...1, step: 0.2).map { $0 * 10 } .map { $0.rounded() } == [0, 2, 4, 6, 8, 10])
    #expect(niceTicks(0.3...0.5, step: 0.1).count == 3)
    #expect(niceDomain(0.03...0.97) == 0...1)
    #expect(niceDomain(-2.6e13...1.2e12) == -3e13...5e12)
}

@Test func linearLabelsHaveTheStepsDecimals() {
    #expect(Scale(domain: -1...1, range: (0, 100)).ticks(target: 4).map(\.label) == ["−1.0", "−0.5", "0.0", "0.5", "1.0"])
    #expect(Scale(domain: 0...20, range: (0, 100)).ticks(target: 4).map(\.label) == ["0", "5", "10", "15", "20"])
}

@Test func scalesMapAndInvert() {
    let linear = Scale(domain: 0...10, range: (100, 0))
    #expect(linear(2.5) == 75)
    #expect(linear.invert(75) == 2.5)
    let log = Scale(kind: .log, domain: 1...1000, range: (0, 300))
    #expect(abs(log(10) - 100) < 1e-9)
    #expect(log(0).isInfinite)
    #expect(log.ticks().map(\.label) == ["1", "10", "10²", "10³"])
    let symlog = Scale(kind: .symlog(threshold: 1), domain: -1e14...1e14, range: (0, 280))
    #expect(symlog(0) == 140)
    for v in [-3.0, 0.5, 57, -2.6e13] { #expect(abs(symlog.invert(symlog(v)) - v) <= abs(v) * 1e-12) }
    let labels = symlog.ticks().map(\.label)
    #expect(labels.contains("0") && labels.contains("10¹⁰") && labels.contains("−10¹⁰"))
}

@Test func xmlEscaping() {
    #expect(escapeXML(#"a < b & "c" > 'd'"#) == "a &lt; b &amp; &quot;c&quot; &gt; &apos;d&apos;")
    #expect(escapeXML("bell\u{7}gone") == "bellgone")
    #expect(fmt(1.005) == "1" || fmt(1.005) == "1.01")
    #expect(fmt(12.3456) == "12.35")
    #expect(fmt(.infinity) == "0")
    #expect(fmt(3e9) == "1000000")
}
