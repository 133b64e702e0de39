"""Employer registrations for a capped selection (the H-1B): seasons, draw, results, petitions."""
