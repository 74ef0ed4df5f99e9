#!/usr/bin/env python3
"""PyTorch generator and checker for the golden cases in Tests/NetworksTests/Golden/*.json.

Run by hand, never in CI, with the benchmark venv (bash benchmarks/pytorch/setup.sh makes it):

    PY=benchmarks/pytorch/.venv/bin/python
    $PY scripts/golden/golden.py verify [FILES_OR_NAMES...] [--dtype float64|float32]
    $PY scripts/golden/golden.py generate NAME --cell gru --vocab 7 --input-size 4 --hidden 6 \
        --classes 5 --batch 4 --steps 3 --supervision last --seed 1 --out PATH
    $PY scripts/golden/golden.py generate-adamw gru_tokens --out Tests/NetworksTests/Golden/gru_tokens_adamw.json
    $PY scripts/golden/golden.py generate-adamw --all-adamw      # rewrites the three stored *_adamw files

verify rebuilds each case in PyTorch from the file's own params and inputs (Embedding for token
input, nn.RNN(tanh) / nn.GRU / nn.LSTM with batch_first=True, zero initial state, Linear readout,
F.cross_entropy averaged over the supervised positions: the last one when `targets` is (B), all T
when it is (B, T)), recomputes expected.loss, logits, h_T, every grad_* (and grad_x for dense
input), the one torch.optim.Adam step in `adam_step`, and the two torch.optim.AdamW steps in
`adamw` when present, and compares every stored number with the Swift tests' rule
|actual - expected| <= 2e-7 + 2e-5 |expected|. One line per case; exit status 1 on any failure.
--dtype float32 instead rounds the stored values to float32 and computes in float32, as a
single-precision implementation would (a check that the tolerance is reachable, not of the files).

generate draws a new case from torch.manual_seed(SEED) in float32 (params U(-0.5, 0.5) like the
stored cases, x U(-1, 1), tokens and targets uniform integers) and writes it in the stored format
with its reference values computed in float64 from those float32 numbers.

generate-adamw copies a stored case and adds the `adamw` object (see Golden/README.md).

generate-transformer writes the transformer cases of TRANSFORMER_CASES (see the section below
and Golden/README.md); verify checks them like the others.

Tensor names: embedding = embed.weight, W_ih = rnn.weight_ih_l0, W_hh = rnn.weight_hh_l0,
b_ih = rnn.bias_ih_l0, b_hh = rnn.bias_hh_l0, head_W = head.weight, head_b = head.bias.
"""
import argparse
import copy
import json
import math
import pathlib
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = REPO / "Tests" / "NetworksTests" / "Golden"

# The Swift tests' rule (Tests/NetworksTests/GoldenTests.swift).
RTOL, ATOL = 2e-5, 2e-7

# Stored name -> PyTorch parameter of `Case.Model`; the order is the stored files' `params` order.
TORCH_NAMES = {
    "W_ih": "rnn.weight_ih_l0",
    "W_hh": "rnn.weight_hh_l0",
    "b_ih": "rnn.bias_ih_l0",
    "b_hh": "rnn.bias_hh_l0",
    "head_W": "head.weight",
    "head_b": "head.bias",
    "embedding": "embed.weight",
}
GATES = {"elman": 1, "gru": 3, "lstm": 4}
# The descriptive strings of the stored files, verbatim.
GATE_ORDER = {
    "elman": "h = tanh(W_ih x + b_ih + W_hh h + b_hh)",
    "gru": "rows [r; z; n]; n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); h' = (1 - z) * n + z * h",
    "lstm": "rows [i; f; g; o]; c' = f*c + i*g; h' = o*tanh(c')",
}
LAYOUT_DENSE = ("row-major; W_ih is (G*H, E), W_hh is (G*H, H), head_W is (C, H); "
                "x is (B, T, E); tokens is (B, T)")
LAYOUT_TOKENS = LAYOUT_DENSE + "; embedding is (vocab, E)"
LOSS_TEXT = {
    "last": "mean over the batch of softmax cross-entropy of head(h_T)",
    "every": "mean over the batch and all T positions of softmax cross-entropy of head(h_t) "
             "against targets (B, T)",
}
ADAMW_WEIGHT_DECAY, ADAMW_STEPS = 0.1, 2
ADAMW_SOURCES = ["gru_tokens", "lstm_dense", "elman_every_position"]


