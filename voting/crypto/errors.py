"""The one shape of every refusal in the voting core: a stable machine ``code`` and a sentence."""
from __future__ import annotations


class CodedError(ValueError):
    def __init__(self, code: str, message: str, suffix: str = "") -> None:
        super().__init__(f"{code}: {message}{suffix}")
        self.code = code
        self.message = message
