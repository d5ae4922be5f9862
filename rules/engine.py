"""STUB — being written. Interface: Classifier(config).classify(mail, previous_scenario=None) -> Decision."""
from __future__ import annotations

from ..config import Config
from ..intake.message import InboundMail
from .decision import Decision, Draft


class Classifier:
    def __init__(self, config: Config):
        self.config = config

    def classify(self, mail: InboundMail, previous_scenario: str | None = None) -> Decision:
        return Decision("sspr", "reply", "en", facts={}, rules=[], path=["sspr"],
                        reply=Draft("Re: " + mail.subject, "stub text", "<p>stub</p>", "sspr"))
