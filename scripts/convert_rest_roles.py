"""Turn reST roles (``:class:`X```, ``:func:`~a.b```...) into what the docs toolchain renders.

The API reference is built by mkdocstrings from Google-style docstrings in Markdown, where a
Sphinx role is not markup: ``:class:`DataSpec``` shows up on the site as the literal text
``:class:`` before the name. This script rewrites every role in the Python sources of ganzoo,
the domain plugins, the example plugin and the ``new-plugin`` templates:

- in a docstring of ganzoo or a domain plugin, a role whose target resolves to a documented
  object becomes a cross-reference, ``[`DataSpec`][ganzoo.data.spec.DataSpec]``, pointing at
  the module that defines the object (the page mkdocstrings renders it on). Short names are
  resolved like Python would in that module: its imports, its own definitions, and, for a bare
  method name, the class the docstring belongs to;
- anywhere else (comments, targets that are private or not rendered, the example plugin and the
  templates, whose docs are not part of this site) the role becomes plain code, `` `DataSpec` ``.

A ``~`` prefix shows only the last part of the name, as in Sphinx. The script is idempotent:
run ``python scripts/convert_rest_roles.py`` again after merging branches that added roles.
It then refreshes the Markdown listings of the example plugin (``gen_inline_docs.py``).
``--check`` lists remaining roles and exits 1 if there are any; ``--check-site DIR`` exits 1
when a built site shows a role as literal text (the ``docs`` nox session runs it).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: ``:role:`target``` with an optional ``~``; the role names Sphinx's Python domain uses.
ROLE = re.compile(r":(?:py:)?(?P<role>class|func|meth|mod|data|attr|exc|obj|const):`(?P<tilde>~?)(?P<target>[^`\s]+)`")
#: Any Sphinx role, for the checks (``:ref:`` or ``:math:`` need a human, not this script).
ANY_ROLE = re.compile(r":(?:[a-z]+:)?[a-z]+:`[^`]+`")
#: What a role looks like on a built page: the role's text left in front of the code.
LITERAL_ROLE = re.compile(r":(?:[a-z]+:)?[a-z]+:<code>")


@dataclass(frozen=True)
class Source:
    """A tree of Python sources: ``package_root`` holds top-level packages; ``crossref`` says
    whether its docstrings are rendered by this site's mkdocstrings."""

    files: tuple[Path, ...]
    package_root: Path
    crossref: bool


def sources(root: Path = ROOT) -> list[Source]:
    """Every tree whose files the script rewrites."""
    found = [Source(tuple(sorted((root / "ganzoo").rglob("*.py"))), root, True)]
    for src in sorted(root.glob("plugins/*/src")):
        found.append(Source(tuple(sorted(src.rglob("*.py"))), src, True))
    for src in sorted(root.glob("examples/*/src")):
        found.append(Source(tuple(sorted(src.rglob("*.py"))), src, False))
    templates = tuple(sorted((root / "ganzoo" / "templates").rglob("*.tmpl")))
    found.append(Source(templates, root, False))
    return found


