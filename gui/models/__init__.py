"""Table models: each wraps a plain Python collection from `audit` (results, events, a data preview); views never copy data
into Qt items."""