class Model(nn.Module):
    """[Embedding ->] one-layer RNN/GRU/LSTM (batch_first, zero initial state) -> Linear."""

    def __init__(self, cell, vocab, e, h, c):
        super().__init__()
        self.cell = cell
        self.embed = nn.Embedding(vocab, e) if vocab else None
        kind = {"elman": lambda: nn.RNN(e, h, nonlinearity="tanh", batch_first=True),
                "gru": lambda: nn.GRU(e, h, batch_first=True),
                "lstm": lambda: nn.LSTM(e, h, batch_first=True)}[cell]
        self.rnn = kind()
        self.head = nn.Linear(h, c)

    def forward(self, inputs):
        """Returns (all hidden states (B, T, H), final hidden state (B, H))."""
        x = self.embed(inputs) if self.embed is not None else inputs
        states, last = self.rnn(x)
        if self.cell == "lstm":
            last = last[0]  # (h_n, c_n): the files store h only
        return states, last[0]


class Case:
    """One golden file, as PyTorch tensors."""

    def __init__(self, data, dtype=torch.float64):
        self.data = data
        self.dtype = dtype
        self.cell = data["cell"]
        self.vocab = data["vocab"] or 0
        self.e, self.h, self.c = data["input_size"], data["hidden"], data["classes"]
        self.b, self.t = data["batch"], data["steps"]
        g = GATES[self.cell]
        self.shapes = {
            "W_ih": (g * self.h, self.e), "W_hh": (g * self.h, self.h),
            "b_ih": (g * self.h,), "b_hh": (g * self.h,),
            "head_W": (self.c, self.h), "head_b": (self.c,),
        }
        if self.vocab:
            self.shapes["embedding"] = (self.vocab, self.e)
        targets = data["targets"]
        # As GoldenCase.swift decides it: (B, T) targets supervise every position, (B) the last.
        if len(targets) == self.b * self.t and (self.t > 1 or "all T" in data.get("loss", "")):
            self.supervision = "every"
            self.targets = torch.tensor(targets, dtype=torch.long).view(self.b, self.t)
        elif len(targets) == self.b:
            self.supervision = "last"
            self.targets = torch.tensor(targets, dtype=torch.long)
        else:
            raise ValueError(f"{len(targets)} targets for B={self.b}, T={self.t}")
        if "all T" in data.get("loss", "") and self.supervision != "every":
            raise ValueError("the loss text says every position but targets are (B)")
        if "tokens" in data:
            self.inputs = torch.tensor(data["tokens"], dtype=torch.long).view(self.b, self.t)
        else:
            self.inputs = torch.tensor(data["x"], dtype=torch.float64).to(dtype).view(
                self.b, self.t, self.e)

    def model(self, params=None):
        """A fresh model holding `params` (stored name -> flat list; default the file's)."""
        params = params or self.data["params"]
        model = Model(self.cell, self.vocab, self.e, self.h, self.c).to(self.dtype)
        named = dict(model.named_parameters())
        if set(named) != {TORCH_NAMES[k] for k in self.shapes}:
            raise AssertionError(f"unexpected parameters {sorted(named)}")
        if set(params) != set(self.shapes):
            raise ValueError(f"params {sorted(params)} != {sorted(self.shapes)}")
        with torch.no_grad():
            for name, shape in self.shapes.items():
                values = torch.tensor(params[name], dtype=torch.float64)
                if values.numel() != math.prod(shape):
                    raise ValueError(f"{name} has {values.numel()} values, shape {shape}")
                # float64 -> dtype: float32 rounds to nearest as Swift's Float(Double) does.
                named[TORCH_NAMES[name]].copy_(values.to(self.dtype).view(shape))
        return model

    def loss(self, model, inputs=None):
        """(loss, logits, h_T): logits (B, C) for the last position, (B, T, C) for every one."""
        states, h_t = model(self.inputs if inputs is None else inputs)
        if self.supervision == "every":
            logits = model.head(states)
            loss = F.cross_entropy(logits.reshape(-1, self.c), self.targets.reshape(-1))
        else:
            logits = model.head(states[:, -1])
            loss = F.cross_entropy(logits, self.targets)
        return loss, logits, h_t

    def expected(self):
        """The `expected` object: loss, logits, h_T, grad_<name> for every tensor, grad_x."""
        model = self.model()
        inputs = self.inputs
        if inputs.is_floating_point():
            inputs = inputs.clone().requires_grad_(True)
        loss, logits, h_t = self.loss(model, inputs)
        loss.backward()
        named = dict(model.named_parameters())
        out = {"loss": loss.item(), "logits": flat(logits), "h_T": flat(h_t)}
        for name in self.shapes:
            out["grad_" + name] = flat(named[TORCH_NAMES[name]].grad)
        if inputs.is_floating_point():
            out["grad_x"] = flat(inputs.grad)
        return out

    def after_steps(self, optimizer, steps):
        """Every tensor (stored name -> flat list) after `steps` optimizer steps on this batch,
        the gradient recomputed before each step."""
        model = self.model()
        opt = optimizer(model.parameters())
        for _ in range(steps):
            opt.zero_grad()
            self.loss(model)[0].backward()
            opt.step()
        named = dict(model.named_parameters())
        return {name: flat(named[TORCH_NAMES[name]]) for name in self.shapes}

    def adam_step(self, lr, betas, eps):
        return self.after_steps(
            lambda p: torch.optim.Adam(p, lr=lr, betas=tuple(betas), eps=eps), 1)

    def adamw_after(self, lr, weight_decay, betas, eps, steps):
        return self.after_steps(
            lambda p: torch.optim.AdamW(p, lr=lr, betas=tuple(betas), eps=eps,
                                        weight_decay=weight_decay), steps)


