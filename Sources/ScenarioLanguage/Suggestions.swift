// Did-you-mean: the known name closest to a misspelt one, by edit distance (insertions,
// deletions, substitutions and swaps of neighbours each cost 1).

import Specification

public enum Suggestions {
  /// The closest candidate within a distance of about a third of the word's length, or nil.
  public static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
    guard !word.isEmpty, word.utf8.count <= 256, word.count <= 64 else { return nil }
    let original = word
    let word = word.lowercased()
    let limit = max(1, min(3, (word.count + 1) / 3))
    var best: (name: String, distance: Int)? = nil
    for candidate in candidates where candidate != original {
      let distance = editDistance(Array(word), Array(candidate.lowercased()))
      if distance <= limit, distance < (best?.distance ?? .max) {
        best = (candidate, distance)
      }
    }
    return best?.name
  }

  /// `did you mean 'train'?`, or nil.
  public static func didYouMean(_ word: String, among candidates: some Sequence<String>) -> String? {
    closest(to: word, among: candidates).map { "did you mean '\($0)'?" }
  }

  /// Optimal string alignment distance.
  static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previousPrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          value = min(value, previousPrevious[j - 2] + 1)
        }
        current[j] = value
      }
      (previousPrevious, previous, current) = (previous, current, previousPrevious)
    }
    return previous[b.count]
  }
}
