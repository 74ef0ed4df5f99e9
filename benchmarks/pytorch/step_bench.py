"""PyTorch CPU baseline: time of one training step of a small recurrent network or transformer.

Model: Embedding(7, 32) -> one-layer GRU / LSTM / Elman RNN (tanh), batch_first
-> Linear(H, 5) at every position -> cross-entropy averaged over all B*T positions.
Transformer (taboo's `model transformer D`): token + learned position embeddings (D = H) ->
TransformerEncoder of 2 pre-norm TransformerEncoderLayer(D, 4 heads, 4D, dropout 0, GELU,
batch_first, norm_first), causal mask -> final LayerNorm -> Linear(D, 5), the same loss.
One step = zero_grad(set_to_none) + forward + backward + Adam(lr=0.003) update.
Float32 on one CPU thread. Prints one JSON object per configuration on stdout,
progress on stderr.

    benchmarks/pytorch/.venv/bin/python benchmarks/pytorch/step_bench.py \
        [--cells gru,lstm,elman,transformer] [--hidden 32,64,128] [--batch 2,64,576] [--min-time 0.5]
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, EMBED, CLASSES, T = 7, 32, 5, 7
CELLS = {"gru": nn.GRU, "lstm": nn.LSTM, "elman": nn.RNN}  # nn.RNN is tanh by default
KINDS = set(CELLS) | {"transformer"}


class Tagger(nn.Module):
    """Token embedding -> recurrent layer -> per-position class logits."""

    def __init__(self, cell, hidden):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, EMBED)
        self.rnn = CELLS[cell](EMBED, hidden, num_layers=1, batch_first=True)
        self.head = nn.Linear(hidden, CLASSES)

    def forward(self, tokens):                  # tokens: (B, T) int64
        states, _ = self.rnn(self.embed(tokens))  # (B, T, H)
        return self.head(states)                # (B, T, CLASSES)


class CausalTransformer(nn.Module):
    """taboo's transformer: embeddings -> pre-norm encoder blocks (causal) -> LayerNorm -> head."""

    def __init__(self, width, layers=2, heads=4):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, width)
        self.position = nn.Embedding(T, width)
        block = nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(block, layers, norm=nn.LayerNorm(width),
                                            enable_nested_tensor=False)
        self.head = nn.Linear(width, CLASSES)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(T))

    def forward(self, tokens):                  # tokens: (B, T) int64
        x = self.embed(tokens) + self.position.weight[: tokens.shape[1]]
        return self.head(self.blocks(x, mask=self.mask, is_causal=True))


def bench(cell, hidden, batch, args):
    """Returns the list of per-step wall times (seconds) after warm-up."""
    torch.manual_seed(args.seed)
    model = CausalTransformer(hidden) if cell == "transformer" else Tagger(cell, hidden)
    opt = torch.optim.Adam(model.parameters(), lr=0.003)
    tokens = torch.randint(0, VOCAB, (batch, T))
    targets = torch.randint(0, CLASSES, (batch, T))

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model(tokens)
        loss = F.cross_entropy(logits.reshape(-1, CLASSES), targets.reshape(-1))
        loss.backward()
        opt.step()

    for _ in range(args.warmup):
        step()
    times, start = [], time.perf_counter()
    # Run until both the minimum time and the minimum number of steps are reached.
    while len(times) < args.min_steps or time.perf_counter() - start < args.min_time:
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return times


def int_list(text):
    return [int(x) for x in text.split(",")]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cells", default="gru,lstm,elman", type=lambda s: s.split(","))
    p.add_argument("--hidden", default="32,64,128", type=int_list)
    p.add_argument("--batch", default="2,64,576", type=int_list)
    p.add_argument("--min-time", default=0.5, type=float, help="seconds timed per config")
    p.add_argument("--min-steps", default=30, type=int, help="steps timed per config")
    p.add_argument("--warmup", default=20, type=int, help="untimed steps first")
    p.add_argument("--seed", default=0, type=int)
    args = p.parse_args()
    unknown = set(args.cells) - KINDS
    if unknown:
        p.error(f"unknown cell(s) {sorted(unknown)}; choose from {sorted(KINDS)}")

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    for cell in args.cells:
        for hidden in args.hidden:
            for batch in args.batch:
                times = bench(cell, hidden, batch, args)
                row = {"cell": cell, "hidden": hidden, "batch": batch, "steps": T,
                       "ms_median": round(statistics.median(times) * 1e3, 4),
                       "ms_min": round(min(times) * 1e3, 4), "samples": len(times),
                       "threads": torch.get_num_threads(),
                       "torch": torch.__version__.split("+")[0]}
                print(json.dumps(row), flush=True)
                print(f"{cell:5} H={hidden:<3} B={batch:<3} median {row['ms_median']:9.3f} ms"
                      f"  min {row['ms_min']:9.3f} ms  ({len(times)} steps)", file=sys.stderr)


if __name__ == "__main__":
    main()
