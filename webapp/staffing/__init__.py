"""The agency's side: staff accounts, the day's agenda and queue, settings, reports, audit."""
