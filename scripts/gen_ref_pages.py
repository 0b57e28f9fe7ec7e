"""Generate one API reference page per public module (run by mkdocs-gen-files).

Walks ``ganzoo`` and every domain plugin under ``plugins/ganzoo-*/src/``, so a module added by
anyone shows up in the site without touching ``mkdocs.yml``. Private modules (a path part that
starts with ``_`` other than ``__init__``) and ``__main__`` are skipped, and so is a module that
does not parse yet: the build documents what exists instead of failing on a half-written file.
The navigation is written as ``reference/SUMMARY.md`` for mkdocs-literate-nav.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("mkdocs.plugins.gen_ref_pages")


def package_roots(root: Path = ROOT) -> list[tuple[Path, Path]]:
    """``(source_dir, package_dir)`` for ganzoo and each plugin package with an ``__init__.py``."""
    roots = [(root, root / "ganzoo")]
    for package in sorted(root.glob("plugins/ganzoo-*/src/ganzoo_*")):
        if (package / "__init__.py").is_file():
            roots.append((package.parent, package))
    return roots


def public_modules(root: Path = ROOT) -> Iterator[tuple[tuple[str, ...], Path]]:
    """``(dotted parts, file)`` of every public, parseable module, packages first."""
    for src, package in package_roots(root):
        for path in sorted(package.rglob("*.py")):
            parts = path.relative_to(src).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if parts[-1] == "__main__" or any(p.startswith("_") for p in parts):
                continue
            if not _parses(path):
                log.info("gen_ref_pages: skipping %s (does not parse)", path)
                continue
            yield parts, path


def _parses(path: Path) -> bool:
    try:
        ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        return False
    return True


def main() -> None:
    import mkdocs_gen_files

    nav = mkdocs_gen_files.Nav()
    for parts, path in public_modules():
        page = Path(*parts).with_suffix(".md") if path.name != "__init__.py" else Path(*parts, "index.md")
        nav[parts] = page.as_posix()
        with mkdocs_gen_files.open(Path("reference", page), "w") as fh:
            fh.write(f"::: {'.'.join(parts)}\n")
    with mkdocs_gen_files.open("reference/SUMMARY.md", "w") as fh:
        fh.writelines(nav.build_literate_nav())


if __name__ in {"__main__", "<run_path>"}:
    main()
