from scanner.artifacts.view import RepoView


def make_view(files: dict[str, str], app_root: str = ".") -> RepoView:
    """An in-memory repository: path -> text."""
    return RepoView.from_files(files, app_root)
