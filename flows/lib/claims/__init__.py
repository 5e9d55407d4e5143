"""Deterministic claim extraction from abstracts (rules over sentences, no model)."""

from flows.lib.claims.claim import CLAIM_TYPES, DIRECTIONS, QUALIFIERS, Claim
from flows.lib.claims.extract import extract_claims

__all__ = ["CLAIM_TYPES", "DIRECTIONS", "QUALIFIERS", "Claim", "extract_claims"]
