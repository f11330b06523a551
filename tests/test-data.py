#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validates the application's data files; one check per command, run by meson's 'data' suite.

  test-data.py desktop FILE             desktop-file-validate, hints allowed
  test-data.py metainfo FILE            appstreamcli validate --no-net, no errors or warnings
  test-data.py schemas DIR [COMPILED]   glib-compile-schemas --strict --dry-run; with the
                                        build's compiled schemas, the agreed keys and defaults
  test-data.py icons APP_ID SVG...      well-formed SVG, named for the app, loadable by gdk-pixbuf
  test-data.py flatpak-manifest FILE    flatpak-builder --show-manifest
  test-data.py potfiles SRCROOT [--write]
                                        po/POTFILES.in lists exactly the files with translatable strings
  test-data.py translation SRCROOT LANG po/LANG.po translates every message of a fresh template
  test-data.py defaults SRCROOT         the schema's defaults follow the header constants
  test-data.py mime XML DESKTOP CLI BUILDROOT PICTURE
                                        the projects' MIME type: valid, installed as APP_ID.xml,
                                        in the desktop file, and what GIO says of a project made
                                        by `CLI project new` from PICTURE, also renamed

Exit status 77 (skipped) only when the tool a check needs is missing.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SKIP = 77
SVG_NS = '{http://www.w3.org/2000/svg}'

# the files that always carry translatable strings besides the sources
DATA_POTFILES = [
    'data/com.example.TransFER.desktop.in',
    'data/com.example.TransFER.gschema.xml',
    'data/com.example.TransFER.metainfo.xml.in',
]
# where sources with translatable strings live, and how each kind marks them
SOURCE_DIRS = ['app', 'data', 'model', 'widgets']
C_MARK = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|g_dngettext|g_dpgettext2|ngettext)\s*\(')
UI_MARK = re.compile(r'translatable\s*=\s*["\'](?:yes|true|1)["\']')
# the keywords of meson's 'glib' gettext preset
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
]


def need(tool):
    path = shutil.which(tool)
    if path is None:
        print(f'SKIP: {tool} is not installed')
        sys.exit(SKIP)
    return path


def run(argv, **kwargs):
    print('$ ' + ' '.join(argv), flush=True)
    return subprocess.run(argv, text=True, capture_output=True, **kwargs)


def show(proc):
    if proc.stdout:
        print(proc.stdout, end='' if proc.stdout.endswith('\n') else '\n')
    if proc.stderr:
        print(proc.stderr, end='' if proc.stderr.endswith('\n') else '\n')


def check_desktop(path):
    proc = run([need('desktop-file-validate'), path])
    show(proc)
    errors = [l for l in (proc.stdout + proc.stderr).splitlines() if ': error:' in l]
    if proc.returncode != 0 or errors:
        return 1
    return 0


def check_metainfo(path):
    proc = run([need('appstreamcli'), 'validate', '--no-net', '--explain', path])
    show(proc)
    if proc.returncode != 0:
        return 1
    # errors fail appstreamcli itself; warnings we refuse too (infos and pedantic hints may stay)
    warnings = [l for l in proc.stdout.splitlines() if l.startswith('W:')]
    if warnings:
        print(f'FAIL: {len(warnings)} warning(s) from appstreamcli')
        return 1
    return 0


# the settings the application and the other parts agree on: key -> (default, range)
SCHEMA_ID = 'com.example.TransFER'
SCHEMA_KEYS = {
    'model-file': ("''", 'type s'),
    'detector-threshold': ('0.6', 'range d 0.05 0.99'),
    'threads': ('0', 'range i 0 64'),
    'colormap': ("'viridis'", "enum 'viridis' 'magma' 'inferno' 'turbo' 'gray'"),
    'overlay-opacity': ('0.6', 'range d 0.0 1.0'),
    'video-fps': ('5.0', 'range d 0.0 60.0'),
    'window-width': ('1200', 'type i'),
    'window-height': ('800', 'type i'),
    'window-maximized': ('false', 'type b'),
    'project-file': ("''", 'type s'),
    'auto-advance': ('true', 'type b'),
    'annotator': ("''", 'type s'),
    'overlay-map': ("'max'", 'type s'),
    'crop-as-model': ('true', 'type b'),
    'mirror-average': ('true', 'type b'),
}


