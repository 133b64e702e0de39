"""Programs of KR and the derivations of their facts."""
