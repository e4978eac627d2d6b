#!/usr/bin/env python3
"""Times scikit-learn's LogisticRegression(lbfgs, C=1.0, max_iter=1000) on
Adult with the preprocessing of `internal/learn` (get_dummies on the whole
table, StandardScaler on numeric columns fitted on the training split,
train_test_split(test_size=0.3, random_state=42)), for docs/benchmarks.md.

Usage: sklearn_fit.py ADULT_CSV [REPEATS]
"""
import sys
import time

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def main():
    path = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    df = pd.read_csv(path)
    y = df["income_gt_50k"].to_numpy()
    X = df.drop(columns=["income_gt_50k", "income-per-year"])
    numeric = X.select_dtypes(include="number").columns
    X = pd.get_dummies(X, columns=[c for c in X.columns if c not in numeric])
    train, test = train_test_split(np.arange(len(df)), test_size=0.3, random_state=42)
    scaler = StandardScaler().fit(X.iloc[train][numeric])
    X[numeric] = scaler.transform(X[numeric])
    Xtr, ytr = X.iloc[train].to_numpy(dtype=float), y[train]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model = LogisticRegression(solver="lbfgs", C=1.0, max_iter=1000).fit(Xtr, ytr)
        times.append(time.perf_counter() - start)
    acc = (model.predict(X.iloc[test].to_numpy(dtype=float)) == y[test]).mean()
    print(f"scikit-learn LogisticRegression on Adult: median {np.median(times):.3f} s over {repeats} fits "
          f"(min {min(times):.3f}, max {max(times):.3f}), {model.n_iter_[0]} iterations, test accuracy {acc:.4f}")


if __name__ == "__main__":
    main()
