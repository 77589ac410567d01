"""The E-step and M-step equations, filled with the live numbers, for a formula panel.

Pure functions from the numbers of :mod:`gmm_viz.inspect.point` and
:mod:`gmm_viz.inspect.component` to short texts: plain text (one equation a line) or HTML
(the same lines with subscripts, for a ``QLabel``). Every number printed is one of the
numbers computed, rounded to ``digits`` significant digits; where a density underflows to
0 the line is written with logarithms instead, so it never reads ``0 / 0``.
"""

from __future__ import annotations

import html as _html

import numpy as np

__all__ = ["e_step_text", "m_step_text", "number", "rule_text"]

#: Components listed term by term in the sum p(x); beyond, only the total.
MAX_TERMS = 6


def number(value, digits: int = 4) -> str:
    """``value`` with ``digits`` significant digits (``1.235e-05``, ``123.5``, ``-inf``)."""
    value = float(value)
    if np.isnan(value):
        return "nan"
    if np.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}g}"


def _signed(value, digits):
    """A number that may follow an operator: negative ones in parentheses."""
    text = number(value, digits)
    return f"({text})" if text.startswith("-") else text


class _Writer:
    """Lines with subscripts and symbols, as plain text or HTML."""

    def __init__(self, html: bool):
        self.html = html
        self.lines = []

    def sub(self, base: str, index) -> str:
        if self.html:
            return f"{_html.escape(base)}<sub>{_html.escape(str(index))}</sub>"
        return f"{base}_{index}"

    def text(self, words: str) -> str:
        return _html.escape(words) if self.html else words

    def add(self, *parts: str):
        self.lines.append("".join(parts))

    def result(self) -> str:
        return ("<br>" if self.html else "\n").join(self.lines)


def _vector(values, digits):
    return "(" + ", ".join(number(v, digits) for v in values) + ")"


def _matrix(matrix, digits):
    rows = ("[" + ", ".join(number(v, digits) for v in row) + "]" for row in matrix)
    return "[" + ", ".join(rows) + "]"


def e_step_text(numbers, *, index=None, html: bool = False, digits: int = 4) -> str:
    """The E-step for one point, with its numbers.

    Parameters
    ----------
    numbers : PointNumbers
        From :func:`gmm_viz.inspect.point.e_step_numbers`.
    index : int, optional
        The point's row, written as its subscript (``i`` when None).
    html : bool, default=False
        HTML (subscripts, ``<br>`` between lines) instead of plain text.
    digits : int, default=4
        Significant digits of every number.

    Returns
    -------
    str
        The general formula, then for each component k the line
        ``pi_k N(x_i | mu_k, Sigma_k) = pi_k x N_k = value``, the sum p(x_i), and for each k
        ``gamma_ik = pi_k N_k / p(x_i) = value / p = gamma``. A component whose
        pi_k N_k underflows to 0 (or when p(x_i) does) gets the same lines in logarithms.
    """
    w = _Writer(html)
    i = "i" if index is None else str(int(index))
    K = numbers.n_components

    def gauss(k):
        return (f"N({w.sub('x', i)} | {w.sub('μ', k)}, {w.sub('Σ', k)})")

    w.add(w.sub("γ", f"{i}k" if index is None else f"{i},k"), " = ", w.sub("π", "k"), " ",
          gauss("k"), " / ",
          w.sub("Σ", "j"), " ", w.sub("π", "j"), " ", gauss("j"))
    in_logs = numbers.p == 0 or not np.isfinite(numbers.p)
    for k in range(K):
        pi, term = numbers.weights[k], numbers.weighted[k]
        if numbers.weights[k] == 0:
            w.add(w.sub("π", k), " ", gauss(k), " = 0 (weight 0)")
        elif in_logs or (term == 0 and np.isfinite(numbers.log_weighted[k])):
            w.add(w.text("log("), w.sub("π", k), " ", gauss(k), w.text(") = log "),
                  number(pi, digits), w.text(" + "), _signed(numbers.log_density[k], digits),
                  " = ", number(numbers.log_weighted[k], digits))
        else:
            w.add(w.sub("π", k), " ", gauss(k), " = ", number(pi, digits), w.text(" × "),
                  number(numbers.density[k], digits), " = ", number(term, digits))
    p_name = f"p({w.sub('x', i)})"
    if in_logs:
        w.add(w.text("log "), p_name, w.text(" = logsumexp of the logs above = "),
              number(numbers.log_p, digits))
    else:
        terms = (w.text(" + ").join(number(v, digits) for v in numbers.weighted)
                 if K <= MAX_TERMS else w.text(f"the sum of the {K} terms above"))
        w.add(p_name, " = ", terms, " = ", number(numbers.p, digits))
    for k in range(K):
        # With a row number the two subscripts need a comma: γ_{120,0}, never γ_1200.
        gamma = w.sub("γ", f"{i},{k}" if index is not None or K > 10 else f"{i}{k}")
        term = numbers.weighted[k]
        if numbers.weights[k] == 0:
            w.add(gamma, " = 0")
        elif in_logs or term == 0:
            w.add(gamma, w.text(" = exp("), number(numbers.log_weighted[k], digits),
                  w.text(" − "), _signed(numbers.log_p, digits), ") = ",
                  number(numbers.resp[k], digits))
        else:
            w.add(gamma, " = ", number(term, digits), " / ", number(numbers.p, digits),
                  " = ", number(numbers.resp[k], digits))
    return w.result()


