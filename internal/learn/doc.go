// Package learn trains and mitigates the models of train mode: a logistic
// regression with the same objective as scikit-learn's LogisticRegression,
// and the mitigation methods baseline, reweighing (Kamiran and Calders),
// postprocess (per-group thresholds, Hardt, Price and Srebro) and expgrad
// (the exponentiated-gradient reduction of Agarwal et al.).
//
// The package imports nothing from Kubernetes.
package learn
