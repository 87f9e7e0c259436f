#!/usr/bin/env python3
"""layering.py -- fail on any #include against etsim's layers, on any
cycle between modules, and on the library reading the environment.

Each source file belongs to the layer of its folder (LAYERS below, the same
table as the libraries in CMakeLists.txt). A file may include headers of its
own layer and of the layers its layer is allowed to use (ALLOWED, the
target_link_libraries edges, taken transitively). Tests and fuzz targets
(tests/, */fuzz/) sit above everything and are not checked.

A module is a .c/.h pair (sim/core/util.c + util.h; a private header
NAME_internal.h or NAME_int.h belongs to NAME). Module A uses module B when
a file of A includes B's header; a cycle among modules (A uses B uses ...
uses A) is reported with its members, since it means neither can be
understood or replaced alone. Given the build directory, the same is done
for the object files of the libraries (nm): file A uses file B when A
calls a function or reads a variable that B defines. Cycles known and not
yet broken are listed in KNOWN_CYCLES: a new cycle fails, and so does a
listed one that is gone (remove it from the list).

The library reads no environment and bakes in no source-tree path: outside
the CLI (sim/cli), code (comments aside) may not name getenv, secure_getenv,
environ, ETSIM_SOURCE_DIR or ETSIM_SHARED_DIR; what the environment says
reaches the library through options the CLI fills. ENV_EXCEPTIONS lists the
deliberate exceptions with their reason.

Usage: tests/layering.py [SOURCE_DIR [BUILD_DIR]]  (exit 0 clean, 1 not)
"""
import os
import re
import sys

# folder -> layer; the longest matching prefix wins.
LAYERS = {
    "sim/core": "core",
    "sim/data": "data",
    "sim/engine": "engine",
    "selectors": "selectors",
    "traces": "traces",
    "sim/synthetic": "synthetic",
    "gpu_model": "gpu",
    "sim/eval": "eval",
    "traces/capture": "capture",
    "sim/sweep": "sweep",
    "sim/exec": "exec",
    "plots": "plots",
    "sim": "etsim",          # sim/etsim.c: the front door
    "sim/cli": "cli",
}

# layer -> layers it may use directly (closed transitively below).
ALLOWED = {
    "core": [],
    "data": ["core"],
    "engine": ["core"],
    "selectors": ["engine"],
    "traces": ["engine"],
    "synthetic": ["engine"],
    "gpu": ["engine"],
    "eval": ["traces", "data"],
    "capture": ["eval", "selectors", "traces"],
    "sweep": ["eval", "gpu", "synthetic", "selectors"],
    "exec": ["selectors"],
    "plots": ["sweep"],
    "etsim": ["sweep", "capture", "synthetic", "traces", "exec"],
    "cli": ["etsim", "plots"],
}

# Object-file cycles that exist and are to be broken (each a sorted list).
KNOWN_CYCLES = [
]

