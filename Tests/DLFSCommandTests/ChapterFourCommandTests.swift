import Foundation
import Testing

@Test func lossPrintsTheBooksNumbers() throws {
    let result = try dlfs("loss")
    #expect(result.status == 0)
    #expect(result.stdout == """
        t = [0. 0. 1. 0. 0. 0. 0. 0. 0. 0.]  (class 2)
        y1 = [0.1  0.05 0.6  0.   0.05 0.1  0.   0.1  0.   0.  ]
          sum of squares error: 0.09750000000000003
          cross-entropy error:  0.510825457099338
        y2 = [0.1  0.05 0.1  0.   0.05 0.1  0.   0.6  0.   0.  ]
          sum of squares error: 0.5975
          cross-entropy error:  2.302584092994546
        batch of 2, mean cross-entropy error: 1.406704775046942

        """)
}

@Test func lossTakesVectorsAndLabelsAsJSON() throws {
    let result = try dlfs("loss", "--y", "0.7,0.2,0.1", "--t", "0,1,0", "--json")
    #expect(result.status == 0)
    // NumPy: 0.5 * np.sum((y - t)**2) and -np.sum(t * np.log(y + 1e-7)). Compared as printed text:
    // swift-corelibs-foundation's JSONSerialization does not parse doubles to the nearest value.
    #expect(result.stdout.contains(#""sumSquaresError":0.5700000000000001"#))
    #expect(result.stdout.contains(#""crossEntropyError":1.6094374124342252"#))
    #expect(try jsonObject(result.stdout)["label"] as? Int == 1)
}

@Test func lossRejectsBadLabels() throws {
    let outOfRange = try dlfs("loss", "--t", "12")
    #expect(outOfRange.status != 0)
    #expect(outOfRange.stderr.contains("--t 12"))
    let notOneHot = try dlfs("loss", "--y", "0.5,0.5", "--t", "1,1")
    #expect(notOneHot.status != 0 && notOneHot.stderr.contains("not one-hot"))
    let ragged = try dlfs("loss", "--y", "0.5,0.5", "--y", "1")
    #expect(ragged.status != 0 && ragged.stderr.contains("--y number 2"))
}

@Test func gradientPrintsAsNumPy() throws {
    let result = try dlfs("gradient")
    #expect(result.status == 0)
    #expect(result.stdout == "[6. 8.]\n[0. 4.]\n[6. 0.]\n")
    let json = try dlfs("gradient", "--at", "3,4", "--json").stdout
    #expect(json.contains(#""gradient":[6.00000000000378,7.999999999999119]"#))
}

@Test func derivativeOfTheBooksFunction() throws {
    let result = try dlfs("derivative")
    #expect(result.status == 0)
    #expect(result.stdout == "0.1999999999990898\n0.2999999999986347\n")
}

@Test(arguments: [
    ("0.1", "[-6.11110793e-10  8.14814391e-10]"),
    ("10", "[-2.58983747e+13 -1.29524862e+12]"),
    ("1e-10", "[-2.99999994  3.99999992]"),
])
func descendPrintsTheFinalPointAsNumPy(learningRate: String, expected: String) throws {
    let result = try dlfs("descend", "--init", "-3,4", "--lr", learningRate, "--steps", "100")
    #expect(result.status == 0)
    #expect(result.stdout == expected + "\n")
}

@Test func descendJSONCarriesTheFullPrecisionValues() throws {
    let text = try dlfs("descend", "--lr", "0.1,10,1e-10", "--json").stdout
    // The shortest round-trip digits of NumPy's results, so equal text means equal bits.
    #expect(text.contains(#""x":[-6.111107928998789e-10,8.148143905314271e-10]"#))
    #expect(text.contains(#""x":[-25898374737328.363,-1295248616896.5398]"#))
    #expect(text.contains(#""x":[-2.999999939999995,3.9999999199999934]"#))
    let runs = try #require(try jsonObject(text)["runs"] as? [[String: Any]])
    #expect(runs.map { $0["outcome"] as? String ?? "" } == ["converges", "diverges", "barely moves"])
}

@Test func descendPlotsOnePanelPerLearningRate() throws {
    let directory = try TemporaryDirectory()
    defer { directory.cleanUp() }
    let url = directory.url.appendingPathComponent("descent.svg")
    let result = try dlfs("descend", "--init", "-3,4", "--lr", "0.1,10,1e-10", "--plot", url.path)
    #expect(result.status == 0)
    #expect(result.stdout == """
        lr 0.1: [-6.11110793e-10  8.14814391e-10]
        lr 10.0: [-2.58983747e+13 -1.29524862e+12]
        lr 1e-10: [-2.99999994  3.99999992]

        """)
    let texts = try svgTexts(url)
    #expect(texts.contains("lr = 0.1") && texts.contains("lr = 10.0") && texts.contains("lr = 1e-10"))
    #expect(texts.contains { $0.hasPrefix("converges") })
    #expect(texts.contains { $0.hasPrefix("diverges") })
    #expect(texts.contains { $0.hasPrefix("barely moves") })
    try expectRenders(url)
}

@Test func gradientAndDerivativePlotsAreWellFormed() throws {
    let directory = try TemporaryDirectory()
    defer { directory.cleanUp() }
    let field = directory.url.appendingPathComponent("field.svg")
    #expect(try dlfs("gradient", "--plot", field.path).status == 0)
    #expect(try svgTexts(field).contains("x0"))
    try expectRenders(field)
    let tangent = directory.url.appendingPathComponent("tangent.svg")
    #expect(try dlfs("derivative", "--plot", tangent.path).status == 0)
    #expect(try svgTexts(tangent).contains("tangent at x = 5, slope 0.2"))
    try expectRenders(tangent)
}

@Test func badInputGivesOneLineErrors() throws {
    let badPoint = try dlfs("descend", "--init", "-3,x")
    #expect(badPoint.status != 0)
    #expect(badPoint.stderr.contains("--init '-3,x': element 2 ('x') is not a finite number"))
    let threeD = try dlfs("gradient", "--at", "1,2,3")
    #expect(threeD.status != 0 && threeD.stderr.contains("needs 2"))
    let noDirectory = try dlfs("descend", "--plot", "/nonexistent-dlfs-dir/d.svg")
    #expect(noDirectory.status != 0 && noDirectory.stderr.contains("/nonexistent-dlfs-dir"))
    #expect(noDirectory.stdout.isEmpty)
    let notSVG = try dlfs("gradient", "--plot", "field.png")
    #expect(notSVG.status != 0 && notSVG.stderr.contains("only SVG"))
}
