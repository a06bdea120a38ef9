"""SMS and e-mail: texts (texts.py), the outbox (outbox.py), providers and the worker."""
