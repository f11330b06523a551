#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The layering rules of HACKING.md, checked on the sources and the objects.

usage: check_layers.py SOURCE_ROOT BUILD_ROOT

1. Includes: model/ includes neither GTK nor GStreamer; app/media/ and app/cli/
   include no GTK; widgets/ includes nothing of ours outside widgets/.
2. No tf_cli_ symbol outside app/cli/.
3. No two source files use each other's symbols in a circle (read from the
   object files with nm). A class split over files that share a private
   header (tf-window.c, tf-window-actions.c and tf-window-private.h) counts as
   one file.
"""
import os
import re
import subprocess
import sys

LIB_DIRS = ('model', 'app', 'widgets')
FORBIDDEN = {
    'model': re.compile(r'#\s*include\s*[<"](gtk/|adwaita|gst/|gdk/|gdk-pixbuf/)'),
    'app/media': re.compile(r'#\s*include\s*[<"](gtk/|adwaita|gdk/)'),
    'app/cli': re.compile(r'#\s*include\s*[<"](gtk/|adwaita|gdk/)'),
}
# which of our folders a folder may include from (its own and those below it)
ALLOWED_OWN = {
    'model': {'model'},
    'app/media': {'app/media', 'model'},
    'app/cli': {'app/cli', 'app/media', 'model'},
    'app/studio': {'app/studio', 'app/media', 'model', 'widgets'},
    'widgets': {'widgets'},
}


def layer_of(rel):
    for layer in sorted(ALLOWED_OWN, key=len, reverse=True):
        if rel == layer or rel.startswith(layer + '/'):
            return layer
    return None


def sources(src):
    for d in LIB_DIRS:
        for root, _, files in os.walk(os.path.join(src, d)):
            for f in files:
                if f.endswith(('.c', '.h')):
                    yield os.path.relpath(os.path.join(root, f), src)


def unit_of(src, path):
    """tf-window-actions.c -> tf-window when tf-window-private.h sits beside it."""
    d, base = os.path.split(path)
    stem = base.rsplit('.', 1)[0]
    parts = stem.split('-')
    for n in range(len(parts), 0, -1):
        head = '-'.join(parts[:n])
        if os.path.exists(os.path.join(src, d, head + '-private.h')):
            return os.path.join(d, head)
    return os.path.join(d, stem)


def check_includes(src, errors):
    header_layer = {}
    for rel in sources(src):
        if rel.endswith('.h'):
            header_layer.setdefault(os.path.basename(rel), layer_of(os.path.dirname(rel)))
    for rel in sources(src):
        layer = layer_of(os.path.dirname(rel))
        if layer is None:
            errors.append('%s: outside the known layers' % rel)
            continue
        with open(os.path.join(src, rel), encoding='utf-8') as f:
            text = f.read()
        for prefix, rx in FORBIDDEN.items():
            if layer == prefix or layer.startswith(prefix + '/'):
                m = rx.search(text)
                if m:
                    errors.append('%s: includes %s, which its layer must not' % (rel, m.group(0)))
        for inc in re.findall(r'#\s*include\s*"([^"]+)"', text):
            target = header_layer.get(os.path.basename(inc))
            if target is not None and target not in ALLOWED_OWN[layer]:
                errors.append('%s: includes %s from %s/, above or beside its layer %s/'
                              % (rel, inc, target, layer))
        if not layer.startswith('app/cli') and re.search(r'\btf_cli_', text):
            errors.append('%s: uses a tf_cli_ name outside app/cli/' % rel)


def nm_all(objs, flags):
    """{object: set of symbols}, from one nm run over all the objects."""
    result = {o: set() for o in objs}
    out = subprocess.run(['nm', '-P', '-A'] + flags + objs, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        # "path/obj.o: symbol T value size"
        head, _, rest = line.partition(': ')
        if head in result and rest.strip():
            result[head].add(rest.split()[0])
    return result


def check_cycles(src, build, errors):
    defined = {}
    used = {}
    units = {}
    for root, _, files in os.walk(build):
        rel_root = os.path.relpath(root, build)
        if not rel_root.split(os.sep)[0] in LIB_DIRS:
            continue
        for f in files:
            if not f.endswith('.c.o') or f.startswith('meson-generated'):
                continue
            source = os.path.join(os.path.dirname(rel_root), f[:-2])
            if not os.path.exists(os.path.join(src, source)):
                continue
            units[os.path.join(root, f)] = unit_of(src, source)
    objs = sorted(units)
    if objs:
        for obj, syms in nm_all(objs, ['--defined-only', '-g']).items():
            for sym in syms:
                defined.setdefault(sym, units[obj])
        for obj, syms in nm_all(objs, ['-u']).items():
            used.setdefault(units[obj], set()).update(syms)
    if not used:
        errors.append('no object files found under %s' % build)
        return
    graph = {u: set() for u in used}
    for unit, syms in used.items():
        for s in syms:
            d = defined.get(s)
            if d is not None and d != unit:
                graph[unit].add(d)
    # Tarjan's strongly connected components
    index, low, stack, on, sccs = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
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
            sccs.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            strong(v)
    for comp in sccs:
        if len(comp) > 1:
            detail = []
            for a in sorted(comp):
                for b in sorted(graph[a] & set(comp)):
                    syms = sorted(s for s in used[a] if defined.get(s) == b)[:3]
                    detail.append('  %s -> %s (%s)' % (a, b, ', '.join(syms)))
            errors.append('files that use each other in a circle: %s\n%s'
                          % (', '.join(sorted(comp)), '\n'.join(detail)))
    if not any(len(c) > 1 for c in sccs):
        print('%d files, %d uses between them, no cycle' % (len(graph), sum(len(v) for v in graph.values())))


def main():
    src, build = sys.argv[1], sys.argv[2]
    errors = []
    check_includes(src, errors)
    check_cycles(src, build, errors)
    for e in errors:
        print('check_layers: ' + e)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
