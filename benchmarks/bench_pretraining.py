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

Run: ``python benchmarks/bench_pretraining.py [--seeds 5] [--quick]`` (about 4 minutes on
one core; ``--quick`` is a smoke run with few epochs whose figures mean nothing).
"""

import argparse
import time

import numpy as np
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
# The PyTorch reference: (random init, pre-trained), each (mean, std) over 5 seeds.
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
            data.X_train, HIDDEN, "sigmoid", budget["pretrain_epochs"], BATCH, LR, rng=seed, **init
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
                Classifier(ae.encoder, freeze=False, rng=seed),
                data.X_train,
                data.X_test,
            ),
        }
        for features, (clf, X_train, X_test) in setups.items():
            full_batch(clf, X_train[index], y, budget["finetune_steps"], HEAD_LR)
            out[per_class, features] = clf.score(X_test, data.y_test)
    return out


def mean_std(values):
    return f"{np.mean(values):.3f}±{np.std(values):.3f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="run seeds 0 .. N-1 (default 5)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: few epochs")
    args = parser.parse_args(argv)
    budget = QUICK if args.quick else FULL
    seeds = range(args.seeds)
    data = load_digits()
    start = time.perf_counter()
    # The matrices are small (at most 1437 x 128): one BLAS thread is many times faster
    # than several competing for a shared machine, and the same on every run.
    with threadpool_limits(1):
        pre = [pretraining_accuracies(data, seed, budget) for seed in seeds]
        transfer = [transfer_accuracies(data, seed, budget) for seed in seeds]
    elapsed = time.perf_counter() - start

    rows = []
    for (per_class, name), ((ref_r, ref_rs), (ref_p, ref_ps)) in REFERENCE.items():
        random = [run[per_class, name][0] for run in pre]
        pretrained = [run[per_class, name][1] for run in pre]
        rows.append(
            {
                "labels/class": per_class,
                "init": name,
                "random init": mean_std(random),
                "pre-trained": mean_std(pretrained),
                "ref random": f"{ref_r:.3f}±{ref_rs:.3f}",
                "ref pre-trained": f"{ref_p:.3f}±{ref_ps:.3f}",
            }
        )
    print(f"Greedy layer-wise pre-training, 64-128-64-32-10 sigmoid, digits, seeds {list(seeds)}")
    print(f"{budget}, test accuracy mean±std; ref = the PyTorch reference\n")
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
    print("\nTransfer learning on the same labelled sets: test accuracy mean±std\n")
    print(format_table(rows))
    print(f"\n{elapsed:.0f} s")


if __name__ == "__main__":
    main()
