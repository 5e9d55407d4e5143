"""Deterministic claim extraction from abstracts (rules over sentences, no model)."""

from flows.claims.extract import CLAIM_TYPES, DIRECTIONS, QUALIFIERS, Claim, extract_claims

__all__ = ["CLAIM_TYPES", "DIRECTIONS", "QUALIFIERS", "Claim", "extract_claims"]