# ---------------------------------------------------------------------------------------------
# The transformer cases (Golden/transformer_*.json).
#
# The network: [token embedding (V, D) | dense input projection Linear(E, D)] + learned position
# embedding (P, D), summed; nn.TransformerEncoder of nn.TransformerEncoderLayer(D, heads, ff,
# dropout=0, activation="gelu", batch_first=True, norm_first=True) with a final LayerNorm(D), run
# under a causal mask; then the Linear(D, C) readout and the same loss as the recurrent cases.
# Stored tensor names are PyTorch's parameter names without the `encoder.` prefix
# (layers.L.self_attn.in_proj_weight, ..., norm.weight), besides embedding / W_in / b_in,
# position, head_W and head_b. `h_T` is the final LayerNorm's output at the last position.

TRANSFORMER_LAYER_TENSORS = [
    # (name inside layers.L., shape as a function of D, F)
    ("norm1.weight", lambda d, f: (d,)),
    ("norm1.bias", lambda d, f: (d,)),
    ("self_attn.in_proj_weight", lambda d, f: (3 * d, d)),
    ("self_attn.in_proj_bias", lambda d, f: (3 * d,)),
    ("self_attn.out_proj.weight", lambda d, f: (d, d)),
    ("self_attn.out_proj.bias", lambda d, f: (d,)),
    ("norm2.weight", lambda d, f: (d,)),
    ("norm2.bias", lambda d, f: (d,)),
    ("linear1.weight", lambda d, f: (f, d)),
    ("linear1.bias", lambda d, f: (f,)),
    ("linear2.weight", lambda d, f: (d, f)),
    ("linear2.bias", lambda d, f: (d,)),
]
TRANSFORMER_TEXT = ("x = embedding(tokens) or W_in x + b_in, plus position[:T]; per layer "
                    "x = x + out_proj(causal MHA(norm1(x))); x = x + linear2(gelu_erf(linear1(norm2(x)))); "
                    "y = norm(x) (LayerNorm eps 1e-5); logits = head(y)")
TRANSFORMER_LAYOUT = ("row-major; in_proj_weight is (3D, D) rows [q; k; v], heads split each of "
                      "q, k, v into consecutive D/heads columns; linear1.weight is (F, D); "
                      "position is (P, D) with P = steps; x is (B, T, E); tokens is (B, T)")


def transformer_shapes(vocab, e, d, layers, ff, positions, c):
    """Stored name -> shape, in the flat layout's order."""
    shapes = {}
    if vocab:
        shapes["embedding"] = (vocab, d)
    else:
        shapes["W_in"], shapes["b_in"] = (d, e), (d,)
    shapes["position"] = (positions, d)
    for layer in range(layers):
        for name, shape in TRANSFORMER_LAYER_TENSORS:
            shapes[f"layers.{layer}.{name}"] = shape(d, ff)
    shapes["norm.weight"], shapes["norm.bias"] = (d,), (d,)
    shapes["head_W"], shapes["head_b"] = (c, d), (c,)
    return shapes


