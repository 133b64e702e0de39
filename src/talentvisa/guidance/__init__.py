"""The applicant's guidance: selection odds at their wage level, what would make them eligible,
and their eligibility over time. Built on the rules core and the lottery library; no adapter."""
