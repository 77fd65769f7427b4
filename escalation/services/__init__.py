"""Escalation services: targets, rules, out-of-hours replies, detractors,
crisis mode, and the evaluation pass that runs them (see ``evaluation``)."""