#: The M-step's covariance estimate of each covariance type, in words.
_COVARIANCE_FORMULAS = {
    "full": "Σ_k = Σ_i γ_ik (x_i − μ_k)(x_i − μ_k)ᵀ / N_k + reg_covar·I",
    "tied": "Σ = Σ_k Σ_i γ_ik (x_i − μ_k)(x_i − μ_k)ᵀ / N + reg_covar·I, shared by every "
            "component",
    "diag": "σ²_kd = Σ_i γ_ik (x_id − μ_kd)² / N_k + reg_covar, each feature d on its own "
            "(no correlations)",
    "spherical": "σ²_k = the mean over features of Σ_i γ_ik (x_id − μ_kd)² / N_k, "
                 "+ reg_covar, one variance for every direction",
}


def m_step_text(numbers, *, covariance_type: str = "full", feature_names=None,
                html: bool = False, digits: int = 4) -> str:
    """The M-step of one component, with its numbers.

    Parameters
    ----------
    numbers : ComponentNumbers
        From :func:`gmm_viz.inspect.component.m_step_numbers`.
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
        Which covariance estimate the run makes (the config's).
    feature_names : sequence of str, optional
        Names of the features (for the shown block of Sigma_k); ``x0``, ``x1``, ... if None.
    html : bool, default=False
    digits : int, default=4

    Returns
    -------
    str
        Where the parameters come from (an M-step, the start, or a recovery), N_k,
        pi_k = N_k / N, mu_k, Sigma_k's formula and its values on the shown axes (the whole
        matrix up to three features), det and condition number, and the ellipse's
        half-lengths per sigma level.
    """
    if covariance_type not in _COVARIANCE_FORMULAS:
        raise ValueError(f"unknown covariance type {covariance_type!r}.")
    w = _Writer(html)
    k = numbers.component
    n_features = len(numbers.mean)
    names = list(feature_names) if feature_names is not None else [
        f"x{d}" for d in range(n_features)]
    if numbers.origin == "initial":
        w.add(w.text(f"Component {k} at iteration 0: the start, no M-step yet "
                     "(weight, mean and covariance as initialised)."))
    elif numbers.origin == "re-placed":
        w.add(w.text(f"Component {k} was re-placed by a singularity rule in this iteration: "
                     "its weight, mean and covariance were set by the recovery, not "
                     "estimated."))
    else:
        w.add(w.text(f"M-step of component {k}, from the previous iteration's "
                     "responsibilities γ_ik:"))
    estimated = numbers.origin == "m_step"
    if numbers.nk is not None and estimated:
        w.add(w.sub("N", k), " = ", w.text("Σ_i "), w.sub("γ", f"i{k}"), " = ",
              number(numbers.nk, digits))
        w.add(w.sub("π", k), " = ", w.sub("N", k), " / N = ", number(numbers.nk, digits),
              " / ", str(numbers.n_samples), " = ", number(numbers.weight, digits))
    else:
        w.add(w.sub("π", k), " = ", number(numbers.weight, digits))
    if estimated:
        w.add(w.sub("μ", k), " = ", w.text("Σ_i "), w.sub("γ", f"i{k}"), " ",
              w.sub("x", "i"), " / ", w.sub("N", k), " = ", _vector(numbers.mean, digits))
        formula = _COVARIANCE_FORMULAS[covariance_type]
        w.add(w.text(formula.replace("γ_ik", f"γ_i{k}").replace("_k", f"_{k}")))
    else:
        w.add(w.sub("μ", k), " = ", _vector(numbers.mean, digits))
    if n_features <= 3:
        w.add(w.sub("Σ", k), " = ", _matrix(numbers.covariance, digits))
    else:
        a, b = numbers.axes
        w.add(w.sub("Σ", k), w.text(f" on the shown axes ({names[a]}, {names[b]}) = "),
              _matrix(numbers.marginal, digits))
    w.add(w.text("det "), w.sub("Σ", k), " = ", number(numbers.det, digits),
          w.text(", condition number = "), number(numbers.condition_number, digits))
    a, b = numbers.axes
    w.add(w.text(f"Ellipse on ({names[a]}, {names[b]}): eigenvalues "),
          _vector(numbers.marginal_eigenvalues, digits),
          w.text("; half-lengths (minor, major) "),
          w.text("; ".join(f"{s}σ: {number(h[0], digits)}, {number(h[1], digits)}"
                           for s, h in numbers.half_lengths.items())))
    return w.result()


