import Foundation
import Testing

/// Invalid arguments of the chapter-4 commands, of download and of bench: each a one-line error naming the option.
@Suite("Bad arguments")
struct BadArgumentTests {
    @Test("descend", arguments: [
        (["--steps", "-1"], "--steps -1: give a number of steps from 0 to 1000000"),
        (["--steps", "1000001"], "--steps 1000001: give a number of steps from 0 to 1000000"),
        (["--lr", "abc"], "--lr 'abc': element 1 ('abc') is not a finite number"),
        (["--lr", "0.1,nan"], "--lr '0.1,nan': element 2 ('nan') is not a finite number"),
        (["--lr", ""], "--lr '' is empty; give comma-separated numbers such as 3,4"),
        (["--init", "1,2,3"], "--init '1,2,3' has 3 numbers; f(x0, x1) = x0² + x1² needs 2, e.g. 3,4"),
        (["--init", "1e999,0"], "--init '1e999,0': element 1 ('1e999') is not a finite number"),
        (["--plot", "out.png"], "--plot 'out.png': only SVG output is supported; give a file name ending in .svg"),
        (["--plot", "/nonexistent-dlfs-dir/out.svg"], "--plot '/nonexistent-dlfs-dir/out.svg': directory /nonexistent-dlfs-dir does not exist"),
    ])
    func descend(arguments: [String], expected: String) throws {
        expectOneErrorLine(try dlfs(["descend"] + arguments), expected)
    }

    @Test("descend --steps 0 is valid: the start point, unchanged")
    func descendZeroSteps() throws {
        let result = try dlfs("descend", "--init", "-3,4", "--steps", "0")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "[-3.  4.]\n")
    }

    @Test("loss, gradient and derivative", arguments: [
        (["loss", "--t", "12"], "--t 12: a class index must be an integer in 0..<10"),
        (["gradient", "--at", "1"], "--at '1' has 1 numbers; f(x0, x1) = x0² + x1² needs 2, e.g. 3,4"),
        (["derivative", "--at", "x"], "--at 'x': element 1 ('x') is not a finite number"),
    ])
    func chapterFour(arguments: [String], expected: String) throws {
        expectOneErrorLine(try dlfs(arguments), expected)
    }

    @Test("bench subcommands", arguments: [
        (["bench", "infer", "--weights", "w.pkl", "--batch-size", "0"], "--batch-size must be at least 1, not 0"),
        (["bench", "train", "--iters", "0"], "--iters must be at least 1, not 0"),
        (["bench", "train", "--batch-size", "0"], "--batch-size must be at least 1, not 0"),
        (["bench", "numgrad", "--batch-size=-1"], "--batch-size must be at least 1, not -1"),
    ])
    func bench(arguments: [String], expected: String) throws {
        expectUsageError(try dlfs(arguments), expected)
    }

    @Test("bench train and numgrad refuse a batch larger than the training set")
    func benchBatchTooLarge() throws {
        try RealData.requireFashionMNIST()
        for command in ["train", "numgrad"] {
            expectOneErrorLine(try dlfs("bench", command, "--batch-size", "60001"),
                               "--batch-size 60001 is larger than the 60000 training images of fashion-mnist")
        }
    }

    @Test("an unknown dataset, and an unknown subcommand")
    func unknownNames() throws {
        expectOneErrorLine(try dlfs("download", "cifar"), "unknown dataset 'cifar'; known datasets: mnist, fashion-mnist")
        expectUsageError(try dlfs("download", "mnist", "--split", "all"),
                         "The value 'all' is invalid for '--split <split>'. Please provide one of 'train' and 'test'.")
        let unknown = try dlfs("frobnicate")
        #expect(unknown.status == 64 && !unknown.signaled)
        #expect(unknown.stderr == "error: Unexpected argument 'frobnicate'\n", "\(unknown.stderr)")
    }
}