def module_name(path: Path, package_root: Path) -> str:
    parts = list(path.relative_to(package_root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


# -- resolving names ------------------------------------------------------------------------------
@dataclass
class Module:
    """What a module defines and imports, read from its AST (nothing is imported)."""

    name: str
    defined: set[str] = field(default_factory=set)
    classes: dict[str, set[str]] = field(default_factory=dict)
    imported: dict[str, str] = field(default_factory=dict)  # local name -> dotted origin


class Resolver:
    """Finds the defining module of a dotted name among the trees' modules."""

    def __init__(self, trees: list[Source], rendered: set[str]) -> None:
        self.paths = {module_name(p, s.package_root): p for s in trees if s.crossref for p in s.files}
        self.rendered = rendered

    @cache  # noqa: B019 - one resolver per run; modules are read once
    def module(self, name: str) -> Module | None:
        path = self.paths.get(name)
        if path is None:
            return None
        tree = ast.parse(path.read_text(encoding="utf-8"))
        info = Module(name)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _module_level(tree.body):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                info.defined.add(node.name)
            elif isinstance(node, ast.ClassDef):
                info.defined.add(node.name)
                info.classes[node.name] = _members(node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                info.defined.update(t.id for t in targets if isinstance(t, ast.Name))
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, package)
                for alias in node.names:
                    info.imported[alias.asname or alias.name] = f"{base}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        info.imported[alias.asname] = alias.name
        return info

    def resolve(self, target: str, module: str, cls: str | None = None, depth: int = 0) -> str | None:
        """The canonical dotted path of ``target`` as seen from ``module`` (inside class ``cls``),
        or ``None`` when it is not a public object that this site renders."""
        if depth > 10:
            return None
        if target in self.paths:  # a module named in full
            return target if target in self.rendered else None
        for i in range(1, target.count(".") + 1):  # a module prefix named in full, longest first
            prefix, rest = target.rsplit(".", i)[0], target.split(".")[-i:]
            if prefix in self.paths:
                return self._inside(prefix, rest, depth)
        info = self.module(module)
        if info is None:
            return None
        if cls is not None and "." not in target and target in info.classes.get(cls, set()):
            return self._public(f"{module}.{cls}.{target}", module)
        return self._inside(module, target.split("."), depth)

    def _inside(self, module: str, parts: list[str], depth: int) -> str | None:
        info = self.module(module)
        if info is None:
            return None
        head, rest = parts[0], parts[1:]
        if head in info.defined:
            if rest and (len(rest) > 1 or rest[0] not in info.classes.get(head, set())):
                return None
            return self._public(".".join([module, head, *rest]), module)
        origin = info.imported.get(head)
        if origin is None:
            return None
        if origin in self.paths:  # an imported module
            return self.resolve(".".join([origin, *rest]), origin, depth=depth + 1) if rest else self._module(origin)
        source, _, name = origin.rpartition(".")
        return self._inside(source, [name, *rest], depth + 1) if source in self.paths else None

    def _module(self, name: str) -> str | None:
        return name if name in self.rendered else None

    def _public(self, path: str, module: str) -> str | None:
        if module not in self.rendered or any(part.startswith("_") for part in path.split(".")):
            return None
        return path


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements at module level, including those under ``if``/``try`` (``TYPE_CHECKING``)."""
    for node in body:
        if isinstance(node, ast.If):
            yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            yield from _module_level(node.body)
        else:
            yield node


def _members(node: ast.ClassDef) -> set[str]:
    names: set[str] = set()
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(item.name)
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            names.add(item.target.id)
        elif isinstance(item, ast.Assign):
            names.update(t.id for t in item.targets if isinstance(t, ast.Name))
    return names


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.split(".")
    base = base[: len(base) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


# -- rewriting ------------------------------------------------------------------------------------
def docstring_lines(tree: ast.Module) -> list[tuple[int, int, str | None]]:
    """``(first line, last line, enclosing class)`` of every string statement (docstrings and
    attribute docstrings, which mkdocstrings renders)."""
    spans: list[tuple[int, int, str | None]] = []

    def visit(body: list[ast.stmt], cls: str | None) -> None:
        for node in body:
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                spans.append((node.lineno, node.end_lineno or node.lineno, cls))
            elif isinstance(node, ast.ClassDef):
                visit(node.body, node.name)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.If, ast.Try)):
                visit(node.body, cls)

    visit(tree.body, None)
    return spans


def convert_text(text: str, module: str | None, resolver: Resolver | None) -> str:
    """``text`` (a module's source) with every role rewritten (see the module docstring)."""
    spans: list[tuple[int, int, str | None]] = []
    if module is not None and resolver is not None:
        try:
            spans = docstring_lines(ast.parse(text))
        except SyntaxError:
            spans = []
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines, start=1):
        if ":" not in line or "`" not in line:
            continue
        span = next((s for s in spans if s[0] <= number <= s[1]), None)

        def replace(match: re.Match[str], span: tuple[int, int, str | None] | None = span) -> str:
            target = match["target"]
            shown = target.rsplit(".", 1)[-1] if match["tilde"] else target
            path = None
            if span is not None and module is not None and resolver is not None:
                path = resolver.resolve(target, module, span[2])
            return f"[`{shown}`][{path}]" if path else f"`{shown}`"

        lines[number - 1] = ROLE.sub(replace, line)
    return "".join(lines)


def rendered_modules(root: Path = ROOT) -> set[str]:
    """Modules with a page in the API reference (the same walk as ``gen_ref_pages.py``)."""
    sys.path.insert(0, str(root / "scripts"))
    try:
        from gen_ref_pages import public_modules
    finally:
        sys.path.remove(str(root / "scripts"))
    return {".".join(parts) for parts, _ in public_modules(root)}


def remaining_roles(root: Path = ROOT) -> list[tuple[Path, int, str]]:
    """``(file, line, role)`` of every role left in the sources."""
    found = []
    for tree in sources(root):
        for path in tree.files:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                found += [(path, number, m.group(0)) for m in ANY_ROLE.finditer(line)]
    return found


def literal_roles_in_site(site: Path) -> list[tuple[Path, str]]:
    """``(page, excerpt)`` for every role a built site shows as literal text."""
    found = []
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        found += [(page, text[m.start(): m.end() + 40]) for m in LITERAL_ROLE.finditer(text)]
    return found


def convert(root: Path = ROOT) -> list[Path]:
    """Rewrite every file with roles; returns the files changed."""
    trees = sources(root)
    resolver = Resolver(trees, rendered_modules(root))
    changed = []
    for tree in trees:
        for path in tree.files:
            text = path.read_text(encoding="utf-8")
            if not ROLE.search(text):
                continue
            module = module_name(path, tree.package_root) if tree.crossref and path.suffix == ".py" else None
            new = convert_text(text, module, resolver if module else None)
            if new != text:
                path.write_text(new, encoding="utf-8")
                changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list remaining roles, change nothing")
    parser.add_argument("--check-site", metavar="DIR", type=Path, help="fail on literal roles in a built site")
    args = parser.parse_args(argv)
    if args.check_site is not None:
        literal = literal_roles_in_site(args.check_site)
        for page, excerpt in literal:
            print(f"{page}: {excerpt}")
        print(f"{len(literal)} literal reST roles in {args.check_site}")
        return 1 if literal else 0
    if args.check:
        left = remaining_roles()
        for path, number, role in left:
            print(f"{path.relative_to(ROOT)}:{number}: {role}")
        return 1 if left else 0
    changed = convert()
    for path in changed:
        print(f"converted: {path.relative_to(ROOT)}")
    sys.path.insert(0, str(ROOT / "scripts"))
    from gen_inline_docs import main as refresh_listings

    return refresh_listings([])


if __name__ == "__main__":
    sys.exit(main())
