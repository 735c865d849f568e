"""Overlap between a predicted and a true mask."""

import numpy as np


def dice(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Dice coefficient; two empty masks agree perfectly."""
    predicted, truth = np.asarray(predicted, bool), np.asarray(truth, bool)
    total = int(predicted.sum()) + int(truth.sum())
    if total == 0:
        return 1.0
    return 2.0 * int(np.logical_and(predicted, truth).sum()) / total
