// The transformer's part of the flat parameter buffer, between the input side (embedding V × D,
// or W_in D × E and b_in D) and the readout (head W C × D, head b C). Order and names are
// PyTorch's (`nn.TransformerEncoder` without its `encoder.` prefix), row-major:
//   position (P × D)
//   per block L: layers.L.norm1.weight (D) · norm1.bias (D) ·
//     self_attn.in_proj_weight (3D × D, rows [q; k; v]) · self_attn.in_proj_bias (3D) ·
//     self_attn.out_proj.weight (D × D) · self_attn.out_proj.bias (D) ·
//     norm2.weight (D) · norm2.bias (D) · linear1.weight (F × D) · linear1.bias (F) ·
//     linear2.weight (D × F) · linear2.bias (D)
//   norm.weight (D) · norm.bias (D)

import Specification

/// The ranges of one block's tensors.
public struct TransformerBlockLayout: Sendable, Hashable {
  public let norm1Weight: Range<Int>
  public let norm1Bias: Range<Int>
  /// (3D × D), rows [q; k; v]
  public let inProjectionWeight: Range<Int>
  /// (3D): [b_q; b_k; b_v]
  public let inProjectionBias: Range<Int>
  /// (D × D)
  public let outProjectionWeight: Range<Int>
  public let outProjectionBias: Range<Int>
  public let norm2Weight: Range<Int>
  public let norm2Bias: Range<Int>
  /// (F × D)
  public let linear1Weight: Range<Int>
  public let linear1Bias: Range<Int>
  /// (D × F)
  public let linear2Weight: Range<Int>
  public let linear2Bias: Range<Int>
}

/// The position embedding, the blocks and the final norm.
public struct TransformerLayout: Sendable, Hashable {
  public let sizes: TransformerSizes
  /// D and P
  public let width: Int
  public let positions: Int
  /// (P × D)
  public let position: Range<Int>
  public let blocks: [TransformerBlockLayout]
  public let normWeight: Range<Int>
  public let normBias: Range<Int>

  /// Takes its ranges in order from `next` (which hands out consecutive ranges of a given size).
  init(_ sizes: TransformerSizes, width d: Int, positions p: Int, next: (Int) -> Range<Int>) {
    self.sizes = sizes
    width = d
    positions = p
    let f = sizes.feedForward
    position = next(p * d)
    blocks = (0..<sizes.layers).map { _ in
      TransformerBlockLayout(
        norm1Weight: next(d), norm1Bias: next(d),
        inProjectionWeight: next(3 * d * d), inProjectionBias: next(3 * d),
        outProjectionWeight: next(d * d), outProjectionBias: next(d),
        norm2Weight: next(d), norm2Bias: next(d),
        linear1Weight: next(f * d), linear1Bias: next(f),
        linear2Weight: next(d * f), linear2Bias: next(d))
    }
    normWeight = next(d)
    normBias = next(d)
  }

  /// Every tensor with its PyTorch name and shape, in buffer order.
  var tensors: [(name: String, range: Range<Int>, shape: [Int])] {
    let d = width, f = sizes.feedForward
    var out: [(name: String, range: Range<Int>, shape: [Int])] = [("position", position, [positions, d])]
    for (l, b) in blocks.enumerated() {
      let prefix = "layers.\(l)."
      out += [
        (prefix + "norm1.weight", b.norm1Weight, [d]),
        (prefix + "norm1.bias", b.norm1Bias, [d]),
        (prefix + "self_attn.in_proj_weight", b.inProjectionWeight, [3 * d, d]),
        (prefix + "self_attn.in_proj_bias", b.inProjectionBias, [3 * d]),
        (prefix + "self_attn.out_proj.weight", b.outProjectionWeight, [d, d]),
        (prefix + "self_attn.out_proj.bias", b.outProjectionBias, [d]),
        (prefix + "norm2.weight", b.norm2Weight, [d]),
        (prefix + "norm2.bias", b.norm2Bias, [d]),
        (prefix + "linear1.weight", b.linear1Weight, [f, d]),
        (prefix + "linear1.bias", b.linear1Bias, [f]),
        (prefix + "linear2.weight", b.linear2Weight, [d, f]),
        (prefix + "linear2.bias", b.linear2Bias, [d]),
      ]
    }
    out += [("norm.weight", normWeight, [d]), ("norm.bias", normBias, [d])]
    return out
  }
}
