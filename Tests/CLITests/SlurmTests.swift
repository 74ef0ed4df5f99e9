import Foundation
import Records
import Store
import Testing

@Suite("taboo on SLURM: --shard auto, status, slurm scripts", .serialized)
struct SlurmTests {
  @Test("--shard auto takes its slice and database name from the SLURM array task")
  func shardAuto() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let env = ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_MAX": "5"]
    let auto = try Taboo.run(shortCanonical + ["--seeds", "1..3", "--shard", "auto", "--db-dir", dir.path("out")],
                             environment: env)
    #expect(auto.status == 0, "\(auto.stderr)")
    let db = dir.path("out/shards/shard-5.sqlite")
    #expect(auto.stdout.contains("results: \(db)"), "\(auto.stdout)")
    let manual = try Taboo.run(shortCanonical + ["--seeds", "1..3", "--shard", "2/2", "--db", dir.path("m.sqlite")])
    #expect(manual.status == 0)
    #expect(try comparableRuns(db) == comparableRuns(dir.path("m.sqlite")))
    // _COUNT instead of _MAX, and --db given: that database.
    let counted = try Taboo.run(
      shortCanonical + ["--seeds", "1..3", "--shard", "auto", "--db", dir.path("c.sqlite")],
      environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "2"])
    #expect(counted.status == 0, "\(counted.stderr)")
    #expect(try Store.open(existing: dir.path("c.sqlite")).runCount() == 2)
  }

  @Test("--shard auto outside an array task is one usage error naming the variable")
  func shardAutoOutside() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let env: [String: String] = [:]
    let r = try Taboo.run(shortCanonical + ["--seeds", "1..2", "--shard", "auto", "--db-dir", dir.path("o")],
                          environment: env)
    #expect(r.status == 64, "\(r.stderr)")
    #expect(r.stderr.contains("SLURM_ARRAY_TASK_ID"), "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.path("o")))
    let outOfRange = try Taboo.run(
      shortCanonical + ["--seeds", "1..2", "--shard", "auto", "--db-dir", dir.path("o")],
      environment: ["SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "4"])
    #expect(outOfRange.status == 64, "\(outOfRange.stderr)")
  }

  @Test("taboo status says runs done of planned per shard; merge refuses incomplete shards unless --partial")
  func statusAndPartialMerge() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    for task in 1...2 {
      let r = try Taboo.run(
        shortCanonical + ["--seeds", "1..3", "--shard", "auto", "--db-dir", dir.path("out")],
        environment: ["SLURM_ARRAY_TASK_ID": "\(task)", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "2"])
      #expect(r.status == 0, "\(r.stderr)")
    }
    let s1 = dir.path("out/shards/shard-1.sqlite"), s2 = dir.path("out/shards/shard-2.sqlite")
    let ok = try Taboo.run(["status", dir.path("out")])
    #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
    #expect(ok.stdout.contains("\(s1): 2 of 2 runs (complete)"), "\(ok.stdout)")
    #expect(ok.stdout.contains("\(s2): 1 of 1 runs (complete)"), "\(ok.stdout)")
    // Shard 2 as if its task had been cancelled: planned 3, holds 1.
    do {
      let store = try Store.open(existing: s2)
      try store.setPlannedRuns(3)
      store.close()
    }
    let incomplete = try Taboo.run(["status", dir.path("out")])
    #expect(incomplete.status == 1)
    #expect(incomplete.stdout.contains("\(s2): 1 of 3 runs (incomplete)"), "\(incomplete.stdout)")
    let refused = try Taboo.run(["merge", s1, s2, "--into", dir.path("out/merged.sqlite")])
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("incomplete shard: \(s2): 1 of 3"), "\(refused.stderr)")
    #expect(!refused.stderr.contains("incomplete shard: \(s1)"))
    #expect(!FileManager.default.fileExists(atPath: dir.path("out/merged.sqlite")))
    let partial = try Taboo.run(["merge", s1, s2, "--into", dir.path("m.sqlite"), "--partial"])
    #expect(partial.status == 0, "\(partial.stderr)")
    #expect(try Store.open(existing: dir.path("m.sqlite")).runCount() == 3)
    // A damaged file is named as such.
    _ = try dir.file("out/shards/shard-3.sqlite", String(repeating: "garbage ", count: 600))
    let damaged = try Taboo.run(["status", dir.path("out")])
    #expect(damaged.status == 1)
    #expect(damaged.stdout.contains("shard-3.sqlite: damaged or unreadable"), "\(damaged.stdout)")
  }

  @Test("--shard auto/N: a resubmitted task (sbatch --array=2) still runs shard 2 of N")
  func shardAutoResubmitted() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let r = try Taboo.run(
      shortCanonical + ["--seeds", "1..3", "--shard", "auto/2", "--db-dir", dir.path("o")],
      environment: ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "2", "SLURM_ARRAY_TASK_MAX": "2"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(try Store.open(existing: dir.path("o/shards/shard-2.sqlite")).runCount() == 1)
  }

  @Test("taboo slurm writes the array, merge and submit scripts (and prints them with --dry-run)")
  func slurmScripts() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let scenario = Taboo.scenario("weak-sample-unlocking.taboo")
    let common = ["slurm", scenario, "--tasks", "4", "--seeds", "1..8", "--set", "pretrain_steps=40",
                  "--jobs", "2", "--partition", "short", "--time", "1:00:00"]
    let dry = try Taboo.run(common + ["--out", dir.path("s"), "--dry-run"])
    #expect(dry.status == 0, "\(dry.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.path("s")))
    let out = dir.path("s")
    for text in ["#SBATCH --array=1-4", "#SBATCH --cpus-per-task=2", "#SBATCH --signal=B:TERM@60",
                 "#SBATCH --partition=short", "#SBATCH --time=1:00:00", "#SBATCH --mem=",
                 "#SBATCH --output=\(out)/logs/shard-%a.out",
                 " run \(scenario) --shard auto/4 --jobs 2 --db \"\(out)/shards/shard-$SLURM_ARRAY_TASK_ID.sqlite\" --seeds 1..8 --set pretrain_steps=40",
                 " merge \(out)/shards/shard-1.sqlite \(out)/shards/shard-2.sqlite \(out)/shards/shard-3.sqlite \(out)/shards/shard-4.sqlite --into \(out)/merged.sqlite",
                 "sbatch --parsable \(out)/array.sbatch",
                 "--dependency=afterok:$array --kill-on-invalid-dep=yes \(out)/merge.sbatch"] {
      #expect(dry.stdout.contains(text), "missing: \(text)\n\(dry.stdout)")
    }
    #expect(dry.stdout.contains("exec \(Taboo.executable.resolvingSymlinksInPath().path) run"), "\(dry.stdout)")
    // The memory is the run's estimate × J + 200 MB: more than 200 MB, and --mem overrides it.
    let mem = dry.stdout.components(separatedBy: "#SBATCH --mem=")[1].prefix { $0.isNumber }
    #expect((Int(mem) ?? 0) > 200, "\(mem)")
    let written = try Taboo.run(common + ["--out", out, "--mem", "3G"])
    #expect(written.status == 0, "\(written.stderr)")
    #expect(written.stdout.contains("submit: \(out)/submit.sh"), "\(written.stdout)")
    for name in ["array.sbatch", "merge.sbatch", "submit.sh"] {
      #expect(FileManager.default.isExecutableFile(atPath: "\(out)/\(name)"), "\(name)")
    }
    let array = try String(contentsOfFile: "\(out)/array.sbatch", encoding: .utf8)
    #expect(array.contains("#SBATCH --mem=3G"))
    #expect(FileManager.default.fileExists(atPath: "\(out)/logs") && FileManager.default.fileExists(atPath: "\(out)/shards"))
    let bad = try Taboo.run(["slurm", scenario, "--tasks", "0", "--out", out])
    #expect(bad.status == 64, "\(bad.stderr)")
  }
}
