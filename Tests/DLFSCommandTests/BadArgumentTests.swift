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
        (["--init", "1e308,1e308", "--steps", "0", "--plot", "x.svg"],
         "--init '1e308,1e308': coordinates must be from -1e150 to 1e150, where x0² + x1² is finite"),
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
        (["bench", "train", "--iters", "0"], "--iters must be from 1 to 100000000, not 0"),
        (["bench", "train", "--iters", "-3"], "--iters must be from 1 to 100000000, not -3"),
        (["bench", "gemm", "--lanes", "0", "--json"], "--lanes must be from 1 to 64, not 0"),
        (["bench", "gemm", "--clock-g-hz", "nan"], "--clock-g-hz must be from 0.1 to 10, not nan"),
        (["bench", "train", "--batch-size", "0"], "--batch-size must be at least 1, not 0"),
        (["bench", "numgrad", "--batch-size=-1"], "--batch-size must be at least 1, not -1"),
        (["bench", "conv", "--batch", "0"], "--batch must be from 1 to 10000, not 0"),
        (["bench", "conv", "--threads", "65", "--json"], "--threads must be from 1 to 64, not 65"),
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

    @Test("download --timeout outside 0.001 to 86400 seconds", arguments: [
        ("nan", "nan"), ("inf", "inf"), ("1e16", "1e+16"), ("1e300", "1e+300"), ("-1", "-1.0"), ("0", "0.0"),
    ])
    func downloadTimeout(value: String, shown: String) throws {
        expectUsageError(try dlfs("download", "mnist", "--timeout", value, "--mirror", "http://127.0.0.1:9/"),
                         "--timeout must be from 0.001 to 86400, not \(shown)")
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
