"""Individual applications (e.g. the K visa): intake, pre-screen, review, evidence, decision."""
