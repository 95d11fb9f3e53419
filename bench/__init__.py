"""`make bench`: taskboard's read path beside a hand-written baseline, on a PostgreSQL cluster of its own."""
