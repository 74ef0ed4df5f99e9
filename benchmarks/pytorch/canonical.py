"""PyTorch version of scenarios/weak-sample-unlocking.taboo, run as taboo runs it (issue 6).

The same world, sets, model, phases, optimizer and probe schedule as `taboo run` on the canonical
scenario at k = 2 (see Sources/Simulation/World.swift, Trainer.swift, Probe.swift); its own seeded
random draws (numpy for the world, sets and batch order, torch for the weights), so the same regime,
not the same numbers. Never part of CI.

    benchmarks/pytorch/.venv/bin/python benchmarks/pytorch/canonical.py \
        --seeds 1..10 --threads 1 --out results.jsonl [--pretrain 1000 --lock 300 --drill 200]

World `runsum 5 6`: 384 distinct random strings of 6 digits 0..4; truth = running sums mod 5 at
every position; convention `weak 0.25`: with probability 0.25 the truth, otherwise one slip at a
random position by a random non-zero offset, carried to the end. Password world: a sequence is
[start (5) or password (6)] + 6 digits, vocabulary 7, T = 7; position 0 carries no loss.

Sets: test = 25% of all; train = all - test; drill = 2 of (train & wrong); rest = train - drill.
Model: Embedding(7, 32) -> GRU(32, 64) -> Linear(64, 5) at every position; loss = mean
cross-entropy over the supervised positions. Adam lr 0.003, a fresh optimizer at every phase,
batch = the whole union of the phase's streams (drawn in a shuffled order, as taboo does):
  pretrain  N steps   truth on train  +  truth on train with password     (576 examples)
  lock      N steps   taboo on train  +  truth on train with password     (576 examples)
  drill     N epochs  taboo on drill                                      (2 examples, 1 step/epoch)
Probes (forward only, no gradients) at every phase start, every 4 steps into a phase and at its
end, on test, rest, drill with and without password plus the phase's trained streams: acc_truth,
acc_taboo, mean p_truth / p_taboo, and acc/loss against the target where the pair is trained.

One JSON line per run on --out (and a summary on stderr): seed, wall seconds, steps, time split
(training steps, probes), and for the drill phase on `rest` without password: acc_truth at drill
start (locked) and end (after), with password at drill start (strong), and
gap_recovered = (after - locked) / (strong - locked) (null when strong - locked < 0.05).
"""
import argparse
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

P, L = 5, 6                      # runsum 5 6
ITEMS = 384
WEAK_Q = 0.25
START, PASSWORD = P, P + 1       # token ids after the digits
VOCAB, EMBED, HIDDEN, CLASSES = P + 2, 32, 64, P
T = L + 1
LR = 0.003
PROBE_EVERY = 4
K_DRILL = 2
TRUTH, TABOO, RANDOM = 0, 1, 2   # target kinds


