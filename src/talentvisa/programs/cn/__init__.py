"""Programs of CN and the derivations of their facts."""
