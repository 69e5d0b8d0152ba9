"""Everything Readyboard does with git; the only package that imports GitPython.

    head = resolve_head(url, branch)           # clone or fetch into the mirror cache
    with exported_tree(url, head.sha) as tree:  # plain files of that commit
        ...
Failures raise GitError(code, message) with codes from `dashboard.git.errors`.
"""

from dashboard.git.errors import CODES, GitError, scrub
from dashboard.git.export import export_tree, exported_tree
from dashboard.git.mirror import Commit, Head, commits_between, resolve_head
from dashboard.git.runner import GitConfig
from dashboard.git.urls import validate_clone_url, without_credentials

__all__ = [
    "CODES",
    "Commit",
    "GitConfig",
    "GitError",
    "Head",
    "commits_between",
    "export_tree",
    "exported_tree",
    "resolve_head",
    "scrub",
    "validate_clone_url",
    "without_credentials",
]
