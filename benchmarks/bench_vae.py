"""VAE and CVAE on digits: reconstruction, KL, -ELBO and -log p(x) per test example, in nats,
and class accuracy of CVAE samples judged by an SVC; beside the same protocol in PyTorch.

Protocol: ``load_digits()`` (default split, float32 grey levels in [0, 1], not binarised),
a Bernoulli decoder, encoder 64-128-(mu, logvar of 8), decoder 8-128-64, ReLU, Adam with
lr=1e-3, batch 64, 300 epochs; the CVAE also feeds the one-hot label to encoder and
decoder. On the test set: reconstruction and KL averaged over 10 draws of z
(``VAE.evaluate(n_draws=10)``), -ELBO = their sum, and -log p(x) by importance sampling
with K=500 (``VAE.log_likelihood``). The judge is ``SVC(gamma="scale")`` trained on the
digits training split; it classifies 100 samples per class (the decoder's mean image for
z ~ N(0, I)) and we report how often it names the requested class.

PyTorch column: the same networks (``nn.Linear`` default init), loss summed over pixels
and latent dimensions and averaged over the batch, the same batches, and the same
estimators computed from its outputs.

Run: ``python benchmarks/bench_vae.py [--seeds 4] [--quick]``.
"""

import os

# Small matrices on a shared 2-core machine: one BLAS thread (see bench_autoencoders.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import time

import numpy as np
from quality_common import summary, torch_available
from sklearn.svm import SVC

from aelearn.autograd.activations import stable_softplus
from aelearn.datasets import load_digits
from aelearn.models import CVAE, VAE
from aelearn.nn import one_hot
from aelearn.reporting import format_table

# reconstruction, KL, -ELBO, -log p(x) from an earlier PyTorch run of this protocol.
REFERENCE = {"VAE": (20.72, 3.51, 24.23, 23.94), "CVAE": (19.74, 1.37, 21.11, 20.96)}
TERMS = ("reconstruction", "kl", "neg_elbo", "neg_log_px")
LATENT, HIDDEN, K_IMPORTANCE, N_PER_CLASS = 8, 128, 500, 100


def train_aelearn(kind, data, seed, epochs):
    """The four test figures and the 10 x 100 class samples of one aelearn (C)VAE."""
    conditional = kind == "CVAE"
    model = (CVAE if conditional else VAE)((64, HIDDEN, LATENT), likelihood="bernoulli", rng=seed)
    y_train, y_test = (data.y_train, data.y_test) if conditional else (None, None)
    model.fit(data.X_train, y_train, epochs=epochs, batch_size=64, lr=1e-3)
    scores = model.evaluate(data.X_test, y_test, n_draws=10)
    scores["neg_log_px"] = -float(np.mean(model.log_likelihood(data.X_test, y_test, K_IMPORTANCE)))
    samples = [model.sample(N_PER_CLASS, label=c) for c in range(10)] if conditional else None
    return scores, samples


# ---------------------------------------------------------------------------------------------
# PyTorch


