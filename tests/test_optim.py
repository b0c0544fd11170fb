"""Tests of aelearn.optim: SGD and Adam against the textbook rules computed by hand, on
quadratics, with frozen parameters, and parameters that stay connected however they
change."""

import numpy as np
import pytest

from aelearn.autograd import Tensor
from aelearn.losses import mse_loss
from aelearn.models import Autoencoder
from aelearn.nn import MLP, Dense, Noise, Parameter, Sequential
from aelearn.optim import SGD, Adam

# A loss whose gradient the test knows in closed form: L = sum(a * theta^2 / 2 + c * theta)
# over two parameters, so dL/dtheta = a * theta + c. One entry of c cancels a * theta at
# the start, so one gradient is exactly 0 on the first step (sqrt(v_hat) = 0 there: eps matters).
THETA0 = [np.array([0.5, -1.5, 2.0, 1.0]), np.array([[0.3, -0.7, 1.1], [0.0, 2.5, -0.2]])]
A = [np.array([1.0, 3.0, 0.5, 2.0]), np.array([[2.0, 1.0, 4.0], [0.5, 1.5, 3.0]])]
C = [np.array([0.2, -0.4, 1.0, -2.0]), np.array([[0.1, 0.0, -0.3], [1.0, 0.2, 0.0]])]


def quadratic_parameters():
    return [Parameter(theta.copy(), name=f"theta{i}") for i, theta in enumerate(THETA0)]


def quadratic_loss(params):
    return sum(((a * p * p) * 0.5 + c * p).sum() for p, a, c in zip(params, A, C, strict=True))


def quadratic_gradient(thetas):
    return [a * theta + c for theta, a, c in zip(thetas, A, C, strict=True)]


def run_steps(optimizer, params, n_steps):
    """Take n_steps of the optimiser on quadratic_loss; the values after each step."""
    history = []
    for _ in range(n_steps):
        optimizer.zero_grad()
        quadratic_loss(params).backward()
        optimizer.step()
        history.append([p.data.copy() for p in params])
    return history


ADAM_SETTINGS = [
    {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8},
    # A large eps and a strong lr: an eps added at the wrong scale would show at once.
    {"lr": 0.1, "betas": (0.8, 0.99), "eps": 0.1},
]


