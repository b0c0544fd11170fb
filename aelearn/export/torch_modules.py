"""aelearn's models as PyTorch modules, and the converters that fill them.

Each converter takes an aelearn module and ``links``, a list it extends with the pairs
(aelearn Parameter, torch Parameter, transposed), and returns the torch module. ``convert``
walks the model through them; ``load`` walks it again and copies the other way.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aelearn import models
from aelearn import nn as ae

LOG_2PI = float(np.log(2 * np.pi))


# ----- the modules aelearn's models become ------------------------------------------------
class GaussianEncoder(nn.Module):
    """x -> (mu, logvar) of q(z|x): a trunk and two heads, as ``aelearn.models.GaussianEncoder``."""

    def __init__(self, trunk, mu_head, logvar_head):
        super().__init__()
        self.trunk, self.mu_head, self.logvar_head = trunk, mu_head, logvar_head

    def forward(self, x):
        h = self.trunk(x)
        return self.mu_head(h), self.logvar_head(h)


class LabelConditioned(nn.Module):
    """net(cat([features(x), one-hot labels])): a CVAE's encoder or decoder."""

    def __init__(self, net, features=None):
        super().__init__()
        self.net, self.features = net, features

    def forward(self, inputs, labels):
        h = inputs if self.features is None else self.features(inputs)
        return self.net(torch.cat([h, labels.to(h.dtype)], dim=1))


class Corruption(nn.Module):
    """x~ = keep * x + added in training mode, x in evaluation mode (``aelearn.nn.Noise``)."""

    def __init__(self, noise, noise_level):
        super().__init__()
        self.noise, self.noise_level = noise, noise_level

    def forward(self, x):
        if not self.training:
            return x
        if self.noise == "gaussian":
            return x + self.noise_level * torch.randn_like(x)
        hit = torch.rand_like(x) < self.noise_level
        if self.noise == "masking":
            return x.masked_fill(hit, 0.0)
        salt = torch.rand_like(x) < 0.5
        return torch.where(hit, (hit & salt).to(x.dtype), x)


class Autoencoder(nn.Module):
    """x -> output_activation(decoder(encoder(x~))), x~ the corruption of a denoising model
    in training mode (x otherwise); ``loss`` is aelearn's reconstruction loss."""

    def __init__(self, encoder, decoder, output_activation, loss, corruption=None):
        super().__init__()
        self.encoder, self.decoder, self.output_activation = encoder, decoder, output_activation
        self.corruption, self.loss_name = corruption, loss

    def encode(self, x):
        return self.encoder(x.flatten(1))

    def decode(self, z):
        return self.output_activation(self.decoder(z))

    def seen(self, x):
        """What the encoder sees: the corruption of x in training mode, if any, else x."""
        return x if self.corruption is None else self.corruption(x)

    def forward(self, x):
        x = x.flatten(1)
        return self.decode(self.encoder(self.seen(x)))

    def loss(self, x, x_input=None):
        """Binary cross-entropy from the logits ("bce") or squared error ("mse"), summed
        over features, averaged over the batch; the network sees ``x_input`` if given
        (a corruption drawn elsewhere), else ``seen(x)``."""
        x = x.flatten(1)
        logits = self.decoder(self.encoder(self.seen(x) if x_input is None else x_input))
        if self.loss_name == "bce":
            per_example = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
        else:
            per_example = (self.output_activation(logits) - x) ** 2
        return per_example.sum(dim=1).mean()


