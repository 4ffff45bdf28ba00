"""County centralised prescription pre-review service (县域集中审方中心)."""

__version__ = "0.1.0"
