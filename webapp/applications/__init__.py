"""Online applications: answers, documents checked on upload, status, staff review, purge (no Flask)."""
