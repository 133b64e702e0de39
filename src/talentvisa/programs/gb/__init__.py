"""Programs of GB and the derivations of their facts."""
