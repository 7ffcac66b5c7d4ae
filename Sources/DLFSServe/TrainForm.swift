import DLFS
import DLFSIO

/// The training form's fields, named as `dlfs train`'s options (`batch-size` for `--batch-size`), read
/// into the `TrainingRecipe` that the command line uses, so both refuse the same values in the same words.
struct TrainForm {
    static let fields = ["dataset", "model", "hidden", "activation", "init", "optimizer", "lr", "batch-size", "epochs", "iters",
                         "seed", "dropout", "weight-decay", "batch-norm", "evaluation-samples"]

    var dataset: String?
    var recipe = TrainingRecipe()

    init(_ fields: RequestFields) throws {
        dataset = try fields.string("dataset")
        if let architecture = try fields.choice("model", TrainingRecipe.Architecture.self) { recipe.architecture = architecture }
        if let hidden = fields["hidden"] {
            switch hidden {
            case .string(let text): recipe.hidden = text
            case .number: recipe.hidden = String(try fields.integer("hidden")!)
            case .array(let sizes):
                recipe.hidden = try sizes.map { size in
                    guard let n = size.double, n.rounded() == n, abs(n) < 1e9 else {
                        throw requestError("hidden must hold whole numbers, not \(size.kind)")
                    }
                    return String(Int(n))
                }.joined(separator: ",")
            default: throw requestError("hidden must be sizes such as \"100,100\" or [100, 100], not \(hidden.kind)")
            }
        }
        if let activation = try fields.choice("activation", HiddenActivation.self) { recipe.activation = activation }
        if let weightInit = try fields.string("init") { recipe.weightInit = weightInit }
        if let optimizer = try fields.choice("optimizer", OptimizerName.self) { recipe.optimizer = optimizer }
        recipe.learningRate = try fields.number("lr")
        if let batchSize = try fields.integer("batch-size") { recipe.batchSize = batchSize }
        recipe.epochs = try fields.number("epochs")
        recipe.iterations = try fields.integer("iters")
        if let seed = try fields.integer("seed") {
            guard seed >= 0 else { throw requestError("seed must be a whole number ≥ 0, not \(seed)") }
            recipe.seed = UInt64(seed)
        }
        recipe.dropout = try fields.number("dropout")
        if let decay = try fields.number("weight-decay") { recipe.weightDecay = decay }
        if let batchNorm = try fields.bool("batch-norm") { recipe.batchNormalization = batchNorm }
        recipe.evaluationSamples = try fields.integer("evaluation-samples")
        do { try recipe.validate() } catch { throw requestError(error.description) }
    }
}
