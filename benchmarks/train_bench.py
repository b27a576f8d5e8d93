"""Training the book's small CNN on the digits: cnnlib vs PyTorch CPU, epoch by epoch.

The network (the one chapter 8 trains)::

    Conv2d(1->16, 3x3, padding 1) - ReLU - MaxPool2d(2)      (N, 16, 8, 8) -> (N, 16, 4, 4)
    Conv2d(16->32, 3x3, padding 1) - ReLU - MaxPool2d(2)     (N, 32, 4, 4) -> (N, 32, 2, 2)
    Flatten - Linear(128 -> 10) - softmax cross-entropy

on scikit-learn's digits (1,437 training and 360 test images, cnnlib.data's
split), SGD with lr 0.05 and momentum 0.9, batches of 32. PyTorch gets the
same initial weights (copied from the cnnlib model), the same batch order
(the same cnnlib.data.batches permutations) and the same optimiser, in float32
with ``torch.set_num_threads(2)``. Both evaluate on the test set after every
epoch, and that is part of the epoch's time. Before timing, one training step
of each is compared: the weights after it must agree to float32 rounding.

Timed: each training run in full, alternately cnnlib and PyTorch, a few
rounds; per-epoch time is the median over epochs and rounds. Reported also:
where cnnlib's epoch goes (per layer kind, forward and backward), and memory:
tracemalloc's peak during one training step and what stays allocated after
each epoch (it must not grow), plus the resident set size per epoch.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from typing import Dict, List, Optional

import numpy as np

from cnnlib import train as train_module
from cnnlib.data import batches, load_digits
from cnnlib.layers import Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, SoftmaxCrossEntropy
from cnnlib.optim import SGD

from .machine import torch_or_none
from .memory_bench import _status_kib
from .tables import Column, Table

LR, MOMENTUM, BATCH, SEED, TARGET = 0.05, 0.9, 32, 0, 0.97


def cnnlib_model(seed: int = SEED) -> Sequential:
    rng = np.random.default_rng(seed)
    model = Sequential(
        Conv2d(1, 16, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2),
        Conv2d(16, 32, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2),
        Flatten(), Linear(128, 10, rng=rng),
    )
    # As cnnlib.train.fit does while training (and as PyTorch does for an input
    # without requires_grad): the breakdown and memory loops skip the first dx too.
    model[0].needs_input_grad = False
    return model


def torch_model(torch, like: Sequential):
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(128, 10),
    )
    state = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in like.params.items()}
    model.load_state_dict(state)   # cnnlib's Sequential names its arrays as PyTorch's state_dict does
    return model


def torch_fit(torch, model, train, test, epochs: int, seed: int = SEED):
    """The loop of cnnlib.train.fit, in PyTorch: the same batches, step, evaluation and bookkeeping."""
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = torch.nn.CrossEntropyLoss()
    rng = np.random.default_rng(seed)
    x_test, y_test = torch.from_numpy(test.x), torch.from_numpy(test.y.astype(np.int64))
    history = {"train_loss": [], "test_accuracy": [], "seconds": []}
    start = time.perf_counter()
    n = train.x.shape[0]
    for _ in range(epochs):
        total, correct = 0.0, 0
        for xb, yb in batches(train, BATCH, rng=rng):
            xb, yb = torch.from_numpy(xb), torch.from_numpy(yb.astype(np.int64))
            opt.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            total += loss.item() * yb.shape[0]
            correct += int((out.argmax(1) == yb).sum())
        with torch.no_grad():
            acc = float((model(x_test).argmax(1) == y_test).float().mean())
        history["train_loss"].append(total / n)
        history["test_accuracy"].append(acc)
        history["seconds"].append(time.perf_counter() - start)
    return history


def check_one_step(torch, train) -> float:
    """One step of each from the same weights and batch; the largest weight difference after it."""
    model = cnnlib_model()
    tmodel = torch_model(torch, model)
    xb, yb = next(batches(train, BATCH, rng=np.random.default_rng(SEED)))
    loss = SoftmaxCrossEntropy()
    opt = SGD(model, lr=LR, momentum=MOMENTUM)
    for _ in range(2):   # two steps: the second one uses the momentum buffer
        loss(model(xb), yb)
        model.backward(loss.backward())
        opt.step()
    topt = torch.optim.SGD(tmodel.parameters(), lr=LR, momentum=MOMENTUM)
    for _ in range(2):
        topt.zero_grad()
        torch.nn.functional.cross_entropy(tmodel(torch.from_numpy(xb)), torch.from_numpy(yb.astype(np.int64))).backward()
        topt.step()
    worst = 0.0
    for k, v in tmodel.state_dict().items():
        diff = float(np.abs(v.numpy() - model.params[k]).max())
        worst = max(worst, diff)
        np.testing.assert_allclose(v.numpy(), model.params[k], rtol=1e-4, atol=1e-5, err_msg=k)
    return worst


def epoch_times(seconds: List[float]) -> List[float]:
    return [b - a for a, b in zip([0.0] + seconds[:-1], seconds)]


def first_reaching(acc: List[float], seconds: List[float]):
    for i, a in enumerate(acc):
        if a >= TARGET:
            return i + 1, seconds[i]
    return None, None


def breakdown(train, test, epochs: int) -> Dict[str, float]:
    """Milliseconds per epoch spent in each kind of work, cnnlib with train.BLAS_THREADS threads."""
    model, loss = cnnlib_model(), SoftmaxCrossEntropy()
    opt = SGD(model, lr=LR, momentum=MOMENTUM)
    parts: Dict[str, float] = {}

    def add(key, t0):
        parts[key] = parts.get(key, 0.0) + time.perf_counter() - t0

    kind = {Conv2d: "conv", MaxPool2d: "pool", ReLU: "relu", Flatten: "linear+flatten", Linear: "linear+flatten"}
    rng = np.random.default_rng(SEED)
    with train_module._blas_threads():
        start = time.perf_counter()
        for _ in range(epochs):
            for xb, yb in batches(train, BATCH, rng=rng):
                x = xb
                for layer in model:
                    t0 = time.perf_counter()
                    x = layer.forward(x)
                    add(f"{kind[type(layer)]} forward", t0)
                t0 = time.perf_counter()
                loss(x, yb)
                d = loss.backward()
                add("loss forward+backward", t0)
                for layer in reversed(model.layers):
                    t0 = time.perf_counter()
                    d = layer.backward(d)
                    add(f"{kind[type(layer)]} backward", t0)
                t0 = time.perf_counter()
                opt.step()
                add("SGD step", t0)
            t0 = time.perf_counter()
            train_module._evaluate(model, loss, test.x, test.y, 256)
            add("test evaluation (forward only)", t0)
        total = time.perf_counter() - start
    parts["rest (batching, bookkeeping)"] = total - sum(parts.values())
    return {k: v / epochs * 1e3 for k, v in parts.items()}


def memory(train, test, epochs: int):
    """tracemalloc peak of one training step, and what stays allocated / resident after each epoch."""
    model, loss = cnnlib_model(), SoftmaxCrossEntropy()
    opt = SGD(model, lr=LR, momentum=MOMENTUM)
    rng = np.random.default_rng(SEED)
    xb, yb = next(batches(train, BATCH, rng=np.random.default_rng(1)))

    def step(xb, yb):
        loss(model(xb), yb)
        model.backward(loss.backward())
        opt.step()

    with train_module._blas_threads():
        step(xb, yb)                                      # warm-up: scratch memory, momentum buffers
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        step(xb, yb)
        step_peak = tracemalloc.get_traced_memory()[1] - base
        kept, rss = [], []
        for _ in range(epochs):
            for b in batches(train, BATCH, rng=rng):
                step(b.x, b.y)
            train_module._evaluate(model, loss, test.x, test.y, 256)
            kept.append(tracemalloc.get_traced_memory()[0] - base)
            kib = _status_kib("VmRSS")
            rss.append(None if kib is None else kib * 1024)
        tracemalloc.stop()
    param_bytes = sum(v.nbytes for v in model.params.values())
    return step_peak, kept, rss, param_bytes


def run(quick: bool = False, repeats: Optional[int] = None, log=print) -> List[Table]:
    torch = torch_or_none()
    if torch is not None:
        torch.set_num_threads(2)
    train, test = load_digits()
    if quick:
        train = type(train)(train.x[:128], train.y[:128])
    epochs = 2 if quick else 15
    rounds = repeats or (1 if quick else 3)

    worst_step = check_one_step(torch, train) if torch is not None else None
    runs: Dict[str, List] = {"cnnlib": [], "cnnlib_2threads": [], "torch": [], "torch_1thread": []}
    log(f"  training {epochs} epochs x {rounds} rounds ...")
    for r in range(rounds):
        model = cnnlib_model()
        init = {k: v.copy() for k, v in model.params.items()}
        h = train_module.fit(model, SoftmaxCrossEntropy(), SGD(model, lr=LR, momentum=MOMENTUM), train, test,
                             epochs=epochs, batch_size=BATCH, seed=SEED, progress=False)
        runs["cnnlib"].append({"train_loss": h.train_loss, "test_accuracy": h.test_accuracy, "seconds": h.seconds})
        log(f"    round {r + 1}: cnnlib {h.seconds[-1]:.2f} s, final test accuracy {h.test_accuracy[-1]:.4f}")
        if torch is not None:
            time.sleep(0.2)
            tm = torch_model(torch, _with_params(init))
            th = torch_fit(torch, tm, train, test, epochs)
            runs["torch"].append(th)
            log(f"    round {r + 1}: torch  {th['seconds'][-1]:.2f} s, final test accuracy {th['test_accuracy'][-1]:.4f}")
            # PyTorch on one thread too: cnnlib's BLAS runs on one (see cnnlib.train.BLAS_THREADS).
            time.sleep(0.2)
            torch.set_num_threads(1)
            try:
                runs["torch_1thread"].append(torch_fit(torch, torch_model(torch, _with_params(init)), train, test, epochs))
            finally:
                torch.set_num_threads(2)
            log(f"    round {r + 1}: torch, 1 thread {runs['torch_1thread'][-1]['seconds'][-1]:.2f} s")
        time.sleep(0.2)
    # The same with BLAS left at its default thread count (2 here), a few epochs, for the BLAS_THREADS choice.
    saved = train_module.BLAS_THREADS
    train_module.BLAS_THREADS = None
    try:
        for _ in range(rounds):
            model = cnnlib_model()
            h = train_module.fit(model, SoftmaxCrossEntropy(), SGD(model, lr=LR, momentum=MOMENTUM), train, test,
                                 epochs=min(epochs, 3), batch_size=BATCH, seed=SEED, progress=False)
            runs["cnnlib_2threads"].append({"train_loss": h.train_loss, "test_accuracy": h.test_accuracy,
                                            "seconds": h.seconds})
    finally:
        train_module.BLAS_THREADS = saved

    summary = Table(
        "train_summary",
        f"Training the book's CNN on the digits ({epochs} epochs, batch {BATCH}, SGD lr {LR} momentum {MOMENTUM}): "
        "cnnlib vs PyTorch CPU",
        [
            Column("implementation", "implementation", "str"),
            Column("blas_threads", "threads", "str"),
            Column("epochs", "epochs", "int"),
            Column("epoch_s", "s per epoch (median)"),
            Column("vs_torch_x", "epoch time / torch's (2 threads)", "x"),
            Column("vs_torch_1thread_x", "epoch time / torch's (1 thread)", "x"),
            Column("epoch_to_target", f"first epoch >= {TARGET:.0%}", "int"),
            Column("seconds_to_target_s", f"s to >= {TARGET:.0%} (median)"),
            Column("final_test_accuracy", "final test accuracy", "g3"),
            Column("final_test_accuracy_min", "final test acc. (min over rounds)", "g3", show=False),
        ],
        missing="not installed" if torch is None else "n/a",
    )
    med_epoch = {}
    for name, label, threads in (("cnnlib", "cnnlib", f"BLAS {saved}"), ("cnnlib_2threads", "cnnlib", "BLAS default"),
                                 ("torch", "PyTorch", "torch 2"), ("torch_1thread", "PyTorch", "torch 1")):
        rs = runs[name]
        if not rs:
            summary.add(implementation=label, blas_threads=threads)
            continue
        per_epoch = [t for r_ in rs for t in epoch_times(r_["seconds"])]
        med_epoch[name] = statistics.median(per_epoch)
        reach = [first_reaching(r_["test_accuracy"], r_["seconds"]) for r_ in rs]
        ep = [e for e, _ in reach if e is not None]
        secs = [s for _, s in reach if s is not None]
        full = name != "cnnlib_2threads"
        summary.add(
            implementation=label, blas_threads=threads, epochs=len(rs[0]["seconds"]), epoch_s=med_epoch[name],
            epoch_to_target=(ep[0] if ep and all(e == ep[0] for e in ep) else (min(ep) if ep else None)) if full else None,
            seconds_to_target_s=statistics.median(secs) if secs and full else None,
            final_test_accuracy=rs[0]["test_accuracy"][-1] if full else None,
            final_test_accuracy_min=min(r_["test_accuracy"][-1] for r_ in rs) if full else None,
        )
    names = ("cnnlib", "cnnlib_2threads", "torch", "torch_1thread")
    for ref_name, col in (("torch", "vs_torch_x"), ("torch_1thread", "vs_torch_1thread_x")):
        if ref_name in med_epoch:
            i = [c.name for c in summary.columns].index(col)
            for row, name in zip(summary.rows, names):
                if name in med_epoch:
                    row[i] = med_epoch[name] / med_epoch[ref_name]

    history = Table(
        "train_history",
        "Per epoch (round 1): test accuracy, mean training loss and elapsed seconds",
        [
            Column("epoch", "epoch", "int"),
            Column("cnnlib_test_accuracy", "cnnlib test acc."),
            Column("torch_test_accuracy", "torch test acc."),
            Column("cnnlib_train_loss", "cnnlib train loss"),
            Column("torch_train_loss", "torch train loss"),
            Column("cnnlib_elapsed_s", "cnnlib s"),
            Column("torch_elapsed_s", "torch s"),
        ],
        missing="not installed" if torch is None else "n/a",
    )
    c0 = runs["cnnlib"][0]
    t0 = runs["torch"][0] if runs["torch"] else None
    for e in range(epochs):
        history.add(
            epoch=e + 1, cnnlib_test_accuracy=c0["test_accuracy"][e], cnnlib_train_loss=c0["train_loss"][e],
            cnnlib_elapsed_s=c0["seconds"][e],
            torch_test_accuracy=None if t0 is None else t0["test_accuracy"][e],
            torch_train_loss=None if t0 is None else t0["train_loss"][e],
            torch_elapsed_s=None if t0 is None else t0["seconds"][e],
        )

    log("  breakdown ...")
    parts = breakdown(train, test, epochs=2 if quick else 5)
    total = sum(parts.values())
    brk = Table("train_breakdown", f"Where one cnnlib epoch goes (BLAS {saved} thread(s); ms per epoch)",
                [Column("part", "part", "str"), Column("ms", "ms per epoch"), Column("share_x", "share", "x", show=False),
                 Column("percent", "% of epoch", "g3")])
    order = ["conv forward", "conv backward", "pool forward", "pool backward", "relu forward", "relu backward",
             "linear+flatten forward", "linear+flatten backward", "loss forward+backward", "SGD step",
             "test evaluation (forward only)", "rest (batching, bookkeeping)"]
    for k in order:
        if k in parts:
            brk.add(part=k, ms=parts[k], share_x=parts[k] / total, percent=100 * parts[k] / total)
    brk.add(part="total", ms=total, share_x=1.0, percent=100.0)

    log("  memory ...")
    step_peak, kept, rss, param_bytes = memory(train, test, epochs=2 if quick else 6)
    mem = Table("train_memory", "Memory of cnnlib training (after one warm-up step; tracemalloc and resident set)",
                [Column("epoch", "after epoch", "int"), Column("kept_bytes", "still allocated (tracemalloc)", "bytes"),
                 Column("kept_growth_bytes", "growth since epoch 1", "bytes"),
                 Column("rss_bytes", "resident set (VmRSS)", "bytes"),
                 Column("step_peak_bytes", "peak of one step", "bytes"),
                 Column("param_bytes", "parameters", "bytes")])
    for e, (k, r_) in enumerate(zip(kept, rss)):
        mem.add(epoch=e + 1, kept_bytes=k, kept_growth_bytes=k - kept[0], rss_bytes=r_,
                step_peak_bytes=step_peak if e == 0 else None, param_bytes=param_bytes if e == 0 else None)

    notes = [
        "Network: Conv2d(1->16, 3x3, pad 1)-ReLU-MaxPool2d(2)-Conv2d(16->32, 3x3, pad 1)-ReLU-MaxPool2d(2)-"
        "Flatten-Linear(128->10), softmax cross-entropy; float32.",
        "Same initial weights (copied), same batch order (cnnlib.data.batches), same optimiser; each epoch "
        "includes the test evaluation. Medians over every epoch of every round "
        f"({rounds} round(s), cnnlib and PyTorch alternating).",
        f"threads: cnnlib.train runs BLAS with BLAS_THREADS={saved} thread(s); 'BLAS default' is the same code "
        "with BLAS left at its default (2 threads here), 3 epochs per round. PyTorch: torch.set_num_threads(2) "
        "(the comparison the issue asks for) and, in the same rounds, torch.set_num_threads(1).",
    ]
    if worst_step is not None:
        notes.append(f"Checked first: after two steps from the same weights and batch, cnnlib's and PyTorch's "
                     f"weights differ by at most {worst_step:.1e} (float32).")
    else:
        notes.append("PyTorch is not installed in this environment (`make bench` installs it).")
    summary.notes += notes
    return [summary, history, brk, mem]


def _with_params(params: Dict[str, np.ndarray]):
    """A stand-in with .params, for torch_model (which only reads .params)."""

    class P:
        pass

    p = P()
    p.params = params
    return p

