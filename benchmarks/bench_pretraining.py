"""Does unsupervised pre-training help when labels are few? Digits, 10 and 50 labels a class.

Experiment 1, greedy layer-wise pre-training. A deep sigmoid network 64-128-64-32-10 is
trained on a few labelled training images, either from random weights or from a stack of
autoencoders pre-trained, layer by layer, on all 1,437 training images without their
labels (``aelearn.models.stacked``). Two initialisations of every layer (stack stages,
the random network and the new head alike): the library's default, Glorot, and the naive
N(0, 0.01^2), under which a deep sigmoid network hardly learns from random weights.

- pre-training: each layer 100 epochs, Adam lr 1e-3, batch 64, squared error, sigmoid
  codes and sigmoid reconstructions;
- fine-tuning (both networks): 300 full-batch Adam steps, lr 1e-3, cross-entropy, every
  layer trained.

The stack does not depend on the labels, so it is pre-trained once per seed and
initialisation and copied into a classifier for each label count.

Experiment 2, transfer learning on the same labelled sets: a linear head (multinomial
logistic regression) on raw pixels, on 32 PCA components, and on the frozen 32-d codes of a
64-128-32 ReLU autoencoder (100 epochs, batch 64, Adam lr 1e-3), PCA and autoencoder being
fitted on all training images without labels; and that encoder fine-tuned with the head.
Heads: 300 full-batch Adam steps at lr 1e-2 (at 1e-3, 300 steps leave a linear head
visibly under-fitted, the PCA one most).

Per seed s: the labelled images are drawn per class by ``default_rng(s)`` from the training
split (the same for every method), and every network is seeded with s. Test accuracy on the
360 test images of ``load_digits()``; mean ± standard deviation (ddof=0) over the seeds.

PyTorch column (experiment 1, when torch is importable; ``--no-torch`` skips it): the same
protocol written as a PyTorch user would, ``nn.Linear`` and ``nn.Sigmoid`` layers whose
weights are set explicitly (``nn.init.xavier_uniform_``, which is aelearn's Glorot, or
``nn.init.normal_`` with std 0.01; zero biases), ``torch.optim.Adam``, ``F.mse_loss`` (a
per-element mean; aelearn sums over the features, a scale Adam divides out) and
``F.cross_entropy``. The same labelled images; weights from ``torch.manual_seed(s)`` and
batch order from ``default_rng(s)``, so the draws differ from aelearn's and the two columns
agree only to within the seed-to-seed spread. The table also shows the figures of an earlier
PyTorch run ("ref"), all there is to compare with when torch is absent.

Run: ``python benchmarks/bench_pretraining.py [--seeds 5] [--quick] [--no-torch]`` (about 1.5
minutes on one core for aelearn, 1.5 more for PyTorch; ``--quick`` is a smoke run with few
epochs whose figures mean nothing).
"""

import argparse
import copy
import time

import numpy as np
from quality_common import torch_available
from threadpoolctl import threadpool_limits

from aelearn.baselines import fit_pca
from aelearn.datasets import load_digits
from aelearn.models.autoencoder import Autoencoder
from aelearn.models.classifier import Classifier
from aelearn.models.stacked import pretrain_stack
from aelearn.reporting import format_table

HIDDEN = (128, 64, 32)  # the network is 64-128-64-32-10
LABELS_PER_CLASS = (10, 50)
INITS = {"default": {"init": None}, "N(0,0.01²)": {"init": "normal", "init_std": 0.01}}
# An earlier PyTorch run, shown beside aelearn's figures: (random init, pre-trained), each
# (mean, std) over 5 seeds.
REFERENCE = {
    (10, "default"): ((0.717, 0.023), (0.853, 0.021)),
    (10, "N(0,0.01²)"): ((0.381, 0.114), (0.848, 0.027)),
    (50, "default"): ((0.821, 0.021), (0.930, 0.011)),
    (50, "N(0,0.01²)"): ((0.396, 0.104), (0.921, 0.006)),
}
FULL = {"pretrain_epochs": 100, "finetune_steps": 300, "ae_epochs": 100}
QUICK = {"pretrain_epochs": 3, "finetune_steps": 20, "ae_epochs": 3}
LR, BATCH, HEAD_LR = 1e-3, 64, 1e-2


def labelled_subset(y, per_class, seed, n_classes=10):
    """Indices of ``per_class`` training images of each class, drawn without replacement."""
    rng = np.random.default_rng(seed)
    picks = [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in range(n_classes)]
    return np.concatenate(picks)


