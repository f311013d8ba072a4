"""Writes the docstrings of Python's standard library as JSON lines, for `quarry demo --texts`.

One line per public function, class and method that has a docstring of its own (inherited ones are
skipped): {"name": "module.Class.method", "doc": "the cleaned docstring"}, sorted by name. A name
reachable from two modules (an alias, a re-export) is written under each: those identical docstrings
are the catalog's known duplicates. Modules that open windows, print on import or only exist on other
systems are not imported.
"""
import contextlib
import importlib
import inspect
import io
import json
import sys
import warnings

SKIP = {
    "antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "test", "lib2to3", "ensurepip",
    "venv", "pydoc_data", "msilib", "winreg", "winsound", "msvcrt", "nt", "xxsubtype", "xxlimited",
    "xxlimited_35", "__hello__", "__phello__", "sre_compile", "sre_constants", "sre_parse", "idle",
    "asyncio.__main__", "crypt", "nis", "spwd", "ossaudiodev", "_tkinter", "tomllib",
}


def module_names():
    names = getattr(sys, "stdlib_module_names", None)
    if names is None:  # before Python 3.10
        import pkgutil
        import sysconfig
        names = {m.name for m in pkgutil.iter_modules([sysconfig.get_paths()["stdlib"]])}
        names |= set(sys.builtin_module_names)
    return sorted(n for n in names if not n.startswith("_") and n not in SKIP)


def skipped(name):
    parts = name.split(".")
    return (any(part.startswith("_") or part in ("test", "tests", "idle_test") for part in parts)
            or name in SKIP or parts[0] in SKIP)


def with_submodules(name, module):
    """The module, then its submodules when it is a package (email.mime.text, xml.etree.ElementTree...)."""
    yield name, module
    path = getattr(module, "__path__", None)
    if not path:
        return
    import pkgutil
    for info in sorted(pkgutil.walk_packages(path, name + ".", onerror=lambda n: None), key=lambda i: i.name):
        if skipped(info.name):
            continue
        sub = quiet_import(info.name)
        if sub is not None:
            yield info.name, sub


def quiet_import(name):
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return importlib.import_module(name)
    except BaseException:
        return None


def own_doc(obj):
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    if not isinstance(doc, str):
        return None
    doc = inspect.cleandoc(doc).strip()
    return doc or None


def entries(module_name, module):
    for name in sorted(dir(module)):
        if name.startswith("_"):
            continue
        try:
            obj = getattr(module, name)
        except Exception:
            continue
        if inspect.ismodule(obj):
            continue
        if inspect.isclass(obj):
            doc = own_doc(obj)
            if doc:
                yield module_name + "." + name, doc
            for attr, member in sorted(vars(obj).items()):
                if attr.startswith("_"):
                    continue
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if inspect.isfunction(member) or inspect.ismethoddescriptor(member) or inspect.isbuiltin(member):
                    doc = own_doc(member)
                    if doc:
                        yield module_name + "." + name + "." + attr, doc
        elif inspect.isfunction(obj) or inspect.isbuiltin(obj):
            doc = own_doc(obj)
            if doc:
                yield module_name + "." + name, doc


def main():
    seen = {}
    warnings.simplefilter("ignore")
    for top in module_names():
        module = quiet_import(top)
        if module is None:
            continue
        for module_name, sub in with_submodules(top, module):
            for name, doc in entries(module_name, sub):
                seen.setdefault(name, doc)
    out = sys.stdout
    for name in sorted(seen):
        out.write(json.dumps({"name": name, "doc": seen[name]}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
