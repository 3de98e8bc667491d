#!/usr/bin/env python3
"""Generate the rehearsal's sample data: pipeline/data/train.csv and pipeline/data/validation.csv.

A synthetic, deterministic binary-classification set (no download, numpy only, seed fixed), in the
SageMaker built-in XGBoost CSV convention: label (0/1) in the first column, no header, numeric features.

The generating process is a small "customer churn"-like model: 12 features, of which 6 carry signal through a
non-linear score (interactions and thresholds, so trees beat a linear model), 6 are noise; labels are drawn
from
a logistic of the score, so the task is learnable but not separable (validation AUC around 0.9, not 1.0) and a
quality gate threshold between 0.5 and 0.95 is meaningful.

Usage: python scripts/make_sample_data.py [--out pipeline/data] [--rows 1600] [--seed 20240601]
Running it again with the same arguments rewrites byte-identical files.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

FEATURES = 12
VALIDATION_SHARE = 0.25


def generate(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (labels, features) for `rows` rows, deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    x = np.empty((rows, FEATURES))
    x[:, 0] = rng.integers(1, 73, rows)  # tenure (months)
    x[:, 1] = rng.gamma(4.0, 15.0, rows)  # monthly charges
    x[:, 2] = rng.poisson(1.5, rows)  # support calls
    x[:, 3] = rng.integers(0, 2, rows)  # has contract
    x[:, 4] = rng.normal(0.0, 1.0, rows)  # usage trend
    x[:, 5] = rng.uniform(0.0, 1.0, rows)  # discount share
    x[:, 6:] = rng.normal(0.0, 1.0, (rows, FEATURES - 6))  # noise
    score = (
        -0.045 * x[:, 0]
        + 0.018 * x[:, 1]
        + 0.55 * x[:, 2]
        - 1.4 * x[:, 3]
        - 0.9 * x[:, 4]
        + 1.2 * (x[:, 2] >= 3) * (x[:, 3] == 0)
        - 1.5 * x[:, 5] * (x[:, 1] > 60)
        + 0.3
    )
    labels = (rng.uniform(0.0, 1.0, rows) < 1.0 / (1.0 + np.exp(-score))).astype(int)
    return labels, np.round(x, 4)


def write_csv(path: Path, labels: np.ndarray, features: np.ndarray) -> None:
    lines = [
        ",".join([str(int(y)), *(f"{v:g}" for v in row)]) for y, row in zip(labels, features, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent.parent / "pipeline" / "data"
    )
    parser.add_argument("--rows", type=int, default=1600)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    labels, features = generate(args.rows, args.seed)
    split = int(args.rows * (1 - VALIDATION_SHARE))
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "train.csv", labels[:split], features[:split])
    write_csv(args.out / "validation.csv", labels[split:], features[split:])
    print(
        f"wrote {split} train and {args.rows - split} validation rows to {args.out} "
        f"(positives {labels.mean():.1%})"
    )


if __name__ == "__main__":
    main()
