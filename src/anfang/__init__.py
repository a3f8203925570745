"""anfang (暗访): records, daily reports and follow-up for a covert safety-inspection campaign."""

__version__ = "0.1.0"
