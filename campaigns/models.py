"""Campaign briefs, shortlists, outreach and results (private to an organisation)."""
