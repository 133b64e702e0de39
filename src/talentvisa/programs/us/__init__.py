"""Programs of US and the derivations of their facts."""