def normalise(value):
    """GVariant text of a double prints 0.6 as 0.59999999999999998: compare numbers as numbers."""
    words = []
    for w in value.split():
        try:
            words.append(repr(round(float(w), 9)) if '.' in w else w)
        except ValueError:
            words.append(w)
    return ' '.join(words)


def check_schemas(directory, compiled=None):
    proc = run([need('glib-compile-schemas'), '--strict', '--dry-run', directory])
    show(proc)
    if proc.returncode != 0:
        return 1
    if compiled is None:
        return 0
    gsettings = shutil.which('gsettings')
    if gsettings is None:
        print('note: gsettings is missing; checked that the schema compiles only')
        return 0
    env = dict(os.environ, GSETTINGS_BACKEND='memory')
    base = [gsettings, '--schemadir', compiled]
    proc = run(base + ['list-recursively', SCHEMA_ID], env=env)
    if proc.returncode != 0:
        show(proc)
        return 1
    found = {}
    for line in proc.stdout.splitlines():
        schema, key, value = line.split(' ', 2)
        found[key] = value
    failed = 0
    if set(found) != set(SCHEMA_KEYS):
        print(f'FAIL: keys {sorted(found)}, expected exactly {sorted(SCHEMA_KEYS)}')
        failed = 1
    for key, (default, rng) in SCHEMA_KEYS.items():
        if key not in found:
            continue
        if normalise(found[key]) != normalise(default):
            print(f'FAIL: {key} defaults to {found[key]}, expected {default}')
            failed = 1
        proc = run(base + ['range', SCHEMA_ID, key], env=env)
        got = ' '.join(proc.stdout.split())
        if normalise(got) != normalise(rng):
            print(f'FAIL: {key} range is {got!r}, expected {rng!r}')
            failed = 1
    if not failed:
        print(f'ok: {SCHEMA_ID} has the {len(SCHEMA_KEYS)} agreed keys, defaults and ranges')
    return failed


def svg_colours(root):
    """Every colour named by fill/stroke attributes or style properties."""
    colours = set()
    for el in root.iter():
        props = dict(el.attrib)
        for decl in el.attrib.get('style', '').split(';'):
            if ':' in decl:
                key, value = decl.split(':', 1)
                props[key.strip()] = value.strip()
        for key in ('fill', 'stroke', 'stop-color', 'color'):
            if key in props:
                colours.add((key, props[key].lower()))
    return colours


