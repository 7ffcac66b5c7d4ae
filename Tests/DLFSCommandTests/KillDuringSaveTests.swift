import DLFSIO
import Foundation
import Testing

/// `dlfs train --save` over a good checkpoint, killed with SIGKILL at random moments: the file is always
/// the old checkpoint or a complete new one, and the next successful run leaves no temporary behind.
@Test("SIGKILL during train --save never leaves a partial checkpoint", .timeLimit(.minutes(10)))
func killDuringSave() throws {
    try RealData.requireFashionMNIST()
    let executable = try #require(dlfsExecutable)
    let directory = try TemporaryDirectory()
    defer { directory.cleanUp() }
    let model = directory.file("model.safetensors")
    func arguments(seed: Int) -> [String] {
        ["train", "--dataset", "fashion-mnist", "--iters", "40", "--seed", String(seed), "--save", model]
    }
    #expect(try dlfs(arguments(seed: 1)).status == 0)
    var current = try Data(contentsOf: URL(fileURLWithPath: model))

    // How long one run takes here, so the kills spread over all of it, the final write included.
    let start = Date()
    #expect(try dlfs(arguments(seed: 2)).status == 0)
    let runSeconds = Date().timeIntervalSince(start)
    current = try Data(contentsOf: URL(fileURLWithPath: model))

    var killedWhileRunning = 0, unchanged = 0, replaced = 0
    for round in 0..<50 {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments(seed: 3 + round)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(useconds_t(Double.random(in: 0.1...1.1) * runSeconds * 1e6))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal { killedWhileRunning += 1 }
        let now = try Data(contentsOf: URL(fileURLWithPath: model))
        if now == current {
            unchanged += 1
        } else {
            let arrays = try SafeTensors.read(model)   // complete, or this throws
            #expect(arrays.names.sorted() == ["W1", "W2", "b1", "b2"], "round \(round)")
            current = now
            replaced += 1
        }
    }
    #expect(killedWhileRunning > 0, "no kill landed while dlfs was running (one run takes \(runSeconds) s)")
    print("kill test: \(killedWhileRunning) of 50 killed while running; \(unchanged) left the old file, \(replaced) a new one")
    #expect(try dlfs(arguments(seed: 99)).status == 0)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
}