def transformer_torch_name(name):
    return {"embedding": "embed.weight", "W_in": "proj.weight", "b_in": "proj.bias",
            "position": "position.weight", "head_W": "head.weight",
            "head_b": "head.bias"}.get(name, "encoder." + name)


class TransformerModel(nn.Module):
    """[Embedding | Linear(E, D)] + position -> causal pre-norm TransformerEncoder -> Linear."""

    def __init__(self, vocab, e, d, layers, heads, ff, positions, c):
        super().__init__()
        self.embed = nn.Embedding(vocab, d) if vocab else None
        self.proj = None if vocab else nn.Linear(e, d)
        self.position = nn.Embedding(positions, d)
        layer = nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(d),
                                             enable_nested_tensor=False)
        self.head = nn.Linear(d, c)

    def forward(self, inputs):
        """Returns (every position's final-norm output (B, T, D), the last one's (B, D))."""
        x = self.embed(inputs) if self.embed is not None else self.proj(inputs)
        t = x.shape[1]
        x = x + self.position.weight[:t]
        mask = nn.Transformer.generate_square_subsequent_mask(t, dtype=x.dtype)
        y = self.encoder(x, mask=mask, is_causal=True)
        return y, y[:, -1]


class TransformerCase(Case):
    """One transformer golden file, as PyTorch tensors (same `expected` and Adam fields)."""

    def __init__(self, data, dtype=torch.float64):
        self.data = data
        self.dtype = dtype
        self.cell = "transformer"
        self.vocab = data["vocab"] or 0
        self.e, self.h, self.c = data["input_size"], data["hidden"], data["classes"]
        self.layers, self.heads, self.ff = data["layers"], data["heads"], data["ff"]
        self.b, self.t = data["batch"], data["steps"]
        self.positions = data["positions"]
        self.shapes = transformer_shapes(self.vocab, self.e, self.h, self.layers, self.ff,
                                         self.positions, self.c)
        targets = data["targets"]
        if "all T" in data.get("loss", ""):
            if len(targets) != self.b * self.t:
                raise ValueError(f"{len(targets)} targets for every position of B={self.b}, T={self.t}")
            self.supervision = "every"
            self.targets = torch.tensor(targets, dtype=torch.long).view(self.b, self.t)
        elif len(targets) == self.b:
            self.supervision = "last"
            self.targets = torch.tensor(targets, dtype=torch.long)
        else:
            raise ValueError(f"{len(targets)} targets for B={self.b}")
        if "tokens" in data:
            self.inputs = torch.tensor(data["tokens"], dtype=torch.long).view(self.b, self.t)
        else:
            self.inputs = torch.tensor(data["x"], dtype=torch.float64).to(dtype).view(
                self.b, self.t, self.e)

    def model(self, params=None):
        params = params or self.data["params"]
        model = TransformerModel(self.vocab, self.e, self.h, self.layers, self.heads, self.ff,
                                 self.positions, self.c).to(self.dtype)
        named = dict(model.named_parameters())
        if set(named) != {transformer_torch_name(k) for k in self.shapes}:
            raise AssertionError(f"unexpected parameters {sorted(named)}")
        if set(params) != set(self.shapes):
            raise ValueError(f"params {sorted(params)} != {sorted(self.shapes)}")
        with torch.no_grad():
            for name, shape in self.shapes.items():
                values = torch.tensor(params[name], dtype=torch.float64)
                if values.numel() != math.prod(shape):
                    raise ValueError(f"{name} has {values.numel()} values, shape {shape}")
                named[transformer_torch_name(name)].copy_(values.to(self.dtype).view(shape))
        return model

    def expected(self):
        model = self.model()
        inputs = self.inputs
        if inputs.is_floating_point():
            inputs = inputs.clone().requires_grad_(True)
        loss, logits, h_t = self.loss(model, inputs)
        loss.backward()
        named = dict(model.named_parameters())
        out = {"loss": loss.item(), "logits": flat(logits), "h_T": flat(h_t)}
        for name in self.shapes:
            out["grad_" + name] = flat(named[transformer_torch_name(name)].grad)
        if inputs.is_floating_point():
            out["grad_x"] = flat(inputs.grad)
        return out

    def after_steps(self, optimizer, steps):
        model = self.model()
        opt = optimizer(model.parameters())
        for _ in range(steps):
            opt.zero_grad()
            self.loss(model)[0].backward()
            opt.step()
        named = dict(model.named_parameters())
        return {name: flat(named[transformer_torch_name(name)]) for name in self.shapes}


