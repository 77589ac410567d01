"""What a person inspects on the canvas, in numbers (no Qt).

- :mod:`~gmm_viz.inspect.point`: which point is under the mouse (:class:`PointIndex`, a
  k-d tree built once per data set and pair of shown axes) and the E-step for one point
  (:func:`e_step_numbers`: each pi_k N(x | mu_k, Sigma_k), their sum, the
  responsibilities, in log space where values underflow);
- :mod:`~gmm_viz.inspect.component`: the M-step of one component
  (:func:`m_step_numbers`: N_k, pi_k, mu_k, Sigma_k, det, condition number, eigen-axes and
  the ellipse's half-lengths) and which singularity rule is closest to firing on it
  (:func:`closest_rule`);
- :mod:`~gmm_viz.inspect.formulas`: the E-step and M-step equations filled with those
  numbers, as plain text or HTML, for a formula panel.

The window's canvas, table and formula panel call these; they never import Qt, so the
numbers are tested against scikit-learn and scipy without a window.
"""

from gmm_viz.inspect.component import (
    ComponentNumbers,
    DataFacts,
    RuleCheck,
    RuleStatus,
    closest_rule,
    data_facts,
    m_step_numbers,
)
from gmm_viz.inspect.formulas import e_step_text, m_step_text, rule_text
from gmm_viz.inspect.point import PointIndex, PointNumbers, e_step_numbers

__all__ = ["ComponentNumbers", "DataFacts", "PointIndex", "PointNumbers", "RuleCheck",
           "RuleStatus", "closest_rule", "data_facts", "e_step_numbers", "e_step_text",
           "m_step_numbers", "m_step_text", "rule_text"]
