// `context stream W` (docs/design.md §5): examples presented as continuous sequences. Each example is its
// item's tokens followed by its target answer as an input token (`RunPlan.answerToken`), so an
// example takes T + 1 positions. A run holds `lanes` independent streams side by side (the
// phase's `batch`), each carrying its hidden state from one example to the next, across phase
// boundaries too.
//
// Training: a step presents one window of W examples in every lane, (W·(T+1), lanes) time-major,
// starting from each lane's carried state; the loss covers the items' supervised positions (never
// the answer-token positions), backpropagation runs through the window only, and the state at the
// window's end is carried into the next window as a constant (truncated BPTT: the state is
// carried, not differentiated through).
// Frozen phases: a trial presents one example in every lane, forward only; the lane's answer is
// read at the item's last supervised position, before its target answer is shown.
// Probes: every probed item is presented after a context of the last W examples lane 0 was shown,
// run from a zero state.
// A transformer carries no state (docs/design.md §5.1): its trials and probes are one pass over
// the lane's last W − 1 examples as shown and then the example or probed item, the same window
// of W examples that a training step shows it.

import Specification
import Networks

/// Hidden (and, for an LSTM, cell) state of `rows` sequences, row-major (rows × H).
package struct CarriedState {
  package var hidden: [Float]
  package var cell: [Float]
  package let rows: Int
  /// H.
  let size: Int
  let lstm: Bool

  init(rows: Int, hidden size: Int, lstm: Bool) {
    self.rows = rows
    self.size = size
    self.lstm = lstm
    hidden = [Float](repeating: 0, count: rows * size)
    cell = lstm ? [Float](repeating: 0, count: rows * size) : []
  }

  /// Reads the final state of the workspace's last pass (its batch must be `rows`).
  mutating func capture(from ws: Workspace) {
    precondition(ws.finalHidden.count == hidden.count, "the pass has another number of rows")
    hidden.withUnsafeMutableBufferPointer { _ = $0.initialize(from: ws.finalHidden) }
    if lstm { cell.withUnsafeMutableBufferPointer { _ = $0.initialize(from: ws.finalCell) } }
  }

  /// Writes the state as the next pass's initial state.
  func load(into ws: Workspace) {
    ws.initialHidden.update(from: hidden, count: hidden.count)
    if lstm { ws.initialCell.update(from: cell, count: cell.count) }
  }

  /// Writes row 0 of the state as the initial state of each of `rows` sequences.
  func broadcast(rows: Int, into ws: Workspace) {
    let h = size
    for row in 0..<rows {
      (ws.initialHidden + row * h).update(from: hidden, count: h)
      if lstm { (ws.initialCell + row * h).update(from: cell, count: h) }
    }
  }

  /// The state with `count` rows: rows kept, new rows zero.
  func resized(to count: Int) -> CarriedState {
    let h = size
    var result = CarriedState(rows: count, hidden: h, lstm: lstm)
    let kept = min(count, rows) * h
    result.hidden.replaceSubrange(0..<kept, with: hidden[0..<kept])
    if lstm { result.cell.replaceSubrange(0..<kept, with: cell[0..<kept]) }
    return result
  }
}