class VAE(nn.Module):
    """x (and one-hot labels, for a CVAE) -> (decoder output, mu, logvar), with
    z = mu + exp(logvar / 2) * eps; ``loss`` is -ELBO = reconstruction + beta * KL."""

    def __init__(
        self,
        encoder,
        decoder,
        likelihood,
        beta,
        decoder_std,
        reconstruction_weight,
        n_draws,
        binarize,
    ):
        super().__init__()
        self.encoder, self.decoder, self.likelihood = encoder, decoder, likelihood
        self.beta, self.decoder_std = beta, decoder_std
        self.reconstruction_weight = reconstruction_weight
        self.n_draws, self.binarize = n_draws, binarize

    def encode(self, x, labels=None):
        """(mu, logvar) of q(z|x)."""
        return self.encoder(x.flatten(1), *(() if labels is None else (labels,)))

    def decode(self, z, labels=None):
        """The mean of p(x|z): pixel probabilities for a Bernoulli decoder."""
        out = self.decoder(z, *(() if labels is None else (labels,)))
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out

    def forward(self, x, labels=None, eps=None):
        mu, logvar = self.encode(x, labels)
        eps = torch.randn_like(mu) if eps is None else eps
        z = mu + torch.exp(0.5 * logvar) * eps
        return self.decoder(z, *(() if labels is None else (labels,))), mu, logvar

    def loss(self, x, labels=None, eps=None):
        """-ELBO in nats per example, averaged over the batch, as aelearn's VAE trains: x
        binarised by a Bernoulli draw first if ``binarize``, the reconstruction term the mean
        over ``n_draws`` draws of z per example. eps is the standard normal noise, of shape
        (n_draws, batch, latent_dim) (or (batch, latent_dim) for one draw), drawn here if
        None. beta is the model's target weight: a KL warm-up is a schedule of aelearn's
        ``fit``, not part of the model."""
        x = x.flatten(1)
        if self.binarize:
            x = torch.bernoulli(x)
        mu, logvar = self.encode(x, labels)
        if eps is None:
            eps = torch.randn((self.n_draws, *mu.shape), dtype=mu.dtype, device=mu.device)
        nll = 0.0
        for e in eps.reshape(self.n_draws, *mu.shape):
            out = self.decoder(
                mu + torch.exp(0.5 * logvar) * e, *(() if labels is None else (labels,))
            )
            nll = nll + self._negative_log_likelihood(out, x) / self.n_draws
        kl = 0.5 * (mu**2 + torch.exp(logvar) - 1.0 - logvar).sum(dim=1)
        return (nll * self.reconstruction_weight + self.beta * kl).mean()

    def _negative_log_likelihood(self, out, x):
        """-log p(x|z) in nats per example, from the decoder's logits or means ``out``."""
        if self.likelihood == "bernoulli":
            return F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(dim=1)
        var = self.decoder_std**2
        nll = ((out - x) ** 2).sum(dim=1) * (0.5 / var)
        return nll + 0.5 * x.shape[1] * (LOG_2PI + float(np.log(var)))


class Classifier(nn.Module):
    """x -> class logits: head(encoder(x)); ``loss`` is the softmax cross-entropy."""

    def __init__(self, encoder, head):
        super().__init__()
        self.encoder, self.head = encoder, head

    def forward(self, x):
        x = x.flatten(1)
        return self.head(x if self.encoder is None else self.encoder(x))

    def loss(self, x, y):
        return F.cross_entropy(self(x), y)


class StackedAutoencoder(nn.Module):
    """The pre-trained stages of a stack; ``forward`` gives the top codes h_L."""

    def __init__(self, stages):
        super().__init__()
        self.stages = nn.ModuleList(stages)

    def forward(self, x):
        h = x.flatten(1)
        for stage in self.stages:
            h = stage.encode(h)
        return h


# ----- converters -------------------------------------------------------------------------
def _parameter(parameter, links, transposed=False):
    array = parameter.data.T if transposed else parameter.data
    copy = nn.Parameter(torch.from_numpy(np.array(array)), parameter.requires_grad)
    links.append((parameter, copy, transposed))
    return copy


def _dense(layer, links):
    linear = nn.Linear(layer.in_features, layer.out_features, dtype=_dtype(layer.weight))
    linear.weight = _parameter(layer.weight, links, transposed=True)
    linear.bias = _parameter(layer.bias, links)
    return linear


def _conv(layer, links, torch_class, **settings):
    sizes = (layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride)
    bias = layer.bias is not None
    out = torch_class(*sizes, bias=bias, dtype=_dtype(layer.weight), **settings)
    out.weight = _parameter(layer.weight, links)
    if bias:
        out.bias = _parameter(layer.bias, links)
    return out


def _conv2d(layer, links):
    top, bottom, left, right = layer.sides
    if (top, left) == (bottom, right):
        return _conv(layer, links, nn.Conv2d, padding=(top, left))
    # Uneven padding (an even kernel's "same"): PyTorch pads inside Conv2d only evenly.
    return nn.Sequential(nn.ZeroPad2d((left, right, top, bottom)), _conv(layer, links, nn.Conv2d))


def _conv_transpose2d(layer, links):
    settings = {"padding": layer.padding, "output_padding": layer.output_padding}
    return _conv(layer, links, nn.ConvTranspose2d, **settings)