def _check_sentence(check, digits):
    value, threshold = number(check.value, digits), number(check.threshold, digits)
    factor = number(check.factor, 2 if check.factor < 100 else 3)
    if check.quantity == "condition number":
        if check.fires:
            return (f"the condition number {value} is above the needle rule's limit "
                    f"{threshold} ({number(1 / check.factor, 2)}x it): the rule catches "
                    "this component")
        return (f"the condition number {value} is {factor}x below the needle rule's limit "
                f"{threshold} (the rule fires above it)")
    if check.quantity == "N_k":
        if check.fires:
            return (f"N_k = {value} is below the needle rule's minimum {threshold} "
                    f"(D + 1): the rule catches this component")
        return (f"N_k = {value} is {factor}x the needle rule's minimum {threshold} (D + 1; "
                "the rule fires below it)")
    rule = "the relative det rule" if check.rule == "relative_det" else "the det rule"
    if check.fires:
        return (f"{check.quantity} = {value} is below {rule}'s threshold {threshold} "
                f"({factor}x it): the rule catches this component")
    return (f"{check.quantity} = {value} is {factor}x {rule}'s threshold {threshold} "
            "(the rule fires below 1x)")


def rule_text(status, digits: int = 3) -> str:
    """One sentence: which singularity rule is closest to firing on the component.

    Parameters
    ----------
    status : RuleStatus
        From :func:`gmm_viz.inspect.component.closest_rule`.
    digits : int, default=3

    Returns
    -------
    str
    """
    closest = status.closest
    if not closest.active:
        sentence = _check_sentence(closest, digits)
        sentence = sentence.replace("the det rule's threshold", "the study's det rule's "
                                    "threshold").replace("the rule catches",
                                                         "that rule would catch")
        return f"No singularity rule is on. Component {status.component}: {sentence}."
    return f"Component {status.component}, closest rule: {_check_sentence(closest, digits)}."
