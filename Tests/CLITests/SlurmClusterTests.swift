import Foundation
import Testing

/// scripts/slurm-test.sh: a real one-node SLURM cluster runs `taboo slurm`'s scripts (about 40 s;
/// it skips, with its one line, only when slurm-wlm and munge cannot be installed).
@Suite("taboo slurm on a real one-node SLURM cluster")
struct SlurmClusterTests {
  @Test("array of 4 shards + merge equals a local run; a cancelled task resumes when resubmitted")
  func cluster() throws {
    let script = Taboo.repositoryRoot.appendingPathComponent("scripts/slurm-test.sh").path
    // The launcher puts the taboo binary after the script: `bash slurm-test.sh TABOO`.
    let r = try Taboo.run([], launcher: ["/bin/bash", script])
    if r.status == 0, let line = r.stdout.split(separator: "\n").first(where: { $0.contains("skipped:") }) {
      print(line)
      return
    }
    #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
    #expect(r.stdout.contains("slurm-test") && r.stdout.contains("passed"), "\(r.stdout)")
  }
}
