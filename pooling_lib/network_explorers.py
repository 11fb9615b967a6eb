"""An explorer of a trained network: feature maps and gradients at each pooling layer.

One widget, one line in a notebook::

    from pooling_lib.network_explorers import network_explorer
    network_explorer(model, X_test, y_test)

Pick a held-out digit, a pooling layer, a channel and a tie rule: the picture
(:class:`pooling_lib.network_views.NetworkView`) shows the channel's map
before and after pooling, and where the gradient of the predicted class's
score goes through that layer. One forward and backward pass per digit
(:func:`pooling_lib.training.trace`), kept while the digit stays the same;
the other controls only re-route one layer's gradient.
"""

from __future__ import annotations

import numpy as np

from .explorer_base import Explorer, integer, option
from .network_views import NetworkView
from .nn import Pool2D, Sequential, small_cnn
from .pooling import pool_backward
from .style import presentation_setting
from .training import Adam, blas_thread_limit, fit, trace, train_test_split

__all__ = ["NetworkExplorer", "network_explorer", "quick_network"]

TIES = ("first", "split", "all")


def quick_network(seed=0, epochs=1):
    """A :func:`pooling_lib.nn.small_cnn` trained briefly, and its held-out digits.

    Trained on 4,000 of the bundled digits (seeded, stratified) for
    ``epochs`` passes, about a second each; the other 1,000 are returned.

    Returns
    -------
    model : Sequential
    X_test : ndarray, shape (1000, 28, 28, 1)
    y_test : ndarray of int, shape (1000,)
    """
    from .data import load_mnist

    X, y = load_mnist()
    X_train, X_test, y_train, y_test = train_test_split(X[..., None], y, n_train=4000, seed=seed)
    model = small_cnn(seed=seed)
    fit(
        model,
        X_train,
        y_train,
        X_test[:100],
        y_test[:100],
        epochs=epochs,
        batch_size=32,
        optimizer=Adam(model, lr=0.003),
        seed=seed,
    )
    return model, X_test, y_test


class NetworkExplorer(Explorer):
    """A network's maps and gradients at its pooling layers; see :func:`network_explorer`.

    Controls: ``digit``, ``layer`` (the 1st, 2nd, ... pooling layer),
    ``channel``, ``ties``. The picture is a
    :class:`pooling_lib.network_views.NetworkView`.
    """

    def __init__(self, model, X, y, digit=0, layer=1, channel=0, ties="first", presentation=None):
        self.model, self.X, self.y = model, X, y
        self.pools = [k for k, lay in enumerate(model.layers) if isinstance(lay, Pool2D)]
        integer(digit, "digit", 0, len(X) - 1)
        integer(layer, "layer", 1, len(self.pools), " (the pooling layers, in order)")
        channels = self._channels(layer)
        integer(channel, "channel", 0, channels - 1, f" (pooling layer {layer}'s channels)")
        option(ties, "ties", TIES)
        self.presentation = presentation_setting(presentation)
        self._traced = None
        self.digit = self._slider("digit", "held-out digit", digit, 0, len(X) - 1)
        self.layer = self._slider("layer", "pooling layer", layer, 1, len(self.pools))
        self.channel = self._slider("channel", "channel", channel, 0, channels - 1)
        self.ties = self._toggles("ties", "ties", TIES, ties)
        rows = [(self.digit, self.layer), (self.channel, self.ties)]
        self._start(NetworkView(presentation), rows)

    def _channels(self, layer):
        if not hasattr(self, "_pool_channels"):
            x = self.X[:1].astype(self.model.dtype, copy=False)
            self._pool_channels = []
            for layer_ in self.model.layers:
                x = layer_.forward(x, train=False)
                if isinstance(layer_, Pool2D):
                    self._pool_channels.append(x.shape[-1])
        return self._pool_channels[layer - 1]

    def _sync_controls(self):
        channels = self._channels(self.layer.value)
        self.channel.max = channels - 1

    def _records(self, digit):
        if self._traced is None or self._traced[0] != digit:
            # One digit's matrices are tiny: two BLAS threads would only wait on each other.
            with blas_thread_limit(1):
                self._traced = (digit, trace(self.model, self.X[digit : digit + 1]))
        return self._traced[1]

    def _update(self):
        digit, ch = self.digit.value, self.channel.value
        records = self._records(digit)
        index = self.pools[self.layer.value - 1]
        record, layer = records[index], records[index]["layer"]
        d_before = pool_backward(
            record["d_output"],
            record["input"],
            layer.kernel_shape,
            layer.stride,
            layer.mode,
            ties=self.ties.value,
            **layer.options,
        )
        scores = records[-1]["output"][0].astype(float)
        probabilities = np.exp(scores - scores.max())
        self.view.update(
            self.X[digit, :, :, 0],
            record["input"][0, :, :, ch],
            record["output"][0, :, :, ch],
            record["d_output"][0, :, :, ch],
            d_before[0, :, :, ch],
            probabilities / probabilities.sum(),
            subject=f"held-out digit {digit} (a {int(self.y[digit])})",
            layer_name=f"pooling layer {self.layer.value} (channel {ch})",
            ties=self.ties.value,
        )


def network_explorer(
    model=None, X=None, y=None, digit=0, layer=1, channel=0, ties="first", presentation=None
):
    """Feature maps before and after each pooling layer, and where the gradient goes.

    Parameters
    ----------
    model : pooling_lib.nn.Sequential, optional
        A network with at least one :class:`pooling_lib.nn.Pool2D`. Default:
        :func:`quick_network`, trained for one epoch (about a second).
    X : ndarray, shape (m, h, w, 1), optional
        The digits to pick from, e.g. the held-out ones; with ``model``.
    y : ndarray of int, shape (m,), optional
        Their labels, for the title.
    digit : int, default 0
        Index into ``X``.
    layer : int, default 1
        Which pooling layer, 1 for the first.
    channel : int, default 0
        Which of that layer's channels.
    ties : {'first', 'split', 'all'}, default 'first'
        The rule that routes the gradient in the picture, whatever the
        network was trained with.
    presentation : bool, optional

    Returns
    -------
    NetworkExplorer

    Raises
    ------
    TypeError
        If ``model`` is not a Sequential, or an option has the wrong type.
    ValueError
        If ``model`` has no pooling layer, ``X`` and ``y`` do not match, or an
        option is outside what its control shows.

    Examples
    --------
    >>> from pooling_lib.nn import small_cnn
    >>> X = np.zeros((3, 28, 28, 1))
    >>> explorer = network_explorer(small_cnn(seed=0), X, np.zeros(3, dtype=int), layer=2)
    >>> explorer.view.summary["size"]  # the 14 x 14 cells going into the second pooling layer
    196
    """
    if model is None:
        if X is not None or y is not None:
            raise ValueError("X and y need a model: pass model=..., or none of the three")
        model, X, y = quick_network()
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a pooling_lib.nn.Sequential, got {type(model).__name__}")
    if not any(isinstance(lay, Pool2D) for lay in model.layers):
        raise ValueError("model must have at least one Pool2D layer, got none")
    if X is None or y is None:
        raise ValueError("model needs X and y, the digits to show and their labels")
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 4 or X.shape[-1] != 1 or len(X) == 0:
        raise ValueError(f"X must have shape (m, h, w, 1) with m >= 1, got shape {X.shape}")
    if y.shape != (len(X),) or y.dtype.kind not in "iu":
        raise ValueError(
            f"y must hold one int label per digit of X, got dtype {y.dtype} shape {y.shape} for "
            f"{len(X)} digits"
        )
    return NetworkExplorer(model, X, y, digit, layer, channel, ties, presentation)
