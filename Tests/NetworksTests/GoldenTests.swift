import Foundation
import Networks
import Specification
import Testing

/// Float32 against PyTorch's float64 reference: |actual − expected| ≤ atol + rtol·|expected|,
/// with rtol 2e-5 and atol 2e-7. Every case also passes at half of both; a transposed matrix or a
/// swapped gate block moves values by 1e-2 or more (see `toleranceCatchesSwaps`).
let relativeTolerance = 2e-5
let absoluteTolerance = 2e-7

/// The largest violation of the tolerance, as a ratio (≤ 1 passes), with its index.
func worst(_ actual: [Float], _ expected: [Double]) -> (ratio: Double, index: Int) {
  precondition(actual.count == expected.count, "sizes differ: \(actual.count) vs \(expected.count)")
  var result = (ratio: 0.0, index: -1)
  for i in actual.indices {
    let allowed = absoluteTolerance + relativeTolerance * abs(expected[i])
    let ratio = abs(Double(actual[i]) - expected[i]) / allowed
    if ratio > result.ratio || ratio.isNaN { result = (ratio.isNaN ? .infinity : ratio, i) }
  }
  return result
}

func expectClose(_ actual: [Float], _ expected: [Double], _ what: String) {
  let (ratio, index) = worst(actual, expected)
  #expect(ratio <= 1, "\(what)[\(index)]: \(index >= 0 ? actual[index] : 0) vs \(index >= 0 ? expected[index] : 0) (\(ratio)× tolerance)")
}

@Suite("PyTorch golden values")
struct GoldenTests {
  @Test("loss, logits, h_T and every gradient", arguments: GoldenCase.names)
  func forwardAndGradients(name: String) throws {
    let golden = try GoldenCase(named: name)
    let (loss, ws, gradient) = golden.run()
    expectClose([loss], [golden.expectedLoss], "loss")
    expectClose(Array(ws.logits), golden.expected["logits"]!, "logits")
    expectClose(Array(ws.finalHidden), golden.expected["h_T"]!, "h_T")
    let layout = ParameterLayout(golden.shape)
    for tensor in layout.tensors where !tensor.range.isEmpty {
      let expected = try #require(golden.expected["grad_\(tensor.name)"], "no grad_\(tensor.name)")
      expectClose(Array(gradient[tensor.range]), expected, "grad_\(tensor.name)")
    }
    if let gradX = golden.expected["grad_x"] {
      expectClose(Array(ws.inputGradient), gradX, "grad_x")
    }
  }

  @Test("parameters after one Adam step", arguments: GoldenCase.names)
  func adamStep(name: String) throws {
    let golden = try GoldenCase(named: name)
    var network = golden.network
    let (_, _, gradient) = golden.run()
    var adam = Optimizer(rule: .adam(), learningRate: golden.adamLearningRate,
                         parameterCount: network.layout.count)
    adam.update(&network.parameters, gradient: gradient)
    for (tensor, expected) in golden.adamAfter {
      let range = try #require(network.layout.range(named: tensor))
      expectClose(Array(network.parameters[range]), expected, "\(tensor) after Adam")
    }
  }

  /// The tolerance is meaningful only if it rejects the mistakes it is there to catch.
  @Test("the tolerance rejects a swapped gate block and a transposed matrix",
        arguments: ["gru_tokens", "lstm_tokens", "gru_every_position"])
  func toleranceCatchesSwaps(name: String) throws {
    let golden = try GoldenCase(named: name)
    let layout = ParameterLayout(golden.shape)
    let h = golden.shape.hidden, e = golden.shape.inputSize

    // Swap the first two gate blocks of W_ih (r ↔ z for the GRU, i ↔ f for the LSTM).
    var swapped = golden.parameters
    let base = layout.inputWeights.lowerBound
    for k in 0..<(h * e) { swapped.swapAt(base + k, base + h * e + k) }
    let (_, ws1, _) = golden.run(network: Network(shape: golden.shape, parameters: swapped))
    #expect(worst(Array(ws1.finalHidden), golden.expected["h_T"]!).ratio > 1)

    // Transpose the square top-left (H × H) block of W_hh.
    var transposed = golden.parameters
    let r0 = layout.recurrentWeights.lowerBound
    for i in 0..<h { for j in (i + 1)..<h {
      transposed.swapAt(r0 + i * h + j, r0 + j * h + i)
    } }
    let (_, ws2, _) = golden.run(network: Network(shape: golden.shape, parameters: transposed))
    #expect(worst(Array(ws2.finalHidden), golden.expected["h_T"]!).ratio > 1)
  }
}

/// `weight-decay X`: decoupled weight decay as `torch.optim.AdamW`, two steps on the same batch
/// (the gradient recomputed after the first), every tensor compared. The files are made by
/// `scripts/golden/golden.py generate-adamw` (see Golden/README.md).
@Suite("PyTorch golden values: AdamW")
struct AdamWGoldenTests {
  @Test("parameters after two AdamW steps", arguments: ["gru_tokens_adamw", "lstm_dense_adamw", "elman_every_position_adamw"])
  func twoSteps(name: String) throws {
    let golden = try GoldenCase(named: name)
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Golden"))
    let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    let adamw = try #require(json["adamw"] as? [String: Any])
    let lr = try #require((adamw["lr"] as? NSNumber)?.floatValue)
    let decay = try #require((adamw["weight_decay"] as? NSNumber)?.floatValue)
    let after = try #require(adamw["after"] as? [String: [NSNumber]])
    #expect((adamw["steps"] as? NSNumber)?.intValue == 2)

    var settings = TrainingSettings(optimizer: .adam, learningRate: Double(lr))
    settings.weightDecay = Double(decay)
    let rule = OptimizerRule(settings)
    #expect(rule == .adam(weightDecay: decay))
    var network = golden.network
    var optimizer = Optimizer(rule: rule, learningRate: lr, parameterCount: network.layout.count)
    for _ in 0..<2 {
      let (_, _, gradient) = golden.run(network: network)
      optimizer.update(&network.parameters, gradient: gradient)
    }
    let layout = ParameterLayout(golden.shape)
    for tensor in layout.tensors where !tensor.range.isEmpty {
      let expected = try #require(after[tensor.name], "no \(tensor.name) in adamw.after").map(\.doubleValue)
      expectClose(Array(network.parameters[tensor.range]), expected, "\(tensor.name) after AdamW")
    }
    // Without the decay the same two steps miss: the test can fail.
    var plain = golden.network
    var adam = Optimizer(rule: .adam(), learningRate: lr, parameterCount: plain.layout.count)
    for _ in 0..<2 {
      let (_, _, gradient) = golden.run(network: plain)
      adam.update(&plain.parameters, gradient: gradient)
    }
    let head = try #require(layout.range(named: "head_W"))
    #expect(worst(Array(plain.parameters[head]), after["head_W"]!.map(\.doubleValue)).ratio > 1)
  }
}