def train_torch(kind, data, seed, epochs):
    """The same model and protocol in PyTorch; the same figures, computed in NumPy."""
    import torch

    torch.manual_seed(seed)
    extra = 10 if kind == "CVAE" else 0
    trunk = torch.nn.Sequential(torch.nn.Linear(64 + extra, HIDDEN), torch.nn.ReLU())
    mu_head, logvar_head = torch.nn.Linear(HIDDEN, LATENT), torch.nn.Linear(HIDDEN, LATENT)
    decoder = torch.nn.Sequential(
        torch.nn.Linear(LATENT + extra, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 64)
    )
    modules = (trunk, mu_head, logvar_head, decoder)
    params = [p for m in modules for p in m.parameters()]
    optimizer = torch.optim.Adam(params, lr=1e-3)

    def condition(a, labels):
        return (
            a if not extra else torch.cat([a, torch.from_numpy(one_hot(labels, 10, np.float32))], 1)
        )

    def posterior(x, labels):
        h = trunk(condition(x, labels))
        return mu_head(h), logvar_head(h)

    X, y = torch.from_numpy(data.X_train), data.y_train
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), 64):
            index = order[start : start + 64]
            xb, yb = X[index], y[index]
            mu, logvar = posterior(xb, yb)
            loss = torch_negative_elbo(mu, logvar, lambda z, yb=yb: decoder(condition(z, yb)), xb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    with torch.no_grad():

        def decode(Z, labels):
            return decoder(condition(torch.from_numpy(Z), labels)).numpy()

        mu, logvar = (t.numpy() for t in posterior(torch.from_numpy(data.X_test), data.y_test))
        scores = numpy_estimates(data.X_test, data.y_test, mu, logvar, decode)
        samples = None
        if extra:
            samples = []
            sample_rng = np.random.default_rng(seed)
            for c in range(10):
                Z = sample_rng.standard_normal((N_PER_CLASS, LATENT), dtype=np.float32)
                samples.append(1.0 / (1.0 + np.exp(-decode(Z, np.full(N_PER_CLASS, c)))))
    return scores, samples


def torch_negative_elbo(mu, logvar, decode, xb):
    """A batch's -ELBO per image in PyTorch, the loss of every PyTorch VAE of the benchmarks:
    z = mu + exp(logvar / 2) eps, ``decode(z)`` the Bernoulli logits, the Gaussian KL to N(0, I)
    in closed form."""
    import torch

    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    reconstruction = torch.nn.functional.binary_cross_entropy_with_logits(
        decode(z), xb, reduction="sum"
    )
    kl = 0.5 * torch.sum(mu**2 + torch.exp(logvar) - 1.0 - logvar)
    return (reconstruction + kl) / len(xb)


def log_bernoulli(X, logits):
    """log p(x|z) summed over pixels: -sum softplus(l) - x l, float64, shape (..., )."""
    return -np.sum(stable_softplus(logits) - X * logits, axis=-1, dtype=np.float64)


def numpy_estimates(X, y, mu, logvar, decode, seed=0, k=K_IMPORTANCE):
    """Reconstruction (10 draws), KL, -ELBO and -log p(x) (k importance draws, 500 by default),
    as VAE.evaluate computes them, from the posterior (mu, logvar) of shape (n, latent) and a
    decode(Z, labels)."""
    rng = np.random.default_rng(seed)
    sigma = np.exp(0.5 * logvar)
    kl = 0.5 * np.sum(mu**2 + np.exp(logvar) - 1.0 - logvar, axis=1, dtype=np.float64)
    nll = np.zeros(len(X))
    for _ in range(10):
        z = mu + sigma * rng.standard_normal(mu.shape, dtype=np.float32)
        nll -= log_bernoulli(X, decode(z, y))
    nll /= 10
    log_px = np.empty(len(X))
    log_2pi = np.log(2.0 * np.pi)
    for start in range(0, len(X), 64):
        s = slice(start, start + 64)
        eps = rng.standard_normal((k, *mu[s].shape), dtype=np.float32)
        z = mu[s] + sigma[s] * eps  # (K, batch, latent)
        logits = decode(z.reshape(-1, mu.shape[1]), np.tile(y[s], k))
        log_w = log_bernoulli(np.tile(X[s], (k, 1)), logits).reshape(k, -1)
        log_w += -0.5 * np.sum(z**2 + log_2pi, axis=-1, dtype=np.float64)
        log_w -= -0.5 * np.sum(eps**2 + log_2pi + logvar[s], axis=-1, dtype=np.float64)
        top = log_w.max(axis=0)
        log_px[s] = top + np.log(np.mean(np.exp(log_w - top), axis=0))
    return {
        "reconstruction": float(nll.mean()),
        "kl": float(kl.mean()),
        "neg_elbo": float((nll + kl).mean()),
        "neg_log_px": -float(log_px.mean()),
    }


# ---------------------------------------------------------------------------------------------
# The judge and the tables


def class_accuracy(judge, samples):
    """Fraction of the samples of each class the judge assigns to that class: (10,)."""
    return np.array([np.mean(judge.predict(s) == c) for c, s in enumerate(samples)])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="1 seed, 30 epochs")
    args = parser.parse_args(argv)
    seeds, epochs = (1, 30) if args.quick else (args.seeds, args.epochs)
    data = load_digits()
    started = time.perf_counter()
    systems = {"aelearn": train_aelearn}
    if torch_available():
        systems["torch"] = train_torch
    judge = SVC(gamma="scale").fit(data.X_train, data.y_train)
    judge_accuracy = judge.score(data.X_test, data.y_test)
    print(f"digits: train {data.X_train.shape}, test {data.X_test.shape}, grey levels, float32")
    print(
        f"Adam lr 1e-3, batch 64, {epochs} epochs, seeds 0..{seeds - 1}; nats per test example, "
        "mean [min, max] over seeds"
    )

    rows, sample_rows = [], []
    for kind in ("VAE", "CVAE"):
        for system, train in systems.items():
            runs = [train(kind, data, seed, epochs) for seed in range(seeds)]
            row = {"model": kind, "system": system}
            for term in TERMS:
                row[term] = summary([scores[term] for scores, _ in runs], ".2f")
            rows.append(row)
            if kind == "CVAE":
                accuracy = np.array([class_accuracy(judge, samples) for _, samples in runs])
                sample_rows.append(
                    {
                        "system": system,
                        "accuracy mean [min, max]": summary(100 * accuracy.mean(axis=1), ".1f"),
                        "worst class (mean %)": int(np.argmin(accuracy.mean(axis=0))),
                        "its accuracy": 100 * float(accuracy.mean(axis=0).min()),
                    }
                )
        rows.append(
            {"model": kind, "system": "reference", **dict(zip(TERMS, REFERENCE[kind], strict=True))}
        )
    print(format_table(rows, floatfmt=".2f"))
    print(
        f"\nCVAE samples judged by SVC(gamma='scale'), test accuracy on real digits "
        f"{100 * judge_accuracy:.1f}% (reference 98.3%); {N_PER_CLASS} samples per class, "
        "% assigned the requested class (goal >= 98%):"
    )
    print(format_table(sample_rows, floatfmt=".1f"))
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
