"""Building what Attest ships: the offline bundle (`./dev bundle`), its SBOM and the slimmed Qt add-ons wheel.

Not part of the installed package (pyproject.toml's package list leaves it out): it runs on a connected machine with
only the standard library and pip."""