# name: vocab (0 = dense), E, D, layers, heads, ff, C, B, T, supervision, seed. D = 8 is split
# into 2, 4 and 8 heads; D = 6 into 3 and 1 head; T = 1 appears for tokens and dense input.
TRANSFORMER_CASES = {
    "transformer_tokens": (7, 8, 8, 2, 2, 12, 5, 3, 4, "last", 11),
    "transformer_every_position": (7, 8, 8, 1, 4, 16, 4, 2, 5, "every", 12),
    "transformer_dense": (0, 3, 6, 2, 3, 10, 3, 3, 3, "every", 13),
    "transformer_tokens_one_step": (5, 8, 8, 2, 8, 8, 3, 4, 1, "last", 14),
    "transformer_dense_one_step": (0, 4, 6, 1, 1, 6, 4, 3, 1, "every", 15),
}


def transformer_case(name, vocab, e, d, layers, heads, ff, c, b, t, supervision, seed, lr=0.01):
    """A new transformer case drawn from torch.manual_seed(seed) in float32: params in layout
    order (LayerNorm weights 1 + U(-0.5, 0.5), everything else U(-0.5, 0.5)), then tokens or x
    (U(-1, 1)), then targets; reference values in float64 from those float32 numbers."""
    if d % heads:
        raise SystemExit(f"{name}: D = {d} is not divisible by {heads} heads")
    torch.manual_seed(seed)

    def uniform(n, bound):
        return flat(torch.empty(n, dtype=torch.float32).uniform_(-bound, bound))

    e = d if vocab else e
    shapes = transformer_shapes(vocab, e, d, layers, ff, t, c)
    params = {}
    for tensor, shape in shapes.items():
        values = uniform(math.prod(shape), 0.5)
        if "norm" in tensor and tensor.endswith("weight"):
            values = flat(torch.tensor(values, dtype=torch.float32) + 1)
        params[tensor] = values
    inputs = {"tokens": torch.randint(vocab, (b * t,)).tolist()} if vocab else {"x": uniform(b * t * e, 1.0)}
    targets = torch.randint(c, (b * t if supervision == "every" else b,)).tolist()
    data = {
        "name": name, "cell": "transformer", "input_size": e, "hidden": d, "classes": c,
        "layers": layers, "heads": heads, "ff": ff, "positions": t,
        "steps": t, "batch": b, "vocab": vocab or None,
        "network": TRANSFORMER_TEXT, "layout": TRANSFORMER_LAYOUT,
        "loss": LOSS_TEXT[supervision], "params": params, "targets": targets,
    }
    case = TransformerCase({**data, **inputs})
    data["expected"] = case.expected()
    data.update(inputs)
    after = case.adam_step(lr, [0.9, 0.999], 1e-8)
    data["adam_step"] = {"lr": lr, "betas": [0.9, 0.999], "eps": 1e-8,
                         **{f"{k}_after": v for k, v in after.items()}}
    return data


def cmd_generate_transformer(args):
    names = args.names or list(TRANSFORMER_CASES)
    for name in names:
        if name not in TRANSFORMER_CASES:
            raise SystemExit(f"no transformer case {name}; known: {', '.join(TRANSFORMER_CASES)}")
        write(GOLDEN / f"{name}.json", transformer_case(name, *TRANSFORMER_CASES[name]))
    return 0


def flat(tensor):
    return tensor.detach().to(torch.float64).reshape(-1).tolist()


