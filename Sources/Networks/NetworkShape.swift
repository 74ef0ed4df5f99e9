// Shape legend used throughout Networks:
//   B batch, T time steps, V vocabulary, E embedding (input) size, H hidden size,
//   G gate blocks of the cell (Elman 1, GRU 3, LSTM 4), C classes.

/// The recurrent cell, with PyTorch's equations and gate order.
public enum CellKind: String, Sendable, Hashable, CaseIterable {
  /// h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
  case elman
  /// rows [r; z; n]; n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)); h' = (1 − z) ⊙ n + z ⊙ h
  case gru
  /// rows [i; f; g; o]; c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c')
  case lstm

  /// G: the number of H-row gate blocks in W_ih and W_hh.
  public var gates: Int {
    switch self {
    case .elman: 1
    case .gru: 3
    case .lstm: 4
    }
  }
}

/// Which positions carry a readout and a loss term.
public enum Supervision: Sendable, Hashable {
  /// A readout at every position; positions whose target is negative are skipped.
  case everyPosition
  /// A readout at the last position only.
  case lastPosition
}

/// The sizes that fix a network's parameter layout.
public struct NetworkShape: Sendable, Hashable {
  public var cell: CellKind
  /// V: number of token kinds; 0 for dense inputs given directly as (T, B, E) vectors.
  public var vocabulary: Int
  /// E: the embedding size (the input size of the recurrent cell).
  public var inputSize: Int
  /// H
  public var hidden: Int
  /// C
  public var classes: Int

  public init(cell: CellKind, vocabulary: Int, inputSize: Int, hidden: Int, classes: Int) {
    precondition(vocabulary >= 0 && inputSize > 0 && hidden > 0 && classes > 1,
                 "invalid network shape")
    self.cell = cell
    self.vocabulary = vocabulary
    self.inputSize = inputSize
    self.hidden = hidden
    self.classes = classes
  }

  /// G·H: the width of the packed gate pre-activations.
  public var gateWidth: Int { cell.gates * hidden }
}