def check_icon(app_id, path):
    name = os.path.basename(path)
    symbolic = name.endswith('-symbolic.svg')
    problems = []
    expected = app_id + ('-symbolic.svg' if symbolic else '.svg')
    if name != expected:
        problems.append(f'named {name}, the icon theme looks for {expected}')
    with open(path, 'rb') as f:
        head = f.read(256)
    # gdk-pixbuf sniffs the first bytes for "<svg": a long preamble makes the icon unloadable
    if b'<svg' not in head:
        problems.append('the <svg> element does not start within the first 256 bytes')
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return [f'not well-formed XML: {e}']
    if root.tag != SVG_NS + 'svg':
        return [f'root element is {root.tag}, not an SVG <svg>']
    size = '16' if symbolic else '128'
    for attr in ('width', 'height'):
        if root.get(attr) != size:
            problems.append(f'{attr}="{root.get(attr)}", expected {size}')
    if root.get('viewBox', '').split() != ['0', '0', size, size]:
        problems.append(f'viewBox="{root.get("viewBox")}", expected "0 0 {size} {size}"')
    for el in root.iter():
        tag = el.tag.replace(SVG_NS, '')
        if tag in ('text', 'image', 'foreignObject', 'script'):
            problems.append(f'<{tag}> in an icon (fonts, rasters and scripts do not belong there)')
        for key, value in el.attrib.items():
            if key.endswith('href') and not value.startswith('#'):
                problems.append(f'external reference {value}')
    if symbolic:
        colours = svg_colours(root)
        fills = {v for k, v in colours if k == 'fill' and v not in ('none',)}
        strokes = {v for k, v in colours if k == 'stroke' and v != 'none'}
        if strokes:
            problems.append('strokes in a symbolic icon: GTK recolours fills only')
        if len(fills) > 1:
            problems.append(f'more than one colour in a symbolic icon: {sorted(fills)}')
        if any(el.tag.endswith('Gradient') for el in root.iter()):
            problems.append('gradient in a symbolic icon')
    elif root.find(SVG_NS + 'title') is None:
        problems.append('no <title>')

    # load it the way GTK does (gdk-pixbuf and its SVG loader), when the tools are here
    thumbnailer = shutil.which('gdk-pixbuf-thumbnailer')
    if thumbnailer:
        with tempfile.TemporaryDirectory() as tmp:
            png = os.path.join(tmp, 'icon.png')
            proc = run([thumbnailer, '-s', '64', path, png])
            if proc.returncode != 0 or not os.path.exists(png):
                show(proc)
                problems.append('gdk-pixbuf could not load it')
            else:
                with open(png, 'rb') as f:
                    if f.read(8) != b'\x89PNG\r\n\x1a\n':
                        problems.append('gdk-pixbuf did not render it to a PNG')
    else:
        print('note: gdk-pixbuf-thumbnailer is missing; checked the XML only')
    return problems


def check_icons(app_id, paths):
    failed = 0
    for path in paths:
        problems = check_icon(app_id, path)
        for p in problems:
            print(f'FAIL: {path}: {p}')
        if not problems:
            print(f'ok: {path}')
        failed |= bool(problems)
    return failed


def check_flatpak_manifest(path):
    # flatpak-builder leaves a .flatpak-builder state folder in its working directory
    with tempfile.TemporaryDirectory() as tmp:
        proc = run([need('flatpak-builder'), '--show-manifest', os.path.abspath(path)], cwd=tmp)
    # a misspelt key is only a warning ("Unknown property ... for type BuilderModule"): refuse it
    if proc.returncode != 0 or 'Unknown property' in proc.stderr or 'WARNING' in proc.stderr:
        show(proc)
        return 1
    print(proc.stdout[:2000])
    return 0


def translatable_sources(srcroot):
    found = set(DATA_POTFILES)
    for top in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(srcroot, top)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith('.'))
            for name in filenames:
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, srcroot)
                if name.endswith(('.c', '.h')):
                    mark = C_MARK
                elif name.endswith('.ui'):
                    mark = UI_MARK
                else:
                    continue
                with open(path, encoding='utf-8', errors='replace') as f:
                    if mark.search(f.read()):
                        found.add(rel)
    return sorted(found)


