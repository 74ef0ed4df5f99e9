import Foundation
import Networks
import Randomness
import Testing

@Suite("Transformer kernels")
struct TransformerKernelTests {
  /// The vectorised GELU and its derivative against libm's erf in Double, on a grid over
  /// [−10, 10] (ragged tail included): within 1e-6 absolute plus 2e-6 relative. The absolute
  /// part is for x < −4, where 1 + erf(x/√2) cancels to a few ulp of 1 in Float32 (libm's `erff`
  /// included) and GELU itself is below 1e-4.
  /// The bias is added to each row before GELU, and stays added without keepingSlope: rows of
  /// width 11 (a full block of lanes and a tail), each element against GELU of x + b.
  @Test("GELU adds the bias of each column first")
  func geluBias() {
    let rows = 3, width = 11
    let x = (0..<(rows * width)).map { Float($0 % 7) * 0.5 - 1.5 }
    let bias = (0..<width).map { Float($0) * 0.25 - 1 }
    var input = x, y = [Float](repeating: 0, count: x.count)
    TransformerKernels.geluForward(&input, bias: bias, rows: rows, width: width, into: &y, keepingSlope: false)
    var shifted = (0..<x.count).map { x[$0] + bias[$0 % width] }, expected = [Float](repeating: 0, count: x.count)
    let zero = [Float](repeating: 0, count: x.count)
    TransformerKernels.geluForward(&shifted, bias: zero, rows: 1, width: x.count, into: &expected, keepingSlope: false)
    #expect(y == expected)
    #expect(input == shifted)
  }

  @Test("GELU and its derivative match erf from libm")
  func gelu() {
    let x = (0..<20_003).map { Float(-10 + 20 * Double($0) / 20_002) }
    var y = [Float](repeating: 0, count: x.count), d = [Float](repeating: 1, count: x.count)
    // As one row of width 20,003 (a ragged tail) with a zero bias.
    let zero = [Float](repeating: 0, count: x.count)
    var slope = x, plain = [Float](repeating: 0, count: x.count)
    TransformerKernels.geluForward(&slope, bias: zero, rows: 1, width: x.count, into: &y, keepingSlope: true)
    TransformerKernels.geluBackward(slope: slope, gradient: &d, count: x.count)
    var unchanged = x
    TransformerKernels.geluForward(&unchanged, bias: zero, rows: 1, width: x.count, into: &plain, keepingSlope: false)
    #expect(plain == y, "GELU is the same whether the slopes are kept or not")
    #expect(unchanged == x, "without keepingSlope the input is left holding input + bias")
    var worstValue = (ratio: 0.0, at: 0.0), worstSlope = (ratio: 0.0, at: 0.0)
    for (i, xf) in x.enumerated() {
      let v = Double(xf)
      let cdf = 0.5 * (1 + Foundation.erf(v / 2.0.squareRoot()))
      let value = v * cdf, slope = cdf + v * Foundation.exp(-v * v / 2) / (2 * Double.pi).squareRoot()
      let r1 = abs(Double(y[i]) - value) / (1e-6 + 2e-6 * abs(value))
      let r2 = abs(Double(d[i]) - slope) / (1e-6 + 2e-6 * abs(slope))
      if r1 > worstValue.ratio { worstValue = (r1, v) }
      if r2 > worstSlope.ratio { worstSlope = (r2, v) }
    }
    #expect(worstValue.ratio <= 1, "GELU: \(worstValue.ratio)× the tolerance at \(worstValue.at)")
    #expect(worstSlope.ratio <= 1, "GELU': \(worstSlope.ratio)× the tolerance at \(worstSlope.at)")
    // The same tolerance rejects the tanh approximation of GELU.
    let tanhForm = x.map { v in 0.5 * v * (1 + Foundation.tanh(0.797_884_6 * (v + 0.044_715 * v * v * v))) }
    let off = zip(tanhForm, x).map { t, xf -> Double in
      let v = Double(xf), value = v * 0.5 * (1 + Foundation.erf(v / 2.0.squareRoot()))
      return abs(Double(t) - value) / (1e-6 + 2e-6 * abs(value))
    }.max()!
    #expect(off > 1)
  }