class Comparison:
    """Accumulates stored-vs-recomputed differences under the Swift rule."""

    def __init__(self):
        self.count = 0
        self.ratio = 0.0           # worst |a - e| / (ATOL + RTOL |e|); <= 1 passes
        self.where = "-"
        self.relative = 0.0        # worst |a - e| / |e| over e != 0
        self.problems = []

    def add(self, what, actual, expected):
        if not isinstance(expected, list):
            actual, expected = [actual], [expected]
        if len(actual) != len(expected):
            self.problems.append(f"{what}: {len(expected)} stored values, {len(actual)} computed")
            return
        for i, (a, e) in enumerate(zip(actual, expected)):
            self.count += 1
            diff = abs(a - e)
            ratio = diff / (ATOL + RTOL * abs(e))
            if math.isnan(ratio):
                ratio = math.inf
            if ratio > self.ratio:
                self.ratio, self.where = ratio, f"{what}[{i}]"
            if e != 0:
                self.relative = max(self.relative, diff / abs(e))
            elif diff > 0:
                self.relative = math.inf

    @property
    def ok(self):
        return not self.problems and self.ratio <= 1


def verify_case(path, dtype):
    data = json.loads(path.read_text())
    case = (TransformerCase if data["cell"] == "transformer" else Case)(data, dtype)
    cmp = Comparison()

    stored = data["expected"]
    computed = case.expected()
    for key in stored:
        if key in computed:
            cmp.add(f"expected.{key}", computed[key], stored[key])
        else:
            cmp.problems.append(f"expected.{key} is not something this script computes")
    for key in computed:
        if key not in stored:
            cmp.problems.append(f"expected.{key} is missing")

    adam = data["adam_step"]
    after = case.adam_step(adam["lr"], adam["betas"], adam["eps"])
    for key, values in adam.items():
        if key.endswith("_after"):
            name = key[: -len("_after")]
            if name in after:
                cmp.add(f"adam_step.{key}", after[name], values)
            else:
                cmp.problems.append(f"adam_step.{key}: no tensor {name}")
        elif key not in ("lr", "betas", "eps"):
            cmp.problems.append(f"adam_step.{key} is not understood")

    if "adamw" in data:
        w = data["adamw"]
        unknown = set(w) - {"lr", "weight_decay", "betas", "eps", "steps", "after"}
        if unknown:
            cmp.problems.append(f"adamw fields {sorted(unknown)} are not understood")
        after = case.adamw_after(w["lr"], w["weight_decay"], w["betas"], w["eps"], w["steps"])
        if set(w["after"]) != set(after):
            cmp.problems.append(f"adamw.after has {sorted(w['after'])}, want {sorted(after)}")
        for name, values in w["after"].items():
            if name in after:
                cmp.add(f"adamw.after.{name}", after[name], values)

    status = "ok" if cmp.ok else "FAIL"
    print(f"{path.stem:28s} {cmp.count:6d} values  worst rel {cmp.relative:.2e}  "
          f"worst/tol {cmp.ratio:.2e} at {cmp.where:28s} {status}")
    for problem in cmp.problems:
        print(f"    {problem}")
    return cmp.ok


def resolve(name):
    """A path, or a case name in the Golden directory."""
    path = pathlib.Path(name)
    if path.exists():
        return path
    path = GOLDEN / (name if name.endswith(".json") else name + ".json")
    if not path.exists():
        raise SystemExit(f"no golden case {name}")
    return path


