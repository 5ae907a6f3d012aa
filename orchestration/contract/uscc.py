"""The unified social credit code (统一社会信用代码) and its check digit, GB 32100-2015."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    # Called once per enterprise of a directory (50,000 rows): a dict lookup, not .index.
    if len(code) != 18 or code[17] not in _VALUE:
        return False
    try:
        total = sum(_VALUE[ch] * w for ch, w in zip(code[:17], WEIGHTS, strict=True))
    except KeyError:
        return False
    return ALPHABET[(31 - total % 31) % 31] == code[17]