class Tagger(nn.Module):
    """Token embedding -> GRU -> per-position class logits (PyTorch's default initialisation:
    embedding N(0, 1), GRU and readout uniform in ±1/sqrt(H), as taboo does)."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, EMBED)
        self.rnn = nn.GRU(EMBED, HIDDEN, num_layers=1, batch_first=True)
        self.head = nn.Linear(HIDDEN, CLASSES)

    def forward(self, tokens):                     # (B, T) int64
        states, _ = self.rnn(self.embed(tokens))   # (B, T, H), zero initial state
        return self.head(states)                   # (B, T, C)


# ---------------------------------------------------------------------------------------------
# World and sets

def make_world(rng):
    """(digits (N, L), targets (3, N, L) for truth/taboo/random) drawn from rng."""
    codes = rng.choice(P ** L, size=ITEMS, replace=False)           # distinct strings
    digits = np.stack([(codes // P ** (L - 1 - t)) % P for t in range(L)], axis=1)
    truth = np.cumsum(digits, axis=1) % P
    taboo = truth.copy()
    for i in range(ITEMS):
        if rng.random() >= WEAK_Q:                                   # the weak model slips once
            slip = rng.integers(L)
            offset = 1 + rng.integers(P - 1)
            taboo[i, slip:] = (truth[i, slip:] + offset) % P
    random = np.empty_like(truth)                                    # a control target, unused here
    for i in range(ITEMS):
        for t in range(L):
            choices = [c for c in range(P) if c != truth[i, t] and c != taboo[i, t]]
            random[i, t] = choices[rng.integers(len(choices))]
    return digits, np.stack([truth, taboo, random])


def sample(rng, count, pool):
    return sorted(int(x) for x in rng.choice(np.asarray(pool), size=count, replace=False))


def make_sets(rng, targets):
    everything = list(range(ITEMS))
    wrong = [i for i in everything if targets[TABOO, i, -1] != targets[TRUTH, i, -1]]
    test = sample(rng, int(math.floor(0.25 * ITEMS + 0.5)), everything)
    train = sorted(set(everything) - set(test))
    drill = sample(rng, K_DRILL, sorted(set(train) & set(wrong)))
    rest = sorted(set(train) - set(drill))
    return {"test": test, "train": train, "drill": drill, "rest": rest}


# ---------------------------------------------------------------------------------------------
# One run

def run(seed, lengths):
    wall_start = time.perf_counter()
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    digits, targets = make_world(rng)
    sets = make_sets(rng, targets)
    n = ITEMS

    # Every (item, password) sequence: row i without password, row N + i with it.
    seq = np.concatenate([np.full((2 * n, 1), START), np.concatenate([digits, digits])], axis=1)
    seq[n:, 0] = PASSWORD
    all_tokens = torch.from_numpy(seq.astype(np.int64))               # (2N, T)
    all_targets = torch.from_numpy(np.concatenate([targets, targets], axis=1).astype(np.int64))  # (3, 2N, L)
    truth_answer, taboo_answer = all_targets[TRUTH, :, -1], all_targets[TABOO, :, -1]

    # (name, length, unit, streams); a stream is (target kind, set, password).
    phases = [
        ("pretrain", lengths["pretrain"], "steps", [(TRUTH, "train", False), (TRUTH, "train", True)]),
        ("lock", lengths["lock"], "steps", [(TABOO, "train", False), (TRUTH, "train", True)]),
        ("drill", lengths["drill"], "epochs", [(TABOO, "drill", False)]),
    ]
    probe_sets = ["test", "rest", "drill"]

    model = Tagger()
    probes = []            # every probe record, kept in memory as taboo keeps them for its store
    step = seen = 0
    train_seconds = probe_seconds = 0.0
    phase_train_seconds, phase_steps = {}, {}   # per phase: seconds in training steps, steps
    drill_record = None

    for phase_index, (name, length, unit, streams) in enumerate(phases):
        # The union of the streams: example rows into all_tokens and their target kinds.
        rows, kinds, union = [], [], set()
        for kind, set_name, pw in streams:
            for i in sets[set_name]:
                if (i, pw, kind) not in union:
                    union.add((i, pw, kind))
                    rows.append(i + (n if pw else 0))
                    kinds.append(kind)
        rows, kinds = np.array(rows), np.array(kinds)
        batch = len(rows)                                           # batch all
        limit = length * ((len(rows) + batch - 1) // batch) if unit == "epochs" else length

        # Probe pairs: probed sets with and without password, then trained streams not among
        # them; a pair is trained when a stream with its password covers all of its items.
        pairs = [(s, pw) for s in probe_sets for pw in (False, True)]
        pairs += [(s, pw) for _, s, pw in streams if (s, pw) not in pairs]
        pair_target = {}
        for s, pw in pairs:
            pair_target[(s, pw)] = next(
                (kind for kind, ss, spw in streams
                 if spw == pw and (ss == s or set(sets[s]) <= set(sets[ss]))), None)
        pair_rows = {(s, pw): torch.tensor([i + (n if pw else 0) for i in sets[s]]) for s, pw in pairs}

        def take_probe():
            t0 = time.perf_counter()
            with torch.inference_mode():
                logp = F.log_softmax(model(all_tokens)[:, 1:, :], dim=-1)   # (2N, L, C)
                answer = logp[:, -1, :].argmax(dim=-1)
                p_last = logp[:, -1, :].exp()
                p_truth = p_last.gather(1, truth_answer[:, None])[:, 0]
                p_taboo = p_last.gather(1, taboo_answer[:, None])[:, 0]
                # Per-sequence mean cross-entropy against each target kind over the positions.
                loss = -logp.unsqueeze(0).expand(3, -1, -1, -1).gather(
                    3, all_targets.unsqueeze(-1)).squeeze(-1).mean(dim=2)   # (3, 2N)
                for s, pw in pairs:
                    r = pair_rows[(s, pw)]
                    kind = pair_target[(s, pw)]
                    rec = {
                        "phase": phase_index, "step": step, "examples": seen, "set": s,
                        "password": pw,
                        "acc_truth": (answer[r] == truth_answer[r]).double().mean().item(),
                        "acc_taboo": (answer[r] == taboo_answer[r]).double().mean().item(),
                        "p_truth": p_truth[r].double().mean().item(),
                        "p_taboo": p_taboo[r].double().mean().item(),
                        "target": kind, "acc_target": None, "loss": None,
                    }
                    if kind is not None:
                        rec["acc_target"] = (answer[r] == all_targets[kind, r, -1]).double().mean().item()
                        rec["loss"] = loss[kind, r].double().mean().item()
                    probes.append(rec)
            return time.perf_counter() - t0

        def acc(s, pw):
            rec = next(p for p in reversed(probes) if p["set"] == s and p["password"] == pw)
            return rec["acc_truth"]

        optimizer = torch.optim.Adam(model.parameters(), lr=LR)    # fresh at every phase
        order = np.arange(len(rows))
        cursor = len(order)
        probe_seconds += take_probe()
        last_probe = step
        if name == "drill":   # unlocking: `rest` is not trained in the drill
            start = {"locked": acc("rest", False), "strong": acc("rest", True)}
        phase_train_start, phase_start_step = train_seconds, step
        for step_in_phase in range(limit):
            t0 = time.perf_counter()
            if cursor >= len(order):
                rng.shuffle(order)
                cursor = 0
            chosen = order[cursor:cursor + batch]
            cursor += len(chosen)
            r = torch.from_numpy(rows[chosen])
            k = torch.from_numpy(kinds[chosen])
            tokens = all_tokens[r]                                  # (B, T)
            goal = all_targets[k, r]                                # (B, L)
            optimizer.zero_grad(set_to_none=True)
            logits = model(tokens)[:, 1:, :]                        # positions 1..6 supervised
            loss = F.cross_entropy(logits.reshape(-1, CLASSES), goal.reshape(-1))
            if not torch.isfinite(loss):
                raise RuntimeError(f"seed {seed}: loss diverged at step {step}")
            loss.backward()
            optimizer.step()
            seen += len(chosen)
            step += 1
            train_seconds += time.perf_counter() - t0
            if (step_in_phase + 1) % PROBE_EVERY == 0:
                probe_seconds += take_probe()
                last_probe = step
        if last_probe != step:
            probe_seconds += take_probe()
        phase_train_seconds[name] = round(train_seconds - phase_train_start, 4)
        phase_steps[name] = step - phase_start_step
        if name == "drill":
            locked, strong, after = start["locked"], start["strong"], acc("rest", False)
            gap = (after - locked) / (strong - locked) if strong - locked >= 0.05 else None
            drill_record = {"locked": locked, "strong": strong, "after": after, "gap_recovered": gap}
        if name in ("pretrain", "lock"):
            print(f"  seed {seed} after {name}: rest truth {acc('rest', False):.3f} "
                  f"(password {acc('rest', True):.3f}), test truth {acc('test', False):.3f} "
                  f"(password {acc('test', True):.3f})", file=sys.stderr, flush=True)

    return {
        "seed": seed, "wall_seconds": round(time.perf_counter() - wall_start, 4), "steps": step,
        "examples": seen, "probe_records": len(probes),
        "train_seconds": round(train_seconds, 4), "probe_seconds": round(probe_seconds, 4),
        "phase_train_seconds": phase_train_seconds,
        "phase_steps": phase_steps,
        "drill_rest_acc_truth_start": drill_record["locked"],
        "drill_rest_acc_truth_end": drill_record["after"],
        "drill_rest_password_acc_truth_start": drill_record["strong"],
        "gap_recovered": drill_record["gap_recovered"],
        "torch": torch.__version__.split("+")[0], "threads": torch.get_num_threads(),
    }


def seed_list(text):
    """'1..10', '3', or '1,4,7'."""
    if ".." in text:
        a, b = text.split("..")
        return list(range(int(a), int(b) + 1))
    return [int(x) for x in text.split(",")]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", default="1..10", type=seed_list)
    p.add_argument("--threads", default=1, type=int)
    p.add_argument("--out", default=None, help="JSON lines, one per run (default: stdout)")
    p.add_argument("--pretrain", default=1000, type=int, help="pretrain steps")
    p.add_argument("--lock", default=300, type=int, help="lock steps")
    p.add_argument("--drill", default=200, type=int, help="drill epochs")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    lengths = {"pretrain": args.pretrain, "lock": args.lock, "drill": args.drill}
    out = open(args.out, "w") if args.out else sys.stdout
    gaps = []
    for seed in args.seeds:
        result = run(seed, lengths)
        print(json.dumps(result), file=out, flush=True)
        gap = result["gap_recovered"]
        gaps.append(gap)
        print(f"seed {seed}: {result['wall_seconds']:.1f} s ({result['train_seconds']:.1f} train, "
              f"{result['probe_seconds']:.1f} probes); rest locked "
              f"{result['drill_rest_acc_truth_start']:.3f} -> {result['drill_rest_acc_truth_end']:.3f}"
              f", strong {result['drill_rest_password_acc_truth_start']:.3f}; gap_recovered "
              f"{'—' if gap is None else f'{gap:.3f}'}", file=sys.stderr, flush=True)
    defined = [g for g in gaps if g is not None]
    if defined:
        print(f"gap_recovered mean {sum(defined) / len(defined):.3f} over {len(defined)} runs",
              file=sys.stderr)


if __name__ == "__main__":
    main()