def read_potfiles(srcroot):
    with open(os.path.join(srcroot, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        return [l.strip() for l in f if l.strip() and not l.lstrip().startswith('#')]


POTFILES_HEADER = """\
# Files with translatable strings. Regenerate with
#   python3 tests/test-data.py potfiles . --write
# (every .c/.h under app/, data/, model/ and widgets/ that calls _(), N_(), C_(), NC_() or
# g_dngettext(), every .ui with translatable="yes", and the desktop, metainfo and schema files).
"""


def check_potfiles(srcroot, write):
    wanted = translatable_sources(srcroot)
    if write:
        with open(os.path.join(srcroot, 'po', 'POTFILES.in'), 'w', encoding='utf-8') as f:
            f.write(POTFILES_HEADER + ''.join(p + '\n' for p in wanted))
        print(f'wrote po/POTFILES.in: {len(wanted)} files')
        return 0
    listed = read_potfiles(srcroot)
    failed = 0
    for p in listed:
        if not os.path.exists(os.path.join(srcroot, p)):
            print(f'FAIL: po/POTFILES.in lists {p}, which does not exist')
            failed = 1
    for p in sorted(set(wanted) - set(listed)):
        print(f'FAIL: {p} has translatable strings but is not in po/POTFILES.in')
        failed = 1
    for p in sorted(set(listed) - set(wanted)):
        if os.path.exists(os.path.join(srcroot, p)):
            print(f'FAIL: po/POTFILES.in lists {p}, which has no translatable strings')
            failed = 1
    if failed:
        print('fix: python3 tests/test-data.py potfiles . --write')
    else:
        print(f'ok: po/POTFILES.in lists the {len(listed)} files with translatable strings')
    return failed


def check_translation(srcroot, lang):
    xgettext, msgmerge, msgfmt = need('xgettext'), need('msgmerge'), need('msgfmt')
    msgattrib = shutil.which('msgattrib')
    po = os.path.join(srcroot, 'po', lang + '.po')
    proc = run([msgfmt, '--check', '--statistics', '--output-file=' + os.devnull, po])
    show(proc)
    if proc.returncode != 0:
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        files = os.path.join(tmp, 'POTFILES')
        with open(files, 'w', encoding='utf-8') as f:
            f.write(''.join(p + '\n' for p in read_potfiles(srcroot)))
        pot = os.path.join(tmp, 'transfer-studio.pot')
        proc = run([xgettext, '--package-name=transfer-studio', '--directory=' + srcroot,
                    '--files-from=' + files, '--output=' + pot] + XGETTEXT_ARGS)
        show(proc)
        if proc.returncode != 0 or not os.path.exists(pot):
            return 1
        merged = os.path.join(tmp, lang + '.po')
        proc = run([msgmerge, '--quiet', '--output-file=' + merged, po, pot])
        show(proc)
        if proc.returncode != 0:
            return 1
        proc = run([msgfmt, '--check', '--statistics', '--output-file=' + os.devnull, merged])
        show(proc)
        if proc.returncode != 0:
            return 1
        stats = proc.stderr
        fuzzy = re.search(r'(\d+) fuzzy', stats)
        untranslated = re.search(r'(\d+) untranslated', stats)
        fuzzy = int(fuzzy.group(1)) if fuzzy else 0
        untranslated = int(untranslated.group(1)) if untranslated else 0
        if fuzzy or untranslated:
            print(f'FAIL: po/{lang}.po against a fresh template: {untranslated} untranslated, '
                  f'{fuzzy} fuzzy (run `meson compile -C BUILDDIR transfer-studio-update-po` '
                  f'and translate them)')
            if msgattrib:
                for flag in ('--untranslated', '--only-fuzzy'):
                    p = subprocess.run([msgattrib, flag, '--no-obsolete', '--no-wrap', merged],
                                       text=True, capture_output=True)
                    ids = re.findall(r'^msgid "(.+)"$', p.stdout, re.M)
                    for msgid in ids[:40]:
                        print(f'  {flag[2:]}: {msgid}')
                    if len(ids) > 40:
                        print(f'  ... and {len(ids) - 40} more')
            return 1
    print(f'ok: po/{lang}.po is complete')
    return 0


def check_defaults(srcroot):
    """A default is written once, in a header; the settings schema follows it."""
    with open(os.path.join(srcroot, 'model', 'tf-detect.h'), encoding='utf-8') as f:
        header = f.read()
    m = re.search(r'#define\s+TF_DETECT_DEFAULT_THRESHOLD\s+([0-9.]+)', header)
    if not m:
        print('FAIL: model/tf-detect.h defines no TF_DETECT_DEFAULT_THRESHOLD')
        return 1
    want = float(m.group(1))
    with open(os.path.join(srcroot, 'data', 'com.example.TransFER.gschema.xml'), encoding='utf-8') as f:
        schema = f.read()
    k = re.search(r'<key name="detector-threshold"[^>]*>.*?<default>([^<]+)</default>', schema, re.S)
    if not k or float(k.group(1)) != want:
        print(f'FAIL: the schema\'s detector-threshold default {k.group(1) if k else None} '
              f'differs from TF_DETECT_DEFAULT_THRESHOLD {want}')
        return 1
    print(f'ok: detector threshold default {want} in the header and the schema')
    return 0


MIME_NS = '{http://www.freedesktop.org/standards/shared-mime-info}'
PROJECT_TYPE = 'application/x-transfer-project'
# the match types of the shared-mime-info spec
MAGIC_TYPES = {'string', 'host16', 'host32', 'big16', 'big32', 'little16', 'little32', 'byte'}


def mime_problems(root):
    """What the shared-mime-info spec asks of a package file that a parser alone does not check."""
    problems = []
    if root.tag != MIME_NS + 'mime-info':
        return [f'root element {root.tag}, not mime-info in the shared-mime-info namespace']
    types = root.findall(MIME_NS + 'mime-type')
    if not types:
        problems.append('no mime-type')
    lang = '{http://www.w3.org/XML/1998/namespace}lang'
    for t in types:
        name = t.get('type', '')
        if not re.fullmatch(r'[a-z]+/[A-Za-z0-9][A-Za-z0-9.+_-]*', name):
            problems.append(f'type {name!r} is not a media type')
        comments = [c for c in t.findall(MIME_NS + 'comment') if c.get(lang) is None]
        if len(comments) != 1 or not (comments[0].text or '').strip():
            problems.append(f'{name}: needs exactly one untranslated comment')
        for el in t:
            tag = el.tag.replace(MIME_NS, '')
            if tag not in ('comment', 'acronym', 'expanded-acronym', 'sub-class-of', 'alias', 'glob',
                           'magic', 'treemagic', 'root-XML', 'icon', 'generic-icon', 'glob-deleteall',
                           'magic-deleteall'):
                problems.append(f'{name}: unknown element <{tag}>')
        for g in t.findall(MIME_NS + 'glob'):
            if not g.get('pattern'):
                problems.append(f'{name}: a glob without a pattern')
        for m in t.findall(MIME_NS + 'magic'):
            priority = m.get('priority', '50')
            if not priority.isdigit() or not 0 <= int(priority) <= 100:
                problems.append(f'{name}: magic priority {priority!r} is not 0..100')
            for match in m.iter(MIME_NS + 'match'):
                if match.get('type') not in MAGIC_TYPES:
                    problems.append(f'{name}: match type {match.get("type")!r}')
                if not re.fullmatch(r'\d+(:\d+)?', match.get('offset', '')):
                    problems.append(f'{name}: match offset {match.get("offset")!r}')
                if match.get('value') is None:
                    problems.append(f'{name}: a match without a value')
                elif match.get('type') != 'string':
                    try:
                        int(match.get('value'), 0)
                    except ValueError:
                        problems.append(f'{name}: match value {match.get("value")!r} is not a number')
    return problems


def desktop_mime_types(path):
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.startswith('MimeType='):
                return [t for t in line.strip().split('=', 1)[1].split(';') if t]
    return []


def content_type(gio, path, env):
    proc = run([gio, 'info', '--attributes=standard::content-type', path], env=env)
    m = re.search(r'standard::content-type:\s*(\S+)', proc.stdout)
    if proc.returncode != 0 or not m:
        show(proc)
        return None
    return m.group(1)


def check_mime(xml, desktop, cli, build_root, picture):
    failed = 0

    def bad(msg):
        nonlocal failed
        print('FAIL: ' + msg)
        failed = 1

    xmllint = shutil.which('xmllint')
    if xmllint:
        proc = run([xmllint, '--noout', xml])
        if proc.returncode != 0:
            show(proc)
            bad(f'{xml} is not well-formed XML')
    else:
        print('note: xmllint is missing; parsed with Python only')
    try:
        root = ET.parse(xml).getroot()
    except ET.ParseError as e:
        print(f'FAIL: {xml}: {e}')
        return 1
    for p in mime_problems(root):
        bad(f'{xml}: {p}')
    types = [t.get('type') for t in root.findall(MIME_NS + 'mime-type')]
    if PROJECT_TYPE not in types:
        bad(f'{xml} does not define {PROJECT_TYPE}')

    listed = desktop_mime_types(desktop)
    for t in types:
        if t not in listed:
            bad(f'{desktop}: MimeType lacks {t}')
    validate = shutil.which('desktop-file-validate')
    if validate:
        proc = run([validate, desktop])
        if proc.returncode != 0 or ': error:' in proc.stdout + proc.stderr:
            show(proc)
            bad(f'{desktop} does not validate')

    # Flatpak exports share/mime/packages/APP_ID.xml only
    app_id = os.path.basename(desktop)[:-len('.desktop')]
    try:
        with open(os.path.join(build_root, 'meson-info', 'intro-installed.json'), encoding='utf-8') as f:
            installed = [p.replace(os.sep, '/') for p in json.load(f).values()]
    except OSError as e:
        bad(f'cannot read what the build installs: {e}')
        installed = []
    if installed and not any(p.endswith(f'/share/mime/packages/{app_id}.xml') for p in installed):
        bad(f'the build does not install .../share/mime/packages/{app_id}.xml')

    # what GIO makes of a project: by its name, and by its content alone
    update, gio = need('update-mime-database'), need('gio')
    with tempfile.TemporaryDirectory() as tmp:
        data_home = os.path.join(tmp, 'share')
        packages = os.path.join(data_home, 'mime', 'packages')
        os.makedirs(packages)
        shutil.copy(xml, os.path.join(packages, app_id + '.xml'))
        env = dict(os.environ, XDG_DATA_HOME=data_home,
                   XDG_DATA_DIRS=os.environ.get('XDG_DATA_DIRS') or '/usr/local/share:/usr/share')
        proc = run([update, os.path.join(data_home, 'mime')], env=env)
        if proc.returncode != 0 or proc.stderr.strip():
            show(proc)
            bad('update-mime-database refused the file or warned')
        project = os.path.join(tmp, 'labels.tfproj')
        proc = run([cli, 'project', 'new', '--quiet', project, picture])
        if proc.returncode != 0:
            show(proc)
            bad('transfer-cli project new failed')
            return 1
        cases = [(project, PROJECT_TYPE)]
        for name in ('renamed.bin', 'no-suffix'):
            cases.append((os.path.join(tmp, name), PROJECT_TYPE))
            shutil.copyfile(project, cases[-1][0])
        # a SQLite file that is not a project stays plain SQLite
        try:
            import sqlite3
            plain = os.path.join(tmp, 'plain.bin')
            db = sqlite3.connect(plain)
            db.execute('CREATE TABLE t (x)')
            db.commit()
            db.close()
            cases.append((plain, 'application/vnd.sqlite3'))
        except ImportError:
            print('note: no sqlite3 module; a plain SQLite file is not checked')
        for path, want in cases:
            got = content_type(gio, path, env)
            if got != want:
                bad(f'{os.path.basename(path)}: GIO says {got}, expected {want}')
            else:
                print(f'ok: {os.path.basename(path)} is {got}')
    if not failed:
        print(f'ok: {PROJECT_TYPE} is defined, installed, in the desktop file and recognised by content')
    return failed


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == 'desktop':
        return check_desktop(args[0])
    if cmd == 'metainfo':
        return check_metainfo(args[0])
    if cmd == 'schemas':
        return check_schemas(args[0], args[1] if len(args) > 1 else None)
    if cmd == 'icons':
        return check_icons(args[0], args[1:])
    if cmd == 'flatpak-manifest':
        return check_flatpak_manifest(args[0])
    if cmd == 'potfiles':
        return check_potfiles(args[0], '--write' in args[1:])
    if cmd == 'translation':
        return check_translation(args[0], args[1])
    if cmd == 'defaults':
        return check_defaults(args[0])
    if cmd == 'mime':
        return check_mime(*args[:5])
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
