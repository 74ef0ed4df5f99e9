// The language-model claims (docs/design.md §8), as data: a copy of `reference/llm-claims.csv` (itself
// from `reference/llm-case.md`). A test reads the CSV and checks this table against it, so the
// two cannot drift; change both together.

/// One checkable claim about weak sample unlocking in password-locked language models.
public struct Claim: Sendable, Hashable {
  /// `U1`…`U6`, `D1`.
  public var id: String
  public var claim: String
  /// What the language-model work reported.
  public var evidence: String
  /// Where it was reported (a URL).
  public var source: String
  /// How a batch tests it.
  public var test: String

  public init(id: String, claim: String, evidence: String, source: String, test: String) {
    self.id = id
    self.claim = claim
    self.evidence = evidence
    self.source = source
    self.test = test
  }
}

public enum Claims {
  static let post = "https://www.alignmentforum.org/posts/bfm5Fm9pJYAthFSZT"

  /// The rows of `reference/llm-claims.csv`, in order.
  public static let all: [Claim] = [
    Claim(
      id: "U1", claim: "drilling 2 weak samples raises no-password truth accuracy on other items",
      evidence: "substantially increased capability after 2 samples x 200 epochs", source: post,
      test: "median gap_recovered > 0.10 at k=2 and > 0 in >= 70% of seeds"),
    Claim(
      id: "U2", claim: "more weak samples give a weaker effect",
      evidence: "post's tests restated in its comments", source: post,
      test: "Spearman(k; gap_recovered) < 0 over a sweep of k"),
    Claim(
      id: "U3", claim: "many varied weak samples do not unlock",
      evidence: "fine-tuning on varied examples of being bad does not increase capabilities", source: post,
      test: "median gap_recovered < 0.05 at the largest k >= 32"),
    Claim(
      id: "U4", claim: "noise in the weights does not unlock",
      evidence: "adding noise to the weights does not increase capabilities", source: post,
      test: "median gap_recovered < 0.05 after a perturb phase without training"),
    Claim(
      id: "U5", claim: "drilled samples are memorised",
      evidence: "200 epochs memorizes these examples", source: post,
      test: "median acc_taboo on the drilled set at drill end >= 0.95"),
    Claim(
      id: "U6", claim: "pretraining at scale is not required",
      evidence: "observed in GPT-2 and toy models trained from scratch",
      source: "https://greaterwrong.com/posts/bfm5Fm9pJYAthFSZT/memorizing-weak-examples-can-elicit-strong-behavior-out-of/comment/tkGmHKoq94roAxeBN",
      test: "U1 holds for a network trained from scratch"),
    Claim(
      id: "D1", claim: "a few good demonstrations unlock most of the locked capability",
      evidence: "a single demonstration is often enough to recover most of the hidden performance",
      source: "https://arxiv.org/abs/2405.19550",
      test: "median gap_recovered >= 0.5 when drilling truth on k <= 8 items"),
  ]

  public static func claim(_ id: String) -> Claim? { all.first { $0.id == id } }
}