# (file, name) -> why that file may name it
ENV_EXCEPTIONS = {
    ("traces/capture/config.c", "getenv"):
        "a capture config's api_key_env names the variable that holds the API key "
        "(user-requested configuration; keys stay out of files)",
    ("sim/exec/exec_selector.c", "environ"):
        "hands the process environment on, unread, to the selector command the user "
        "named (exec:COMMAND)",
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
ENVIRONMENT = re.compile(r"\b(getenv|secure_getenv|environ|ETSIM_SOURCE_DIR|ETSIM_SHARED_DIR)\b")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def closure(layer, seen=None):
    seen = set() if seen is None else seen
    for d in ALLOWED[layer]:
        if d not in seen:
            seen.add(d)
            closure(d, seen)
    return seen


def layer_of(path):
    folder = os.path.dirname(path)
    best = None
    for prefix in LAYERS:
        if folder == prefix or folder.startswith(prefix + "/"):
            if best is None or len(prefix) > len(best):
                best = prefix
    if best is None:
        return None
    # sim/<other> folders not in the table are an error, not the "sim" layer
    if best == "sim" and folder != "sim":
        return None
    return LAYERS[best]


def sources(root):
    for d, dirs, files in os.walk(root):
        rel = os.path.relpath(d, root)
        dirs[:] = [x for x in dirs if not x.startswith((".", "build")) and x != "fuzz"]
        if rel.split(os.sep)[0] in ("tests", "scripts", ".git"):
            dirs[:] = []
            continue
        for f in files:
            if f.endswith((".c", ".h")):
                yield os.path.normpath(os.path.join(rel, f))


def find_cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def module_of(path):
    mod = os.path.splitext(path)[0]
    return re.sub(r"_(internal|int)$", "", mod)


def symbol_cycles(build, root):
    """Cycles among the library object files under BUILD (nm -g). Objects
    whose source is gone are left over in a reused build tree from an older
    layout (CMake never deletes them), so only live sources count."""
    import glob
    import subprocess
    defs, undefs = {}, {}
    objs = []
    for target in glob.glob(os.path.join(build, "CMakeFiles", "etsim*.dir")):
        info = os.path.join(target, "DependInfo.cmake")
        if os.path.exists(info):  # the target's current objects
            with open(info, encoding="utf-8") as fp:
                listed = re.findall(r'"(CMakeFiles/etsim[^"/]*\.dir/[^"]*\.o)"', fp.read())
            objs += [os.path.join(build, o) for o in listed]
        else:
            objs += glob.glob(os.path.join(target, "**", "*.o"), recursive=True)
    objs = sorted(o for o in set(objs) if "fuzzlib" not in o and os.path.exists(o) and
                  os.path.exists(os.path.join(root, o.split(".dir" + os.sep, 1)[1][:-2])))
    for o in objs:
        name = o.split(".dir" + os.sep, 1)[1][:-2]
        out = subprocess.run(["nm", "-g", o], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in "TDBRCV":
                defs[p[2]] = name
            elif len(p) == 2 and p[0] == "U":
                undefs.setdefault(name, set()).add(p[1])
    graph = {}
    for f, syms in undefs.items():
        for sym in syms:
            if sym in defs and defs[sym] != f:
                graph.setdefault(f, set()).add(defs[sym])
    return len(objs), [" <-> ".join(c) for c in find_cycles(graph)]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    root = os.path.abspath(root)
    errors = []
    modules = {}
    files = sorted(sources(root))
    for f in files:
        layer = layer_of(f)
        if layer is None:
            errors.append(f"{f}: folder belongs to no layer (tests/layering.py LAYERS)")
            continue
        ok = closure(layer) | {layer}
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fp:
            text = fp.read()
        mod = module_of(f)
        if layer != "cli":
            code = COMMENT.sub(" ", text)
            for name in sorted(set(ENVIRONMENT.findall(code))):
                if (f, name) in ENV_EXCEPTIONS:
                    continue
                errors.append(f"{f}: names {name}: the library reads no environment (pass it "
                              f"through options the CLI fills)")
        for inc in INCLUDE.findall(text):
            if not os.path.exists(os.path.join(root, inc)):
                continue  # a system header spelled with quotes, or generated
            to = layer_of(inc)
            if to not in ok:
                errors.append(f"{f}: includes {inc} (layer {to}), but layer {layer} may use only "
                              f"{', '.join(sorted(ok))}")
            target = module_of(inc)
            if target != mod:
                modules.setdefault(mod, set()).add(target)
    for comp in find_cycles(modules):
        errors.append("module cycle: " + " <-> ".join(comp))
    if len(sys.argv) > 2:
        n_objs, cycles = symbol_cycles(sys.argv[2], root)
        if n_objs == 0:
            errors.append(f"{sys.argv[2]}: no library object files (build first)")
        for c in cycles:
            if c not in KNOWN_CYCLES:
                errors.append(f"object-file cycle: {c}")
        for c in KNOWN_CYCLES:
            if n_objs and c not in cycles:
                errors.append(f"known cycle is gone (remove it from KNOWN_CYCLES): {c}")
    for e in errors:
        print(e)
    print(f"layering: {len(files)} files, {len(errors)} problem(s)", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
