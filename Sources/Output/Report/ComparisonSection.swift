// The comparisons a report shows, each a section of claims with verdicts. `all` lists them in
// page order: a new comparison is one more line there.

import Analysis

/// One comparison of a batch with what was reported elsewhere: claims, each with its verdict.
public struct ComparisonSection: Sendable {
  /// The section's anchor in the page (`language-model`).
  public var id: String
  public var title: String
  /// One paragraph: what is compared, and where the claims come from.
  public var introduction: String
  public var results: [ClaimResult]

  public init(id: String, title: String, introduction: String, results: [ClaimResult]) {
    self.id = id
    self.title = title
    self.introduction = introduction
    self.results = results
  }

  /// Every comparison of a report, in page order.
  public static func all(_ analysis: BatchAnalysis) -> [ComparisonSection] {
    [
      languageModel(analysis)
    ]
  }

  /// The claims of reference/llm-case.md (docs/design.md §8), as `taboo compare` prints them.
  public static func languageModel(_ analysis: BatchAnalysis) -> ComparisonSection {
    ComparisonSection(
      id: "language-model", title: "Language-model comparison",
      introduction: "What was reported for weak sample unlocking in password-locked language models "
        + "(reference/llm-case.md), each claim with the value measured on this batch and a verdict, "
        + "as taboo compare prints them. Values are medians [q25–q75] over runs.",
      results: analysis.runs.isEmpty ? [] : Comparison.evaluate(analysis.runs))
  }
}
