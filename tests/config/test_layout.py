"""The layout holds: apps depend on each other one way only, and the shared plumbing depends on none.

providers <- accounts <- catalog <- usage <- playground <- arena; webhooks plugs in on top (through the
registries of accounts.hooks and usage.events) and nothing imports it. Every import counts, including
the ones inside functions: a cycle hidden in a function body is still a cycle.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["providers", "accounts", "catalog", "usage", "playground", "arena"]
APPS = [*LAYERS, "webhooks"]
# Each app may import the plumbing (config) and the apps below it.
ALLOWED = {app: set(LAYERS[:i]) for i, app in enumerate(LAYERS)} | {"webhooks": set(LAYERS) - {"playground", "arena"}}
# Plumbing is imported by the apps, so it imports none of them. The modules that put the site
# together (settings, URLs, the ASGI/WSGI entry points, the page context, the health check) do.
COMPOSITION = {
    "config.urls",
    "config.gateway_urls",
    "config.asgi",
    "config.wsgi",
    "config.context_processors",
    "config.health",
}


def _modules(package: str) -> list[tuple[str, Path]]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT).with_suffix("")
        if "migrations" in relative.parts:
            continue
        name = ".".join(relative.parts).removesuffix(".__init__")
        found.append((name, path))
    return found


def _imported(name: str, path: Path) -> set[str]:
    """Top-level packages of everything the module imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the module's own package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                targets.add(f"{base}.{node.module}" if node.module else base)
            else:
                targets.add(node.module or "")
    return {target.split(".")[0] for target in targets}


def _edges() -> dict[str, dict[str, set[str]]]:
    """app -> {app it imports: the modules that do}."""
    edges: dict[str, dict[str, set[str]]] = {app: {} for app in [*APPS, "config"]}
    for app in edges:
        for name, path in _modules(app):
            if app == "config" and (name in COMPOSITION or name.startswith("config.settings")):
                continue
            for target in _imported(name, path) & set(APPS) - {app}:
                edges[app].setdefault(target, set()).add(name)
    return edges


def _cycle(edges: dict[str, dict[str, set[str]]]) -> list[str] | None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(app: str) -> list[str] | None:
        if app in visiting:
            return [*visiting[visiting.index(app) :], app]
        if app in done:
            return None
        visiting.append(app)
        for target in edges.get(app, {}):
            if found := visit(target):
                return found
        visiting.pop()
        done.add(app)
        return None

    return next((found for app in edges if (found := visit(app))), None)


def test_no_app_imports_another_in_a_cycle():
    assert _cycle(_edges()) is None


def test_every_import_between_apps_points_down_the_layers():
    edges = _edges()
    wrong = {
        f"{app} -> {target}": sorted(modules)
        for app, targets in edges.items()
        for target, modules in targets.items()
        if target not in ALLOWED.get(app, set())
    }
    assert wrong == {}


def test_the_walk_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from playground.models import Conversation\n    import usage.ledger\n")
    assert _imported("accounts.late", module) == {"playground", "usage"}


def test_a_cycle_is_found():
    assert _cycle({"usage": {"playground": {"usage.x"}}, "playground": {"usage": {"playground.y"}}}) == [
        "usage",
        "playground",
        "usage",
    ]