@pytest.mark.parametrize("settings", ADAM_SETTINGS, ids=["defaults", "large_eps"])
def test_first_adam_steps_match_the_textbook_rule(settings):
    params = quadratic_parameters()
    history = run_steps(Adam(params, **settings), params, 3)

    lr, (beta1, beta2), eps = settings["lr"], settings["betas"], settings["eps"]
    theta = [t.copy() for t in THETA0]
    m = [np.zeros_like(t) for t in theta]
    v = [np.zeros_like(t) for t in theta]
    for step, after in enumerate(history, start=1):
        for k, g in enumerate(quadratic_gradient(theta)):
            m[k] = beta1 * m[k] + (1 - beta1) * g
            v[k] = beta2 * v[k] + (1 - beta2) * g**2
            m_hat = m[k] / (1 - beta1**step)
            v_hat = v[k] / (1 - beta2**step)
            theta[k] = theta[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
            np.testing.assert_allclose(after[k], theta[k], rtol=0, atol=1e-12)
    # The steps moved every entry with a non-zero gradient (the comparison is not vacuous).
    assert not np.array_equal(history[-1][0], THETA0[0])


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_first_sgd_steps_match_the_textbook_rule(momentum):
    params = quadratic_parameters()
    history = run_steps(SGD(params, lr=0.1, momentum=momentum), params, 3)

    theta = [t.copy() for t in THETA0]
    velocity = [np.zeros_like(t) for t in theta]
    for after in history:
        for k, g in enumerate(quadratic_gradient(theta)):
            velocity[k] = momentum * velocity[k] + g
            theta[k] = theta[k] - 0.1 * velocity[k]
            np.testing.assert_allclose(after[k], theta[k], rtol=0, atol=1e-12)


def spd_quadratic(n=5, seed=0):
    """A (n, n) symmetric positive definite matrix with eigenvalues in [1, 10], and b."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    A = q @ np.diag(np.linspace(1.0, 10.0, n)) @ q.T
    return A, rng.normal(size=(n, 1))


@pytest.mark.parametrize(
    ("make_optimizer", "n_steps", "tol"),
    [
        (lambda p: SGD(p, lr=0.1), 300, 1e-8),  # lr < 2 / lambda_max = 0.2
        (lambda p: SGD(p, lr=0.05, momentum=0.8), 300, 1e-8),
        (lambda p: Adam(p, lr=0.05), 1500, 1e-3),
    ],
    ids=["sgd", "sgd_momentum", "adam"],
)
def test_optimizers_minimise_a_convex_quadratic(make_optimizer, n_steps, tol):
    """L(x) = 1/2 x^T A x - b^T x is minimised at A x = b."""
    A, b = spd_quadratic()
    x = Parameter(np.zeros((5, 1)))
    optimizer = make_optimizer([x])
    for _ in range(n_steps):
        optimizer.zero_grad()
        loss = (x.T @ (Tensor(A) @ x)) * 0.5 - Tensor(b).T @ x
        loss.sum().backward()
        optimizer.step()
    np.testing.assert_allclose(x.data, np.linalg.solve(A, b), rtol=0, atol=tol)


# ----- frozen parameters -----------------------------------------------------------------
def small_regression(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(16, 4)).astype(dtype)
    y = rng.normal(size=(16, 2)).astype(dtype)
    return MLP((4, 6, 5, 2), activation="tanh", rng=seed, dtype=dtype), x, y


def train_steps(model, optimizer, x, y, n_steps):
    for _ in range(n_steps):
        optimizer.zero_grad()
        mse_loss(model(Tensor(x)), y).backward()
        optimizer.step()


OPTIMIZERS = {
    "adam": lambda params: Adam(params, lr=0.05),
    "sgd_momentum": lambda params: SGD(params, lr=0.05, momentum=0.9),
}


@pytest.mark.parametrize("layer", [0, 1, 2], ids=["first", "middle", "last"])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_frozen_weights_do_not_change_by_a_single_bit(optimizer, layer):
    model, x, y = small_regression()
    opt = OPTIMIZERS[optimizer](model.parameters())
    # Trainable first, so the optimiser holds momentum for the layer about to be frozen.
    train_steps(model, opt, x, y, 3)
    frozen = model.dense_layers[layer].freeze()
    frozen_before = [p.data.copy() for p in frozen.parameters()]
    others = [p for p in model.parameters() if p.requires_grad]
    others_before = [p.data.copy() for p in others]

    train_steps(model, opt, x, y, 5)
    for p, before in zip(frozen.parameters(), frozen_before, strict=True):
        assert np.array_equal(p.data, before)
    assert all(not np.array_equal(p.data, q) for p, q in zip(others, others_before, strict=True))


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_unfrozen_weights_resume_learning(optimizer):
    model, x, y = small_regression()
    opt = OPTIMIZERS[optimizer](model.parameters())
    layer = model.dense_layers[0]
    train_steps(model, opt, x, y, 2)
    layer.freeze()
    train_steps(model, opt, x, y, 2)
    layer.unfreeze()
    before = [p.data.copy() for p in layer.parameters()]
    train_steps(model, opt, x, y, 1)
    assert all(
        not np.array_equal(p.data, q) for p, q in zip(layer.parameters(), before, strict=True)
    )


def test_a_layer_frozen_from_the_start_never_moves_and_then_learns_when_unfrozen():
    model, x, y = small_regression()
    layer = model.dense_layers[1].freeze()
    opt = Adam(model.parameters(), lr=0.05)
    before = [p.data.copy() for p in layer.parameters()]
    train_steps(model, opt, x, y, 4)
    assert all(np.array_equal(p.data, q) for p, q in zip(layer.parameters(), before, strict=True))
    layer.unfreeze()
    train_steps(model, opt, x, y, 1)
    assert not np.array_equal(layer.weight.data, before[0])


def test_adam_counts_steps_per_parameter_so_an_unfrozen_one_starts_its_corrections_afresh():
    # As PyTorch's Adam: a parameter frozen for 20 steps, then unfrozen, takes the step a new
    # optimiser would give it, not one scaled by bias corrections counted over 21 steps.
    params = quadratic_parameters()
    opt = Adam(params, lr=0.01)
    params[1].requires_grad = False
    run_steps(opt, params, 20)
    params[1].requires_grad = True
    fresh = Parameter(params[1].data.copy())
    run_steps(opt, params, 1)
    fresh.grad = params[1].grad.copy()
    Adam([fresh], lr=0.01).step()
    assert opt.steps == [21, 1]
    np.testing.assert_array_equal(params[1].data, fresh.data)


# ----- parameters stay connected --------------------------------------------------------
def test_a_parameter_whose_data_is_reassigned_keeps_being_updated():
    # Reproduces the flat-buffer design's silent failure: weight.data = new_array after
    # building the optimiser made every later step a no-op for the weight.
    layer = Dense(3, 2, rng=0, dtype=np.float64)
    opt = SGD(layer.parameters(), lr=0.1)
    layer.weight.data = np.ones((3, 2))
    x = Tensor(np.full((4, 3), 0.5))
    opt.zero_grad()
    layer(x).sum().backward()  # dL/dW = x.T @ ones = 2 everywhere
    opt.step()
    np.testing.assert_array_equal(layer.weight.data, np.full((3, 2), 1.0 - 0.1 * 2.0))


def test_an_optimizer_built_before_fit_stays_connected_to_the_model():
    X = np.random.default_rng(0).uniform(size=(32, 6)).astype(np.float32)
    model = Autoencoder((6, 4, 2), rng=0)
    opt = Adam(model.parameters(), lr=1e-2)
    model.fit(X, epochs=1, batch_size=16)  # trains with an Adam of its own
    before = model.state_dict()
    opt.zero_grad()
    model.loss_terms(X, None, np.random.default_rng(0))["loss"].backward()
    opt.step()
    after = model.state_dict()
    assert all(not np.array_equal(before[name], after[name]) for name in before)


def test_gradients_accumulate_until_zero_grad():
    model, x, y = small_regression()
    opt = Adam(model.parameters())
    mse_loss(model(Tensor(x)), y).backward()
    once = [p.grad.copy() for p in model.parameters()]
    mse_loss(model(Tensor(x)), y).backward()
    for p, g in zip(model.parameters(), once, strict=True):
        np.testing.assert_allclose(p.grad, 2 * g, rtol=1e-14)
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    # After zero_grad the next gradient replaces the old one rather than adding to it.
    mse_loss(model(Tensor(x)), y).backward()
    for p, g in zip(model.parameters(), once, strict=True):
        np.testing.assert_array_equal(p.grad, g)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_a_parameter_no_gradient_reached_is_left_as_it_is(optimizer):
    # As in PyTorch: p.grad None means "no gradient", not "a gradient of zero", so
    # momentum does not move it either.
    model, x, y = small_regression()
    opt = OPTIMIZERS[optimizer](model.parameters())
    train_steps(model, opt, x, y, 2)  # momentum builds up
    opt.zero_grad()
    unused = model.dense_layers[0].weight
    before = unused.data.copy()
    mse_loss(model(Tensor(x)), y).backward()
    unused.grad = None
    opt.step()
    np.testing.assert_array_equal(unused.data, before)


def test_a_step_uses_a_gradient_set_by_hand():
    params = quadratic_parameters()
    opt = SGD(params, lr=0.5)
    params[0].grad = np.full(4, 2.0)
    params[1].grad = None
    opt.step()
    np.testing.assert_array_equal(params[0].data, THETA0[0] - 1.0)
    np.testing.assert_array_equal(params[1].data, THETA0[1])


def test_a_step_updates_every_parameter_by_the_rule():
    model, x, y = small_regression()
    opt = SGD(model.parameters(), lr=0.1)
    mse_loss(model(Tensor(x)), y).backward()
    expected = [p.data - 0.1 * p.grad for p in model.parameters()]
    opt.step()
    for p, value in zip(model.parameters(), expected, strict=True):
        np.testing.assert_allclose(p.data, value, rtol=1e-14)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_float32_parameters_stay_float32(optimizer):
    model, x, y = small_regression(dtype=np.float32)
    opt = OPTIMIZERS[optimizer](model.parameters())
    train_steps(model, opt, x, y, 3)
    assert all(p.dtype == np.float32 and p.grad.dtype == np.float32 for p in model.parameters())
    assert all(a.dtype == np.float32 for state in opt.state for a in state.values())


def test_same_seed_gives_bit_identical_training():
    def train(seed):
        rng = np.random.default_rng(seed)
        model = Sequential(Noise("masking", 0.2, rng=rng), MLP((6, 8, 6), rng=rng))
        x = rng.uniform(size=(10, 6)).astype(np.float32)
        opt = Adam(model.parameters(), lr=0.01)
        train_steps(model, opt, x, x, 4)
        return model.state_dict()

    first, second, other = train(3), train(3), train(4)
    assert all(np.array_equal(first[name], second[name]) for name in first)
    assert not np.array_equal(first["layers.1.layers.0.weight"], other["layers.1.layers.0.weight"])


# ----- errors ----------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", [SGD, Adam])
def test_optimizers_refuse_bad_parameter_lists(optimizer):
    p = Parameter(np.zeros(3))
    with pytest.raises(ValueError, match="no parameters"):
        optimizer([])
    with pytest.raises(ValueError, match="appears twice"):
        optimizer([p, Parameter(np.ones(2)), p])
    with pytest.raises(TypeError, match=r"one dtype.*float32.*float64"):
        optimizer([Parameter(np.zeros(3)), Parameter(np.zeros(3, dtype=np.float32))])


@pytest.mark.parametrize("optimizer", [SGD, Adam])
@pytest.mark.parametrize("lr", [0.0, -0.1, np.nan, np.inf, "0.1", True])
def test_optimizers_refuse_a_learning_rate_that_is_not_a_finite_positive_number(optimizer, lr):
    with pytest.raises(ValueError, match="learning rate must be a finite number > 0"):
        optimizer([Parameter(np.zeros(3))], lr=lr)


def test_optimizers_refuse_momentum_and_betas_outside_0_1():
    with pytest.raises(ValueError, match="momentum"):
        SGD([Parameter(np.zeros(3))], momentum=1.0)
    with pytest.raises(ValueError, match="betas"):
        Adam([Parameter(np.zeros(3))], betas=(0.9, 1.0))


@pytest.mark.parametrize("make", [lambda p: Adam(p, lr=1e-2), lambda p: SGD(p, 0.1, 0.9)])
def test_a_parameter_whose_array_is_not_contiguous_is_updated_like_any_other(make):
    def run(transposed):
        rng = np.random.default_rng(0)
        params = [Parameter(rng.standard_normal(s).astype(np.float32)) for s in (37, (5, 10))]
        if transposed:
            params[1].data = np.ascontiguousarray(params[1].data.T).T
        opt = make(params)
        for _ in range(3):
            opt.zero_grad()
            for p in params:
                p.grad = rng.standard_normal(p.shape).astype(np.float32)
            opt.step()
        return [p.data.copy() for p in params]

    for a, b in zip(run(False), run(True), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_step_after_a_shape_change_says_to_build_a_new_optimizer():
    p = Parameter(np.zeros(3))
    opt = Adam([p])
    p.data, p.grad = np.zeros(4), np.ones(4)
    with pytest.raises(ValueError, match="build a new optimiser"):
        opt.step()
