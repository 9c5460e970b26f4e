"""`handhabit run`: the long-running process and what keeps it steady."""
