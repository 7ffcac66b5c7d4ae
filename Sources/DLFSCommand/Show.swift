import ArgumentParser
import DLFS
import Foundation

/// `dlfs show`: draw dataset images in the terminal with their labels, or write them as a PNG grid.
struct Show: AsyncParsableCommand {
    enum ColorMode: String, ExpressibleByArgument, CaseIterable { case auto, always, never }

    static let configuration = CommandConfiguration(
        abstract: "Draw dataset images in the terminal (Unicode half blocks) with their labels, or as a PNG.")

    @OptionGroup var source: DatasetOptions

    @Option(help: "train or test.")
    var split: Split = .test

    /// `.unconditionalSingleValue`, so that `--index -1` is reported as out of range, not as a missing value.
    @Option(name: .customLong("index"), parsing: .unconditionalSingleValue, help: "An image to show (repeatable; default 0).")
    var indices: [Int] = []

    @Flag(help: "Print the number of images in the split instead of drawing.")
    var count = false

    @Option(help: "Write the images as a PNG grid to this file instead of drawing them.")
    var png: String?

    @Option(help: "PNG pixels per image pixel.")
    var scale = 4

    @Option(help: "Grey levels with ANSI colours: auto (when stdout is a terminal), always, never.")
    var color: ColorMode = .auto

    @Flag(help: "Time five in-process loads of the split and print the best and median.")
    var time = false

    func validate() throws {
        guard (1...64).contains(scale) else { throw ValidationError("--scale must be between 1 and 64") }
    }

    func run() async throws {
        let info = try DatasetInfo.named(source.datasetName)
        let directory = try DataLocator().locate(info, splits: [split], dataDir: source.dataDir)
        if time { return try printLoadTimes(info, directory) }
        let set = try Dataset.read(info, splits: [split], from: directory).split(split)
        if count { return print(set.count) }
        let shown = indices.isEmpty ? [0] : indices
        if let bad = shown.first(where: { !(0..<set.count).contains($0) }) {
            throw CommandFailure("--index \(bad) is outside 0..<\(set.count) for \(info.name) \(split)")
        }
        if let png { return try writePNG(set, shown, to: png, info: info) }
        let useColor = color == .always || (color == .auto && isatty(1) != 0)
        for index in shown {
            print("\(info.name) \(split) #\(index): label \(label(set, index, info))")
            for line in TerminalImage.lines(set.image(at: index), rows: set.rows, columns: set.columns, color: useColor) {
                print(line)
            }
        }
    }

    private func label(_ set: ImageSet, _ index: Int, _ info: DatasetInfo) -> String {
        let value = Int(set.labels[index])
        let name = info.classNames[value]
        return name == String(value) ? name : "\(value) (\(name))"
    }

    private func writePNG(_ set: ImageSet, _ shown: [Int], to path: String, info: DatasetInfo) throws {
        let grid = set.grid(shown, columns: min(10, shown.count), scale: scale)
        try writeAtomically(PNG.encodeGray(width: grid.width, height: grid.height, pixels: grid.pixels), to: path)
        print("wrote \(path): \(shown.count) images, \(grid.width)x\(grid.height) pixels; labels "
            + shown.map { label(set, $0, info) }.joined(separator: " "))
    }

    private func printLoadTimes(_ info: DatasetInfo, _ directory: String) throws {
        let clock = ContinuousClock()
        var times: [Double] = []
        var images = 0
        for _ in 0..<5 {
            let start = clock.now
            images = try Dataset.read(info, splits: [split], from: directory).split(split).count
            let elapsed = clock.now - start
            times.append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15)
        }
        times.sort()
        print(String(format: "loaded %@ %@ (%d images and labels) from %@: best %.1f ms, median %.1f ms of 5",
                     info.name, split.rawValue, images, directory, times[0], times[2]))
    }
}