def full_batch(clf, X, y, steps, lr):
    """Train ``clf`` for ``steps`` full-batch Adam steps; return it."""
    return clf.fit(X, y, epochs=steps, batch_size=X.shape[0], lr=lr)


def pretraining_accuracies(data, seed, budget):
    """{(labels per class, init name): (random-init accuracy, pre-trained accuracy)}."""
    out = {}
    for name, init in INITS.items():
        stack = pretrain_stack(
            data.X_train,
            HIDDEN,
            activation="sigmoid",
            epochs=budget["pretrain_epochs"],
            batch_size=BATCH,
            lr=LR,
            rng=seed,
            **init,
        )
        for per_class in LABELS_PER_CLASS:
            index = labelled_subset(data.y_train, per_class, seed)
            X, y = data.X_train[index], data.y_train[index]
            random = Classifier(
                None, 10, HIDDEN, n_features=64, activation="sigmoid", rng=seed, **init
            )
            pretrained = stack.to_classifier(10, rng=seed)
            scores = []
            for clf in (random, pretrained):
                full_batch(clf, X, y, budget["finetune_steps"], LR)
                scores.append(clf.score(data.X_test, data.y_test))
            out[per_class, name] = tuple(scores)
    return out


def transfer_accuracies(data, seed, budget):
    """{(labels per class, features): accuracy} for linear heads on raw, PCA and AE codes."""
    pca = fit_pca(data.X_train, 32)
    ae = Autoencoder((64, 128, 32), activation="relu", rng=seed)
    ae.fit(data.X_train, epochs=budget["ae_epochs"], batch_size=BATCH, lr=LR)
    pca_train = pca.transform(data.X_train).astype(np.float32)
    pca_test = pca.transform(data.X_test).astype(np.float32)
    out = {}
    for per_class in LABELS_PER_CLASS:
        index = labelled_subset(data.y_train, per_class, seed)
        y = data.y_train[index]
        setups = {
            "raw pixels (64)": (
                Classifier(None, n_features=64, rng=seed),
                data.X_train,
                data.X_test,
            ),
            "PCA (32)": (Classifier(None, n_features=32, rng=seed), pca_train, pca_test),
            "AE codes, frozen (32)": (Classifier(ae.encoder, rng=seed), data.X_train, data.X_test),
            "AE encoder, fine-tuned": (
                Classifier(ae.encoder, freeze_encoder=False, rng=seed),
                data.X_train,
                data.X_test,
            ),
        }
        for features, (clf, X_train, X_test) in setups.items():
            full_batch(clf, X_train[index], y, budget["finetune_steps"], HEAD_LR)
            out[per_class, features] = clf.score(X_test, data.y_test)
    return out


# ---------------------------------------------------------------------------------------------
# PyTorch


def torch_linear(n_in, n_out, init):
    """An ``nn.Linear(n_in, n_out)`` with weights drawn by ``init`` and a zero bias."""
    import torch

    layer = torch.nn.Linear(n_in, n_out)
    if init.get("init") == "normal":
        torch.nn.init.normal_(layer.weight, 0.0, init["init_std"])
    else:  # aelearn's default: Glorot uniform, U(-a, a) with a = sqrt(6 / (n_in + n_out))
        torch.nn.init.xavier_uniform_(layer.weight)
    torch.nn.init.zeros_(layer.bias)
    return layer