def write(path, data):
    """The stored files' exact formatting: json.dumps(indent=1), no trailing newline."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))
    print(f"wrote {path}")


def adamw_object(case, lr, weight_decay=ADAMW_WEIGHT_DECAY, steps=ADAMW_STEPS):
    betas, eps = [0.9, 0.999], 1e-8
    return {"lr": lr, "weight_decay": weight_decay, "betas": betas, "eps": eps, "steps": steps,
            "after": case.adamw_after(lr, weight_decay, betas, eps, steps)}


def cmd_verify(args):
    dtype = {"float64": torch.float64, "float32": torch.float32}[args.dtype]
    paths = [resolve(f) for f in args.files] or sorted(GOLDEN.glob("*.json"))
    results = [verify_case(p, dtype) for p in paths]
    failed = results.count(False)
    print(f"{len(results) - failed} of {len(results)} cases ok ({args.dtype})")
    return 1 if failed else 0


def cmd_generate(args):
    if args.cell not in GATES:
        raise SystemExit(f"--cell must be one of {sorted(GATES)}")
    vocab = args.vocab or 0
    e, h, c, b, t = args.input_size, args.hidden, args.classes, args.batch, args.steps
    g = GATES[args.cell]
    torch.manual_seed(args.seed)

    def uniform(n, bound):  # float32 draws; stored exactly (float32 -> float64 is exact)
        return flat(torch.empty(n, dtype=torch.float32).uniform_(-bound, bound))

    sizes = {"W_ih": g * h * e, "W_hh": g * h * h, "b_ih": g * h, "b_hh": g * h,
             "head_W": c * h, "head_b": c}
    if vocab:
        sizes["embedding"] = vocab * e
    params = {name: uniform(n, 0.5) for name, n in sizes.items()}
    if vocab:
        inputs = {"tokens": torch.randint(vocab, (b * t,)).tolist()}
    else:
        inputs = {"x": uniform(b * t * e, 1.0)}
    every = args.supervision == "every"
    targets = torch.randint(c, (b * t if every else b,)).tolist()

    data = {
        "name": args.name, "cell": args.cell, "input_size": e, "hidden": h, "classes": c,
        "steps": t, "batch": b, "vocab": vocab or None,
        "gate_order": GATE_ORDER[args.cell],
        "layout": LAYOUT_TOKENS if vocab else LAYOUT_DENSE,
        "loss": LOSS_TEXT[args.supervision],
        "params": params, "targets": targets,
    }
    case = Case({**data, **inputs})
    data["expected"] = case.expected()
    data.update(inputs)
    after = case.adam_step(args.lr, [0.9, 0.999], 1e-8)
    data["adam_step"] = {"lr": args.lr, "betas": [0.9, 0.999], "eps": 1e-8,
                         "W_hh_after": after["W_hh"], "head_W_after": after["head_W"]}
    if args.adamw_weight_decay is not None:
        data["adamw"] = adamw_object(case, args.lr, args.adamw_weight_decay)
    write(args.out, data)
    return 0


def cmd_generate_adamw(args):
    if args.all_adamw:
        if args.src or args.out:
            raise SystemExit("--all-adamw takes no SRC or --out")
        jobs = [(resolve(s), GOLDEN / f"{s}_adamw.json") for s in ADAMW_SOURCES]
    else:
        if not args.src or not args.out:
            raise SystemExit("generate-adamw needs SRC and --out (or --all-adamw)")
        jobs = [(resolve(args.src), pathlib.Path(args.out))]
    for src, out in jobs:
        data = json.loads(src.read_text())
        data = copy.deepcopy(data)
        data.pop("adamw", None)
        data["name"] = out.stem
        data["adamw"] = adamw_object(Case(data), data["adam_step"]["lr"],
                                     args.weight_decay, args.steps)
        write(out, data)
    return 0


def main():
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("verify", help="recompute every stored number and compare")
    p.add_argument("files", nargs="*", help="paths or case names (default: every stored case)")
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    p.set_defaults(run=cmd_verify)

    p = sub.add_parser("generate", help="write a new case drawn from a seed")
    p.add_argument("name")
    p.add_argument("--cell", required=True, choices=sorted(GATES))
    p.add_argument("--vocab", type=int, default=0, help="token vocabulary; 0 for dense input")
    p.add_argument("--input-size", type=int, required=True)
    p.add_argument("--hidden", type=int, required=True)
    p.add_argument("--classes", type=int, required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--supervision", choices=["every", "last"], required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--lr", type=float, default=0.01, help="learning rate of adam_step (0.01)")
    p.add_argument("--adamw-weight-decay", type=float, default=None,
                   help="also add an `adamw` object with this weight decay")
    p.add_argument("--out", required=True)
    p.set_defaults(run=cmd_generate)

    p = sub.add_parser("generate-adamw", help="copy a stored case and add the `adamw` object")
    p.add_argument("src", nargs="?", help="path or case name")
    p.add_argument("--out")
    p.add_argument("--all-adamw", action="store_true",
                   help=f"rewrite Golden/<src>_adamw.json for {', '.join(ADAMW_SOURCES)}")
    p.add_argument("--weight-decay", type=float, default=ADAMW_WEIGHT_DECAY)
    p.add_argument("--steps", type=int, default=ADAMW_STEPS)
    p.set_defaults(run=cmd_generate_adamw)

    p = sub.add_parser("generate-transformer",
                       help="write the transformer cases (TRANSFORMER_CASES) into Golden/")
    p.add_argument("names", nargs="*", help="case names (default: every one)")
    p.set_defaults(run=cmd_generate_transformer)

    args = parser.parse_args()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
