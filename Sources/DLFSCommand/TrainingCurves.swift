import DLFS

/// `dlfs train --plot`: the loss of every iteration beside the train and test accuracy of every epoch,
/// the two figures of the book's chapter 4 (figures 4-11 and 4-12).
func trainingCurves(_ history: TrainingHistory, title: String) -> Panels {
    let loss = LineChart(labels: ChartLabels(title: "loss", xLabel: "iteration", yLabel: "loss"),
                         series: [Series(name: "batch loss", values: history.losses)])
    let accuracy = LineChart(
        labels: ChartLabels(title: "accuracy", xLabel: "epoch", yLabel: "accuracy"),
        series: [
            Series(name: "train", points: history.epochs.map { Point(Double($0.epoch), $0.trainAccuracy) }, markers: true),
            Series(name: "test", points: history.epochs.map { Point(Double($0.epoch), $0.testAccuracy) }, dash: "5 3", markers: true),
        ],
        yDomain: 0...1, legend: .bottomRight)
    return Panels([loss, accuracy], title: title)
}
