"""The EU AI Act and NIST AI RMF mappings, the report sections and texts, as data (read by reports.frameworks).

A package only so that a regular (non-editable) install ships the TOML files as package data."""
