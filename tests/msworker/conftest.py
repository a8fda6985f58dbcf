"""The apps under ``apps/`` are deployed to the worker, not collected here (one of them is
written against ``azure.functions``, which this environment does not have)."""

collect_ignore_glob = ["apps/*"]
