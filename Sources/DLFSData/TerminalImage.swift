/// Draws greyscale images in a terminal with the upper half block ▀: one character cell holds two pixels
/// stacked, the top one as foreground, the bottom one as background (ANSI 256-colour grey ramp).
public enum TerminalImage {
    /// Lines of text for a `rows` x `columns` image; `color` false gives plain text (▀ ▄ █ and spaces,
    /// pixels at or above `threshold` drawn), for logs and files.
    public static func lines<C: Collection>(_ pixels: C, rows: Int, columns: Int, color: Bool,
                                            threshold: UInt8 = 128) -> [String] where C.Element == UInt8 {
        let p = Array(pixels)
        precondition(p.count == rows * columns, "\(p.count) pixels do not fill \(rows)x\(columns)")
        var result: [String] = []
        for top in stride(from: 0, to: rows, by: 2) {
            var line = ""
            for x in 0..<columns {
                let upper = p[top * columns + x]
                let lower: UInt8 = top + 1 < rows ? p[(top + 1) * columns + x] : 0
                if color {
                    line += "\u{1B}[38;5;\(grey(upper))m\u{1B}[48;5;\(grey(lower))m▀"
                } else {
                    switch (upper >= threshold, lower >= threshold) {
                    case (true, true): line += "█"
                    case (true, false): line += "▀"
                    case (false, true): line += "▄"
                    case (false, false): line += " "
                    }
                }
            }
            result.append(color ? line + "\u{1B}[0m" : line)
        }
        return result
    }

    /// The 256-colour code of a grey level: 16 is black, 231 white, 232...255 the ramp between.
    static func grey(_ v: UInt8) -> Int {
        switch v {
        case 0..<4: return 16
        case 252...: return 231
        default: return 232 + (Int(v) - 4) * 24 / 248
        }
    }
}
