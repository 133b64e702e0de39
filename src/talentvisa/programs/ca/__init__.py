"""Programs of CA and the derivations of their facts."""
