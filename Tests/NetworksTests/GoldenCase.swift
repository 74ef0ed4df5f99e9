import Foundation
import Networks
import Specification

/// One PyTorch reference case from `Golden/*.json` (see Golden/README.md), converted to the
/// network's conventions: parameters packed into the flat layout, inputs and targets time-major.
struct GoldenCase {
  let name: String
  let shape: NetworkShape
  let batch: Int
  let steps: Int
  let supervision: Supervision
  let parameters: [Float]
  /// (T, B) token ids, or nil for dense input.
  let tokens: [Int32]?
  /// (T, B, E) dense inputs, or nil.
  let dense: [Float]?
  /// (T, B) or (B) targets.
  let targets: [Int32]
  let expected: [String: [Double]]
  let expectedLoss: Double
  let adamAfter: [String: [Double]]
  let adamLearningRate: Float

  static let names = [
    "elman_dense", "elman_tokens", "elman_every_position",
    "gru_dense", "gru_tokens", "gru_every_position", "gru_wide",
    "lstm_dense", "lstm_tokens", "lstm_every_position",
  ]

  init(named name: String) throws {
    guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Golden")
    else { throw GoldenError.missing(name) }
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    func ints(_ key: String, in d: [String: Any]) -> [Int] { (d[key] as! [NSNumber]).map(\.intValue) }
    func doubles(_ v: Any?) -> [Double] { (v as! [NSNumber]).map(\.doubleValue) }
    func ints(_ key: String, _ d: [String: Any]) -> Int { (d[key] as! NSNumber).intValue }

    self.name = name
    let cell = CellKind(rawValue: json["cell"] as! String)!
    let vocab = (json["vocab"] as? NSNumber)?.intValue ?? 0
    let e = (json["input_size"] as! NSNumber).intValue, h = (json["hidden"] as! NSNumber).intValue
    let c = (json["classes"] as! NSNumber).intValue
    batch = (json["batch"] as! NSNumber).intValue
    steps = (json["steps"] as! NSNumber).intValue
    if cell == .transformer {
      let sizes = TransformerSizes(
        layers: ints("layers", json), heads: ints("heads", json), feedForward: ints("ff", json),
        width: h)
      shape = NetworkShape(transformer: sizes, vocabulary: vocab, inputSize: e, hidden: h,
                           classes: c, positions: ints("positions", json))
    } else {
      shape = NetworkShape(cell: cell, vocabulary: vocab, inputSize: e, hidden: h, classes: c)
    }
    let layout = ParameterLayout(shape)

    let params = json["params"] as! [String: Any]
    var flat = [Float](repeating: .nan, count: layout.count)
    for tensor in layout.tensors where !tensor.range.isEmpty {
      let values = doubles(params[tensor.name])
      precondition(values.count == tensor.range.count, "\(name): \(tensor.name) has the wrong size")
      for (i, v) in values.enumerated() { flat[tensor.range.lowerBound + i] = Float(v) }
    }
    parameters = flat

    let (b, t) = (batch, steps)
    func timeMajor<T>(_ values: [T], width: Int) -> [T] {
      var out = values
      for bi in 0..<b { for ti in 0..<t { for k in 0..<width {
        out[(ti * b + bi) * width + k] = values[(bi * t + ti) * width + k]
      } } }
      return out
    }
    tokens = json["tokens"].map { timeMajor(doubles($0).map { Int32($0) }, width: 1) }
    dense = json["x"].map { timeMajor(doubles($0).map(Float.init), width: e) }
    let rawTargets = ints("targets", in: json).map(Int32.init)
    if rawTargets.count == b * t {
      supervision = .everyPosition
      targets = timeMajor(rawTargets, width: 1)
    } else {
      supervision = .lastPosition
      targets = rawTargets
    }

    var expected: [String: [Double]] = [:]
    let exp = json["expected"] as! [String: Any]
    for (key, value) in exp where key != "loss" { expected[key] = doubles(value) }
    if supervision == .everyPosition, let logits = expected["logits"] {
      expected["logits"] = timeMajor(logits, width: c)
    }
    if let gx = expected["grad_x"] { expected["grad_x"] = timeMajor(gx, width: e) }
    self.expected = expected
    expectedLoss = (exp["loss"] as! NSNumber).doubleValue
    let adam = json["adam_step"] as! [String: Any]
    adamLearningRate = (adam["lr"] as! NSNumber).floatValue
    // Every tensor the file holds after the step (`W_hh` and `head_W` for the cells, all of them
    // for the transformer).
    var after: [String: [Double]] = [:]
    for (key, value) in adam where key.hasSuffix("_after") {
      after[String(key.dropLast("_after".count))] = doubles(value)
    }
    adamAfter = after
  }

  var network: Network { Network(shape: shape, parameters: parameters) }

  /// Runs forward and backward; returns the loss, the workspace and the gradient.
  func run(network: Network? = nil) -> (loss: Float, workspace: Workspace, gradient: [Float]) {
    let net = network ?? self.network
    let ws = Workspace(shape: shape, capacity: batch, maxSteps: steps)
    let loss = targets.withUnsafeBufferPointer { targets in
      if let tokens {
        return tokens.withUnsafeBufferPointer {
          net.forward(.tokens($0), targets: targets, batch: batch, steps: steps,
                      supervision: supervision, workspace: ws)
        }
      }
      return dense!.withUnsafeBufferPointer {
        net.forward(.dense($0), targets: targets, batch: batch, steps: steps,
                    supervision: supervision, workspace: ws)
      }
    }
    var gradient = net.zeroBuffer()
    net.backward(workspace: ws, into: &gradient)
    return (loss, ws, gradient)
  }
}

enum GoldenError: Error { case missing(String) }
