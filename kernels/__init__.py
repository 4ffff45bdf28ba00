"""The checking kernel: rules over a normalised prescription and compiled tables."""
