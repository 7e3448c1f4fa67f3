"""Legal data the report prints (application dates, statements), with sources and an as-of date."""