/// The lanes of a stream-mode run and the buffers that lay their examples out.
package struct StreamLanes {
  let plan: RunPlan
  let window: Int
  /// Positions per example: the item's T tokens and its answer token.
  let exampleLength: Int
  /// Sized for the largest lane count and a full window; also runs the probes' context (and a
  /// transformer's probes).
  package let workspace: Workspace
  package var state: CarriedState
  /// The last (at most W) examples shown in lane 0, oldest first, with what each showed: the
  /// probes' context.
  private(set) var recent: [(example: Example, shown: Targets)] = []
  /// A transformer's window history: per lane, its last (at most W − 1) examples as shown.
  private var history: [[(example: Example, shown: Targets)]] = []
  private var recurrent: Bool { plan.spec.model.cell.isRecurrent }
  private var tokens: [Int32]
  private var targets: [Int32]

  package init(plan: RunPlan, window: Int, maxLanes: Int) {
    self.plan = plan
    self.window = window
    exampleLength = plan.world.steps + 1
    let shape = plan.networkShape
    workspace = Workspace(shape: shape, capacity: max(maxLanes, 1), maxSteps: window * exampleLength)
    state = CarriedState(rows: 0, hidden: shape.hidden, lstm: shape.cell == .lstm)
    tokens = [Int32](repeating: 0, count: max(maxLanes, 1) * window * exampleLength)
    targets = [Int32](repeating: -1, count: tokens.count)
  }

  var lanes: Int { state.rows }

  /// Sets the number of lanes: lanes kept carry on, new ones start from a zero state.
  package mutating func setLanes(_ count: Int) {
    if count != state.rows { state = state.resized(to: count) }
    if !recurrent {
      if history.count > count { history.removeLast(history.count - count) }
      while history.count < count { history.append([]) }
    }
  }

  /// Lays out `examples` (example e of lane l at index e·lanes + l) as (n·(T+1), lanes) tokens and
  /// targets: each item's tokens with its loss targets, then its target answer as input.
  /// `shown`, when given, holds what each example shows (a noisy stream's answer) in the same order.
  private mutating func fill(
    _ examples: ArraySlice<Example>, perLane n: Int, lanes b: Int, shown: [Targets]? = nil
  ) {
    let world = plan.world, t = world.steps, length = exampleLength
    for e in 0..<n {
      for lane in 0..<b {
        let example = examples[examples.startIndex + e * b + lane]
        let item = world.items[example.item]
        let goal = shown?[e * b + lane] ?? item.targets(example.target)
        let base = e * length
        tokens[base * b + lane] = example.password ? world.passwordToken : world.startToken
        targets[base * b + lane] = -1
        for s in 1..<t {
          tokens[(base + s) * b + lane] = item.tokens[s - 1]
          targets[(base + s) * b + lane] =
            world.everyPosition ? goal.positions[s - 1] : (s == t - 1 ? goal.answer : -1)
        }
        tokens[(base + t) * b + lane] = plan.answerToken(goal.answer)
        targets[(base + t) * b + lane] = -1
      }
    }
  }

  /// Runs `n` examples per lane forward from the carried state, leaving the pass in the workspace
  /// and its loss; the state is not yet advanced (see `advance`).
  private mutating func forward(
    _ network: Network, _ examples: ArraySlice<Example>, perLane n: Int, forBackward: Bool = true,
    shown: [Targets]? = nil
  ) -> Float {
    let b = lanes, count = n * exampleLength * b
    fill(examples, perLane: n, lanes: b, shown: shown)
    state.load(into: workspace)
    return tokens.withUnsafeBufferPointer { tokens in
      targets.withUnsafeBufferPointer { targets in
        network.forward(
          .tokens(UnsafeBufferPointer(rebasing: tokens[0..<count])),
          targets: UnsafeBufferPointer(rebasing: targets[0..<count]),
          batch: b, steps: n * exampleLength, supervision: .everyPosition, initialState: true,
          forBackward: forBackward, workspace: workspace)
      }
    }
  }

  /// The loss of `n` examples per lane from the carried state, which is left as it was (for
  /// checking gradients).
  package mutating func loss(_ network: Network, _ examples: ArraySlice<Example>, perLane n: Int) -> Float {
    forward(network, examples, perLane: n)
  }

  /// Carries the state of the last pass on and remembers lane 0's examples (and, for a
  /// transformer, every lane's), with what each showed.
  private mutating func advance(_ examples: ArraySlice<Example>, perLane n: Int, shown: [Targets]?) {
    if recurrent { state.capture(from: workspace) }
    func shownTargets(_ i: Int) -> Targets {
      shown?[i] ?? plan.world.items[examples[examples.startIndex + i].item].targets(examples[examples.startIndex + i].target)
    }
    for e in 0..<n { recent.append((examples[examples.startIndex + e * lanes], shownTargets(e * lanes))) }
    if recent.count > window { recent.removeFirst(recent.count - window) }
    guard !recurrent else { return }
    for lane in 0..<lanes {
      for e in 0..<n {
        history[lane].append((examples[examples.startIndex + e * lanes + lane], shownTargets(e * lanes + lane)))
      }
      let keep = window - 1
      if history[lane].count > keep { history[lane].removeFirst(history[lane].count - keep) }
    }
  }

  /// One training window: W examples per lane (`examples.count == W·lanes`). Adds the window's
  /// gradient into `gradient` (zero it first) and returns the loss; a non-finite loss leaves the
  /// gradient and the state alone.
  package mutating func trainWindow(
    _ network: Network, _ examples: ArraySlice<Example>, gradient: inout [Float], shown: [Targets]? = nil
  ) -> Float {
    precondition(examples.count == window * lanes, "a window needs W examples per lane")
    let loss = forward(network, examples, perLane: window, shown: shown)
    guard loss.isFinite else { return loss }
    network.backward(workspace: workspace, into: &gradient)
    advance(examples, perLane: window, shown: shown)
    return loss
  }

  /// One trial: one example per lane, forward only. Returns each lane's answer.
  /// `shown`: what each lane's example shows after its answer (a noisy stream's answer).
  package mutating func trial(_ network: Network, _ examples: ArraySlice<Example>, shown: [Targets]? = nil) -> [Int] {
    precondition(examples.count == lanes, "a trial needs one example per lane")
    guard recurrent else {
      let answers = windowTrial(network, examples)
      advance(examples, perLane: 1, shown: shown)
      return answers
    }
    _ = forward(network, examples, perLane: 1, forBackward: false, shown: shown)
    let answerPosition = plan.world.steps - 1
    let answers = (0..<lanes).map { argmax(workspace.probabilities(step: answerPosition, row: $0)) }
    advance(examples, perLane: 1, shown: shown)
    return answers
  }

  /// A transformer's trial: each lane's window history, then its example, in one pass (lanes
  /// with histories of equal length together); the answer is read at the example's answer
  /// position.
  private mutating func windowTrial(_ network: Network, _ examples: ArraySlice<Example>) -> [Int] {
    var answers = [Int](repeating: 0, count: lanes)
    let groups = Dictionary(grouping: 0..<lanes) { history[$0].count }
    for (context, rows) in groups.sorted(by: { $0.key < $1.key }) {
      let sequences = rows.map { lane -> [Int32] in
        history[lane].flatMap { exampleTokens($0.example, showing: $0.shown) }
          + exampleTokens(examples[examples.startIndex + lane], showing: nil)
      }
      let answerPosition = context * exampleLength + plan.world.steps - 1
      run(network, sequences)
      for (row, lane) in rows.enumerated() {
        answers[lane] = argmax(workspace.probabilities(step: answerPosition, row: row))
      }
    }
    return answers
  }

  /// An example's tokens: its start (or password) token and item tokens, then the answer token
  /// of what it shows (none for nil: an example whose answer is still to come).
  package func exampleTokens(_ example: Example, showing shown: Targets?) -> [Int32] {
    let world = plan.world, item = world.items[example.item]
    return [example.password ? world.passwordToken : world.startToken] + item.tokens
      + (shown.map { [plan.answerToken($0.answer)] } ?? [])
  }

  /// Runs equally long token sequences, one per row, forward without targets (probabilities at
  /// every position).
  private mutating func run(_ network: Network, _ sequences: [[Int32]]) {
    let b = sequences.count, steps = sequences[0].count
    for (row, sequence) in sequences.enumerated() {
      for (p, token) in sequence.enumerated() {
        tokens[p * b + row] = token
        targets[p * b + row] = -1
      }
    }
    let count = b * steps
    tokens.withUnsafeBufferPointer { tokens in
      targets.withUnsafeBufferPointer { targets in
        _ = network.forward(
          .tokens(UnsafeBufferPointer(rebasing: tokens[0..<count])),
          targets: UnsafeBufferPointer(rebasing: targets[0..<count]),
          batch: b, steps: steps, supervision: .everyPosition, initialState: false,
          forBackward: false, workspace: workspace)
      }
    }
  }

  /// A transformer's probe context: the tokens of lane 0's last W − 1 examples as shown, oldest
  /// first, which every probed sequence follows in its pass (empty before any example).
  package func probePrefix() -> [Int32] {
    recent.suffix(window - 1).flatMap { exampleTokens($0.example, showing: $0.shown) }
  }

  /// The state after lane 0's recent examples, run from a zero state: the probes' context
  /// (nil before any example was shown). The lanes' carried state is left as it was.
  mutating func probeContext(_ network: Network) -> CarriedState? {
    guard !recent.isEmpty else { return nil }
    let carried = state
    defer { state = carried }
    state = CarriedState(rows: 1, hidden: plan.spec.model.hidden, lstm: plan.spec.model.cell == .lstm)
    let context = recent.map(\.example)
    _ = forward(network, context[...], perLane: context.count, forBackward: false, shown: recent.map(\.shown))
    state.capture(from: workspace)
    return state
  }
}
