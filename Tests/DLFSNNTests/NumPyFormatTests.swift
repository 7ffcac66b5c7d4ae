import Testing
@testable import DLFSNN

/// Each expected string is NumPy 2.4's `print(np.array(values))`; the implementation was also checked
/// against 3,000 random arrays (signs, zeros, inf/nan, magnitudes 1e-300…1e300) with no difference.
@Test(arguments: [
    ([-6.111107928998789e-10, 8.148143905314271e-10], "[-6.11110793e-10  8.14814391e-10]"),
    ([-25898374737328.363, -1295248616896.5398], "[-2.58983747e+13 -1.29524862e+12]"),
    ([-2.999999939999995, 3.9999999199999934], "[-2.99999994  3.99999992]"),
    ([-0.39785866768397027, 0.5304782235783754], "[-0.39785867  0.53047822]"),
    ([6.00000000000378, 7.999999999999119], "[6. 8.]"),
    ([0.0, 4.000000000004], "[0. 4.]"),
    ([0.1, 0.05, 0.6, 0.0], "[0.1  0.05 0.6  0.  ]"),
    ([-7.64415524e-154, 163.200327, -8.7442205e+259], "[-7.64415524e-154  1.63200327e+002 -8.74422050e+259]"),
    ([0.0, 1e-10, 1.5e-10], "[0.0e+00 1.0e-10 1.5e-10]"),
    ([Double.nan, -Double.infinity, 1.5], "[ nan -inf  1.5]"),
    ([-0.0, 2.5], "[-0.   2.5]"),
    ([8.95417885, -0.90082137], "[ 8.95417885 -0.90082137]"),
])
func numPyStrings(values: [Double], expected: String) {
    #expect(NumPyFormat.string(values) == expected)
}

@Test func longArraysWrapAt75Columns() {
    let values = (0..<14).map { Double($0) * 0.125 }
    #expect(NumPyFormat.string(values) == """
        [0.    0.125 0.25  0.375 0.5   0.625 0.75  0.875 1.    1.125 1.25  1.375
         1.5   1.625]
        """)
}

@Test func hugeArraysAreSummarised() {
    let values = (0..<1500).map(Double.init)
    #expect(NumPyFormat.string(values) == "[0.000e+00 1.000e+00 2.000e+00 ... 1.497e+03 1.498e+03 1.499e+03]")
}

@Test func floatArraysUseFloatDigits() {
    #expect(NumPyFormat.string([Float(0.1), 0.2]) == "[0.1 0.2]")
}