def _upsample(layer, links):
    if layer.size is not None:
        return nn.Upsample(size=layer.size, mode=layer.mode)
    return nn.Upsample(scale_factor=tuple(float(s) for s in layer.scale_factor), mode=layer.mode)


def _sequential(container, links):
    return nn.Sequential(*(convert(layer, links)[0] for layer in container.layers))


def _parts(torch_class, *names):
    """The converter of a container: ``torch_class`` of its converted parts ``names``."""

    def converter(module, links):
        parts = (getattr(module, name) for name in names)
        return torch_class(*(None if part is None else convert(part, links)[0] for part in parts))

    return converter


def _autoencoder(model, links):
    corruption = getattr(model, "corruption", None)
    return Autoencoder(
        convert(model.encoder, links)[0],
        convert(model.decoder, links)[0],
        convert(model.decoder.output_layer, links)[0],
        model.loss_,
        None if corruption is None else Corruption(corruption.noise, corruption.noise_level),
    )


def _vae(model, links):
    encoder, decoder = convert(model.encoder, links)[0], convert(model.decoder, links)[0]
    settings = (model.likelihood, model.beta, model.decoder_std, model.reconstruction_weight)
    return VAE(encoder, decoder, *settings, model.n_draws, model.binarize)


def _stacked(stack, links):
    stack._check_fitted()
    return StackedAutoencoder([convert(stage, links)[0] for stage in stack.autoencoders_])


#: aelearn class -> its converter; a subclass (DenoisingAutoencoder, CVAE, MLP...) uses
#: its nearest ancestor's.
CONVERTERS = {
    ae.Dense: _dense,
    ae.Conv2d: _conv2d,
    ae.ConvTranspose2d: _conv_transpose2d,
    ae.MaxPool2d: lambda m, _: nn.MaxPool2d(m.kernel_size, m.stride, m.padding),
    ae.AvgPool2d: lambda m, _: nn.AvgPool2d(m.kernel_size, m.stride, m.padding),
    ae.Upsample: _upsample,
    ae.Flatten: lambda m, _: nn.Flatten(m.start_dim, m.end_dim),
    ae.Unflatten: lambda m, _: nn.Unflatten(m.dim, m.unflattened_size),
    ae.Identity: lambda m, _: nn.Identity(),
    ae.ReLU: lambda m, _: nn.ReLU(),
    ae.LeakyReLU: lambda m, _: nn.LeakyReLU(m.negative_slope),
    ae.Sigmoid: lambda m, _: nn.Sigmoid(),
    ae.Tanh: lambda m, _: nn.Tanh(),
    ae.Softplus: lambda m, _: nn.Softplus(),
    ae.Noise: lambda m, _: Corruption(m.noise, m.noise_level),
    ae.Sequential: _sequential,
    models.Encoder: lambda m, links: convert(m.net, links)[0],
    models.Decoder: lambda m, links: convert(m.net, links)[0],
    models.GaussianEncoder: _parts(GaussianEncoder, "trunk", "mu_head", "logvar_head"),
    models.LabelConditioned: _parts(LabelConditioned, "net", "features"),
    models.Autoencoder: _autoencoder,
    models.VAE: _vae,
    models.Classifier: _parts(Classifier, "encoder", "head"),
    models.StackedAutoencoder: _stacked,
}


def _dtype(parameter):
    return torch.from_numpy(np.empty(0, parameter.dtype)).dtype


def convert(module, links=None):
    """(the torch module of ``module``, links [(aelearn Parameter, torch Parameter,
    transposed)]), by the converter of the nearest class in ``module``'s ancestry."""
    links = [] if links is None else links
    for cls in type(module).__mro__:
        if cls in CONVERTERS:
            return CONVERTERS[cls](module, links), links
    raise TypeError(
        f"to_torch: no PyTorch counterpart for {type(module).__name__}; aelearn exports its "
        f"own layers and models ({', '.join(sorted(c.__name__ for c in CONVERTERS))})"
    )


def load(model, state_dict):
    """Copy ``state_dict`` (of ``to_torch(model)``'s architecture) into ``model``."""
    module, links = convert(model)
    module.load_state_dict(state_dict, strict=True)
    for parameter, copy, transposed in links:
        value = copy.detach().cpu().numpy()
        parameter.data[...] = (value.T if transposed else value).astype(parameter.dtype)
    return model
