import Dispatch

/// Wall-clock timing for the benchmarks and the timed passes of `infer` and `train`.
enum Timing {
    /// Seconds since an arbitrary origin, monotonic.
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    /// Runs `body` repeatedly (at least `minRuns` times and at least `minSeconds` in all) and returns
    /// the median time of one run: the median shrugs off the odd interruption on a busy machine.
    static func median(minRuns: Int = 5, minSeconds: Double = 0.3, _ body: () -> Void) -> Double {
        body()  // warm up: page in buffers, fill the packing pool
        var times: [Double] = []
        let start = now()
        while times.count < minRuns || now() - start < minSeconds {
            let t0 = now()
            body()
            times.append(now() - t0)
            if times.count >= 10_000 { break }
        }
        times.sort()
        return times[times.count / 2]
    }

    /// The median of exactly `runs` timed runs, with no warm-up: with one run, the first pass as a
    /// script would time it.
    static func median(runs: Int, _ body: () -> Void) -> Double {
        var times: [Double] = []
        for _ in 0..<max(runs, 1) {
            let t0 = now()
            body()
            times.append(now() - t0)
        }
        return times.sorted()[times.count / 2]
    }
}
