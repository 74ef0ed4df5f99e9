import Foundation
import Networks
import Specification
import Testing

/// The transformer against PyTorch's `nn.TransformerEncoder` (Golden/README.md, "The transformer
/// cases"), with the recurrent cells' tolerance (GoldenTests.swift).
@Suite("PyTorch golden values: transformer")
struct TransformerGoldenTests {
  static let names = [
    "transformer_tokens", "transformer_every_position", "transformer_dense",
    "transformer_tokens_one_step", "transformer_dense_one_step",
  ]

  @Test("loss, logits, h_T and every gradient", arguments: names)
  func forwardAndGradients(name: String) throws {
    let golden = try GoldenCase(named: name)
    #expect(golden.shape.cell == .transformer)
    let (loss, ws, gradient) = golden.run()
    expectClose([loss], [golden.expectedLoss], "loss")
    expectClose(Array(ws.logits), golden.expected["logits"]!, "logits")
    expectClose(Array(ws.finalHidden), golden.expected["h_T"]!, "h_T")
    let layout = ParameterLayout(golden.shape)
    let tensors = layout.tensors.filter { !$0.range.isEmpty }
    // Every tensor of the file is in the layout and the other way round.
    let stored = Set(golden.expected.keys.filter { $0.hasPrefix("grad_") && $0 != "grad_x" })
    #expect(stored == Set(tensors.map { "grad_\($0.name)" }))
    for tensor in tensors {
      let expected = try #require(golden.expected["grad_\(tensor.name)"], "no grad_\(tensor.name)")
      expectClose(Array(gradient[tensor.range]), expected, "grad_\(tensor.name)")
    }
    if let gradX = golden.expected["grad_x"] {
      expectClose(Array(ws.inputGradient), gradX, "grad_x")
    }
  }

  /// Every tensor after one Adam step, the key block of each in_proj_bias included: its gradient
  /// is exactly zero here (see Transformer.backward), so Adam leaves it as it was, as the
  /// float64 reference does (its ~1e-17 gradients move it by ~1e-11).
  @Test("every parameter after one Adam step", arguments: names)
  func adamStep(name: String) throws {
    let golden = try GoldenCase(named: name)
    var network = golden.network
    let (_, _, gradient) = golden.run()
    let layout = network.layout
    #expect(Set(golden.adamAfter.keys) == Set(layout.tensors.filter { !$0.range.isEmpty }.map(\.name)))
    var adam = Optimizer(rule: .adam(), learningRate: golden.adamLearningRate,
                         parameterCount: layout.count)
    adam.update(&network.parameters, gradient: gradient)
    for (tensor, expected) in golden.adamAfter {
      let range = try #require(layout.range(named: tensor))
      expectClose(Array(network.parameters[range]), expected, "\(tensor) after Adam")
    }
  }

  @Test("the key bias has exactly zero gradient; the query and value biases do not", arguments: names)
  func keyBias(name: String) throws {
    let golden = try GoldenCase(named: name)
    let (_, _, gradient) = golden.run()
    let d = golden.shape.hidden
    for block in try #require(ParameterLayout(golden.shape).transformer).blocks {
      let bias = Array(gradient[block.inProjectionBias])
      #expect(bias[d..<(2 * d)].allSatisfy { $0 == 0 })
      // With T = 1 a query attends to itself alone, and the query bias gets no gradient either.
      if golden.steps > 1 { #expect(bias[0..<d].contains { $0 != 0 }) }
      #expect(bias[(2 * d)...].contains { $0 != 0 })
    }
  }

  /// The tolerance rejects the likely mistakes: q and k blocks swapped, the out-projection
  /// transposed, the position embedding left out.
  @Test("the tolerance rejects swapped q/k, a transposed out-projection and missing positions",
        arguments: ["transformer_tokens", "transformer_every_position", "transformer_dense"])
  func toleranceCatchesMistakes(name: String) throws {
    let golden = try GoldenCase(named: name)
    let layout = ParameterLayout(golden.shape)
    let block = try #require(layout.transformer?.blocks.first)
    let d = golden.shape.hidden
    let expected = golden.expected["h_T"]!

    var swapped = golden.parameters
    let w = block.inProjectionWeight.lowerBound
    for k in 0..<(d * d) { swapped.swapAt(w + k, w + d * d + k) }
    let (_, ws1, _) = golden.run(network: Network(shape: golden.shape, parameters: swapped))
    #expect(worst(Array(ws1.finalHidden), expected).ratio > 1)

    var transposed = golden.parameters
    let o = block.outProjectionWeight.lowerBound
    for i in 0..<d { for j in (i + 1)..<d { transposed.swapAt(o + i * d + j, o + j * d + i) } }
    let (_, ws2, _) = golden.run(network: Network(shape: golden.shape, parameters: transposed))
    #expect(worst(Array(ws2.finalHidden), expected).ratio > 1)

    var unplaced = golden.parameters
    for i in layout.transformer!.position { unplaced[i] = 0 }
    let (_, ws3, _) = golden.run(network: Network(shape: golden.shape, parameters: unplaced))
    #expect(worst(Array(ws3.finalHidden), expected).ratio > 1)
  }
}