def torch_pretrain(X, init, seed, epochs):
    """Greedy layer-wise pre-training in PyTorch: the encoders, [Linear, Sigmoid] each."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    codes, encoders = torch.from_numpy(X), []
    for n_in, n_out in zip((X.shape[1], *HIDDEN[:-1]), HIDDEN, strict=True):
        encoder = torch.nn.Sequential(torch_linear(n_in, n_out, init), torch.nn.Sigmoid())
        decoder = torch.nn.Sequential(torch_linear(n_out, n_in, init), torch.nn.Sigmoid())
        autoencoder = torch.nn.Sequential(encoder, decoder)
        optimizer = torch.optim.Adam(autoencoder.parameters(), lr=LR)
        for _ in range(epochs):
            order = torch.from_numpy(rng.permutation(len(codes)))
            for start in range(0, len(codes), BATCH):
                xb = codes[order[start : start + BATCH]]
                optimizer.zero_grad()
                torch.nn.functional.mse_loss(autoencoder(xb), xb).backward()
                optimizer.step()
        with torch.no_grad():  # the next stage sees these codes as fixed data
            codes = encoder(codes)
        encoders.append(encoder)
    return encoders


def torch_accuracy(net, X, y, X_test, y_test, steps):
    """Fine-tune every layer of ``net`` by full-batch Adam on (X, y); its test accuracy."""
    import torch

    X, y = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    optimizer = torch.optim.Adam(net.parameters(), lr=LR)
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(X), y).backward()
        optimizer.step()
    with torch.no_grad():
        predicted = net(torch.from_numpy(X_test)).argmax(dim=1).numpy()
    return float(np.mean(predicted == y_test))


def torch_pretraining_accuracies(data, seed, budget):
    """As ``pretraining_accuracies``, in PyTorch."""
    import torch

    out = {}
    for name, init in INITS.items():
        encoders = torch_pretrain(data.X_train, init, seed, budget["pretrain_epochs"])
        for per_class in LABELS_PER_CLASS:
            index = labelled_subset(data.y_train, per_class, seed)
            X, y = data.X_train[index], data.y_train[index]
            torch.manual_seed(seed)
            widths = (64, *HIDDEN)
            layers = []
            for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
                layers += [torch_linear(n_in, n_out, init), torch.nn.Sigmoid()]
            random = torch.nn.Sequential(*layers, torch_linear(HIDDEN[-1], 10, init))
            # Copies, so that each label count fine-tunes the stack afresh.
            pretrained = torch.nn.Sequential(
                *copy.deepcopy(encoders), torch_linear(HIDDEN[-1], 10, init)
            )
            out[per_class, name] = tuple(
                torch_accuracy(net, X, y, data.X_test, data.y_test, budget["finetune_steps"])
                for net in (random, pretrained)
            )
    return out


def mean_std(values):
    return f"{np.mean(values):.3f}±{np.std(values):.3f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="run seeds 0 .. N-1 (default 5)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: few epochs")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch column")
    args = parser.parse_args(argv)
    budget = QUICK if args.quick else FULL
    seeds = range(args.seeds)
    with_torch = not args.no_torch and torch_available()
    data = load_digits()
    # The matrices are small (at most 1437 x 128): one BLAS thread is many times faster
    # than several competing for a shared machine, and the same on every run.
    with threadpool_limits(1):
        start = time.perf_counter()
        pre = [pretraining_accuracies(data, seed, budget) for seed in seeds]
        transfer = [transfer_accuracies(data, seed, budget) for seed in seeds]
        elapsed = time.perf_counter() - start
        start = time.perf_counter()
        systems = {"aelearn": pre}
        if with_torch:
            systems["torch"] = [torch_pretraining_accuracies(data, s, budget) for s in seeds]
        torch_elapsed = time.perf_counter() - start

    rows = []
    for (per_class, name), ((ref_r, ref_rs), (ref_p, ref_ps)) in REFERENCE.items():
        row = {"labels/class": per_class, "init": name}
        for system, runs in systems.items():
            row[f"{system} random"] = mean_std([run[per_class, name][0] for run in runs])
            row[f"{system} pre-trained"] = mean_std([run[per_class, name][1] for run in runs])
        row["ref random"] = f"{ref_r:.3f}±{ref_rs:.3f}"
        row["ref pre-trained"] = f"{ref_p:.3f}±{ref_ps:.3f}"
        rows.append(row)
    print(f"Greedy layer-wise pre-training, 64-128-64-32-10 sigmoid, digits, seeds {list(seeds)}")
    print(f"{budget}, test accuracy mean±std; ref = an earlier PyTorch run")
    if not with_torch:
        print("(PyTorch not run: " + ("--no-torch)" if args.no_torch else "not importable)"))
    print()
    print(format_table(rows))

    features = list(dict.fromkeys(key[1] for key in transfer[0]))
    rows = [
        {"features (linear head)": name}
        | {
            f"{k} labels/class": mean_std([run[k, name] for run in transfer])
            for k in LABELS_PER_CLASS
        }
        for name in features
    ]
    print("\nTransfer learning on the same labelled sets (aelearn): test accuracy mean±std\n")
    print(format_table(rows))
    print(f"\naelearn {elapsed:.0f} s" + (f", PyTorch {torch_elapsed:.0f} s" if with_torch else ""))


if __name__ == "__main__":
    main()
