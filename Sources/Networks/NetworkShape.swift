// Shape legend used throughout Networks:
//   B batch, T time steps, V vocabulary, E embedding (input) size, H hidden size,
//   G gate blocks of the cell (Elman 1, GRU 3, LSTM 4), C classes;
//   transformer: D width (= H), N blocks, F MLP width, P positions.

import Specification

/// Which positions carry a readout and a loss term.
public enum Supervision: Sendable, Hashable {
  /// A readout at every position; positions whose target is negative are skipped.
  case everyPosition
  /// A readout at the last position only.
  case lastPosition
}
