"""PyTorch's side of ``bench_conv_quality.py``: the same networks, trained on the same batches
(``default_rng(seed)`` permutations), from PyTorch's default initialisation or from aelearn's
initial weights (``copy_start``)."""

import numpy as np
from bench_vae import numpy_estimates, torch_negative_elbo

BATCH, LR, DENSE_HIDDEN, LATENT = 128, 1e-3, 111, 16


def mse(a, b):
    return float(np.mean((a - b) ** 2, dtype=np.float64))


def torch_conv_trunk(nn):
    return [
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 32, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Flatten(),
    ]


def torch_conv_image(nn, n_in):
    return [
        nn.Linear(n_in, 3136),
        nn.ReLU(),
        nn.Unflatten(1, (64, 7, 7)),
        nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1),
        nn.ReLU(),
        nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1),
        nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 3, stride=1, padding=1),
        nn.Flatten(),
    ]


def torch_dae(kind):
    from torch import nn

    if kind == "conv DAE":
        layers = [*torch_conv_trunk(nn), nn.Linear(3136, LATENT), *torch_conv_image(nn, LATENT)]
    else:
        h = DENSE_HIDDEN
        layers = [nn.Linear(784, h), nn.ReLU(), nn.Linear(h, LATENT)]
        layers += [nn.Linear(LATENT, h), nn.ReLU(), nn.Linear(h, 784)]
    return nn.Sequential(*layers, nn.Sigmoid())


def batches(n, rng, epochs):
    for _ in range(epochs):
        order = rng.permutation(n)
        yield from (order[i : i + BATCH] for i in range(0, n, BATCH))


def copy_start(params, start):
    """Copy aelearn's initial arrays into PyTorch's parameters, in order (a Dense's W,
    (n_in, n_out), is a Linear's weight.T; convolutions share PyTorch's layouts)."""
    import torch

    with torch.no_grad():
        for param, array in zip(params, start, strict=True):
            param.copy_(torch.from_numpy(array.T if array.ndim == 2 else array))


def train_torch_dae(kind, data, seed, epochs, start=None):  # threads: set by the caller
    """PyTorch's DAE from its default initialisation, or from ``start``: aelearn's initial
    arrays in aelearn's parameter order (``copy_start``)."""
    import torch

    X_train, X_test, noisy_train, noisy_test = (torch.from_numpy(a) for a in data)
    torch.manual_seed(seed)
    net = torch_dae(kind)
    if start is not None:
        copy_start(net.parameters(), start)
    optimizer = torch.optim.Adam(net.parameters(), lr=LR)
    for index in batches(len(X_train), np.random.default_rng(seed), epochs):
        loss = torch.nn.functional.mse_loss(net(noisy_train[index]), X_train[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        denoised = net(noisy_test).numpy()
    return mse(denoised, data[1]), sum(p.numel() for p in net.parameters())


def train_torch_vae(latent, data, seed, epochs, k, start=None):  # threads: set by the caller
    import torch
    from torch import nn

    X_train, X_test = data[:2]
    torch.manual_seed(seed)
    trunk = nn.Sequential(*torch_conv_trunk(nn), nn.Linear(3136, 16), nn.ReLU())
    mu_head, logvar_head = nn.Linear(16, latent), nn.Linear(16, latent)
    decoder = nn.Sequential(nn.Linear(latent, 16), nn.ReLU(), *torch_conv_image(nn, 16))
    params = [p for m in (trunk, mu_head, logvar_head, decoder) for p in m.parameters()]
    if start is not None:
        copy_start(params, start)
    optimizer = torch.optim.Adam(params, lr=LR)
    X = torch.from_numpy(X_train)
    for index in batches(len(X), np.random.default_rng(seed), epochs):
        xb = X[index]
        h = trunk(xb)
        loss = torch_negative_elbo(mu_head(h), logvar_head(h), decoder, xb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        h = trunk(torch.from_numpy(X_test))
        mu, logvar = mu_head(h).numpy(), logvar_head(h).numpy()

        def decode(Z, labels):
            return np.concatenate(
                [decoder(torch.from_numpy(Z[i : i + 4096])).numpy() for i in range(0, len(Z), 4096)]
            )

        labels = np.zeros(len(X_test), dtype=np.int64)
        return numpy_estimates(X_test, labels, mu, logvar, decode, k=k)
