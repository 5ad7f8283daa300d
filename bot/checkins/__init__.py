"""Check-ins: scheduled DMs to each side of a mentoring pair, help requests, owners' digests."""
