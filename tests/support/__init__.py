"""Helpers shared by the tests (not collected): synthetic artifacts, test keys, real servers."""
