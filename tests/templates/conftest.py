"""The template apps are loaded by the tests (``load_app``), never imported by collection."""

collect_ignore = ["v1", "v2"]