  /// The attention kernels against the formulas evaluated in Double, for batches that take the
  /// full blocks of lanes only, the padded (head, sequence) blocks only, and both, with the
  /// pairs of several heads sharing a padded block and spilling into a second one, and padded
  /// blocks copied as runs of 2 and 4 sequences (B = 2, 4, 12) or lane by lane.
  @Test("attention and its backward match the formulas", arguments: [
    (batch: 1, steps: 7, width: 64, heads: 4), (batch: 2, steps: 7, width: 64, heads: 4),
    (batch: 16, steps: 7, width: 64, heads: 4), (batch: 11, steps: 5, width: 12, heads: 3),
    (batch: 19, steps: 9, width: 16, heads: 2), (batch: 3, steps: 1, width: 8, heads: 2),
    (batch: 5, steps: 20, width: 6, heads: 3), (batch: 12, steps: 6, width: 16, heads: 4),
    (batch: 4, steps: 3, width: 8, heads: 2),
  ])
  func attention(batch b: Int, steps t: Int, width d: Int, heads: Int) {
    let r = t * b, hd = d / heads, tri = TransformerKernels.triangle(t)
    var random = SeededGenerator(seed: UInt64(b * 100 + t * 10 + heads), stream: "attention")
    let qkv = (0..<(3 * d * r)).map { _ in random.uniform(-2, 2) }
    let dContext = (0..<(d * r)).map { _ in random.uniform(-1, 1) }
    var probs = [Float](repeating: 0, count: heads * tri * b)
    var context = [Float](repeating: .nan, count: d * r), dQKV = [Float](repeating: .nan, count: 3 * d * r)
    var scratch = [Float](repeating: .nan, count: TransformerKernels.attentionScratch(steps: t, width: hd, heads: heads))
    TransformerKernels.attention(qkv: qkv, probs: &probs, context: &context, scratch: &scratch,
                                 batch: b, steps: t, width: d, heads: heads)
    TransformerKernels.attentionBackward(qkv: qkv, probs: probs, dContext: dContext, scratch: &scratch,
                                         dQKV: &dQKV, batch: b, steps: t, width: d, heads: heads)
    // feature c of position i of sequence s in a (rows × R) block
    func at(_ c: Int, _ i: Int, _ s: Int) -> Int { c * r + i * b + s }
    var worst = 0.0
    func check(_ got: Float, _ want: Double) { worst = max(worst, abs(Double(got) - want) / (1e-5 + 1e-5 * abs(want))) }
    let scale = 1 / Double(hd).squareRoot()
    for h in 0..<heads {
      for s in 0..<b {
        func q(_ i: Int, _ c: Int) -> Double { Double(qkv[at(h * hd + c, i, s)]) }
        func k(_ i: Int, _ c: Int) -> Double { Double(qkv[at(d + h * hd + c, i, s)]) }
        func v(_ i: Int, _ c: Int) -> Double { Double(qkv[at(2 * d + h * hd + c, i, s)]) }
        func dc(_ i: Int, _ c: Int) -> Double { Double(dContext[at(h * hd + c, i, s)]) }
        var a = [[Double]](repeating: [Double](repeating: 0, count: t), count: t)
        for i in 0..<t {
          let scores = (0...i).map { j in scale * (0..<hd).reduce(0) { $0 + q(i, $1) * k(j, $1) } }
          let top = scores.max()!, e = scores.map { Foundation.exp($0 - top) }, total = e.reduce(0, +)
          for j in 0...i {
            a[i][j] = e[j] / total
            check(probs[(h * tri + TransformerKernels.triangle(i) + j) * b + s], a[i][j])
          }
          for c in 0..<hd { check(context[at(h * hd + c, i, s)], (0...i).reduce(0) { $0 + a[i][$1] * v($1, c) }) }
        }
        var g = a
        for i in 0..<t {
          let da = (0...i).map { j in (0..<hd).reduce(0) { $0 + dc(i, $1) * v(j, $1) } }
          let weighted = (0...i).reduce(0) { $0 + a[i][$1] * da[$1] }
          for j in 0...i { g[i][j] = scale * a[i][j] * (da[j] - weighted) }
        }
        for i in 0..<t {
          for c in 0..<hd {
            check(dQKV[at(h * hd + c, i, s)], (0...i).reduce(0) { $0 + g[i][$1] * k($1, c) })
            check(dQKV[at(d + h * hd + c, i, s)], (i..<t).reduce(0) { $0 + g[$1][i] * q($1, c) })
            check(dQKV[at(2 * d + h * hd + c, i, s)], (i..<t).reduce(0) { $0 + a[$1][i] * dc($1, c) })
          }
        }
      }
    }
    #expect(worst <= 1, "\(worst)× the tolerance")
  }
}
