"""vgrad: vanishing and exploding gradients in recurrent networks, computed exactly.

A small numpy engine behind the vgrad site. Every quantity the pages discuss is one call away:
the loss gradient at every step (:meth:`RNN.backward`), the Jacobian products
:math:`\\partial h_t/\\partial h_{t-k}` (:meth:`RNN.jacobian_product`), their norms in log space
(:meth:`RNN.jacobian_log_norms`), clipping, spectral tools and finite-difference checks.
"""

# The public names, packed by hand in the order ruff sorts them (isort, RUF022).
# isort: off
# fmt: off
from .activations import ACTIVATIONS, Activation, get_activation, sigmoid, sigmoid_prime
from .clipping import Clipped, clip_by_norm, clip_by_value, global_norm
from .deep import DeepGradients, DeepNet, DeepTrace, GradientFlow, gradient_flow
from .gradcheck import GradCheck, check_directional, check_gradient, numerical_gradient
from .gru import GRU, GRUGradients, GRUTrace
from .losses import mse, softmax_cross_entropy
from .lru import LRU, LRUGradients, LRUTrace
from .lstm import LSTM, LSTMGradients, LSTMTrace
from .optim import SGD, Adam, Optimizer, RMSProp
from .regularizer import Omega, omega
from .rnn import RNN, RNNGradients, RNNTrace
from .spectral import (
    growth_rate, lyapunov_exponents, matrix_power_eig, nonnormal_2x2, nonnormal_coupling,
    orthogonal, power_norms, random_matrix, singular_values, spectral_radius,
)
from .tasks import (
    Batch, adding_problem, copy_memory, empirical_baseline, hochreiter_adding, pascanu_adding,
    pascanu_temporal_order, temporal_order,
)
from .training import TrainResult, error_rate, evaluate, perturb, train

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "GRU", "LRU", "LSTM", "RNN", "SGD", "Activation", "Adam", "Batch", "Clipped",
    "DeepGradients", "DeepNet", "DeepTrace", "GRUGradients", "GRUTrace", "GradCheck",
    "GradientFlow", "LRUGradients", "LRUTrace", "LSTMGradients", "LSTMTrace", "Omega",
    "Optimizer", "RMSProp", "RNNGradients", "RNNTrace", "TrainResult", "adding_problem",
    "check_directional", "check_gradient", "clip_by_norm", "clip_by_value", "copy_memory",
    "empirical_baseline", "error_rate", "evaluate", "get_activation", "global_norm",
    "gradient_flow", "growth_rate", "hochreiter_adding", "lyapunov_exponents",
    "matrix_power_eig", "mse", "nonnormal_2x2", "nonnormal_coupling", "numerical_gradient",
    "omega", "orthogonal", "pascanu_adding", "pascanu_temporal_order", "perturb", "power_norms",
    "random_matrix", "sigmoid", "sigmoid_prime", "singular_values", "softmax_cross_entropy",
    "spectral_radius", "temporal_order", "train",
]
# fmt: on
