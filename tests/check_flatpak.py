#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks that the Flatpak manifest agrees with the meson build.

  check_flatpak.py MANIFEST APP_ID BINARY SOURCE_ROOT BUILD_ROOT

- the manifest's id and command are meson's application id and binary, and the
  binary is one the build installs;
- the last module is this project, built with meson from the source tree;
- OpenBLAS (not in the GNOME runtime) is a module built from a pinned release
  archive (sha256), before the project;
- finish-args are exactly the sandbox the app needs: files come through the
  portal, so no --filesystem but PipeWire's socket, which with --device=all
  (the /dev/video* nodes) lets the live camera reach a camera;
- every dependency the meson files ask for is in the GNOME runtime or built by a
  module of the manifest;
- the build installs the models the application loads, its desktop file,
  metainfo, schema and icons.
"""

import json
import os
import re
import sys

# what the sandbox may ask for: a Wayland/X11 GUI with GPU rendering; photos,
# folders and videos come through the file chooser portal
# folders and videos come through the file chooser portal; the live camera
# reads /dev/video* (--device=all) or PipeWire (its socket)
CAMERA_FINISH_ARGS = {'--device=all', '--filesystem=xdg-run/pipewire-0'}
ALLOWED_FINISH_ARGS = {'--share=ipc', '--socket=wayland', '--socket=fallback-x11', '--device=dri'} | CAMERA_FINISH_ARGS

# pkg-config names (and libraries) org.gnome.Platform provides. GStreamer there
# decodes H.264 through the Freedesktop runtime's gst-libav with its codecs-extra
# and openh264 extensions, which Flatpak installs with the runtime: nothing to
# bundle for videos.
RUNTIME_PROVIDES = {
    'glib-2.0', 'gio-2.0', 'gio-unix-2.0', 'gobject-2.0', 'gmodule-2.0', 'gthread-2.0',
    'json-glib-1.0', 'gtk4', 'libadwaita-1', 'gdk-pixbuf-2.0', 'cairo', 'cairo-svg', 'pango', 'pangocairo',
    'graphene-gobject-1.0', 'gstreamer-1.0', 'gstreamer-app-1.0', 'gstreamer-video-1.0',
    'gstreamer-base-1.0', 'gstreamer-audio-1.0', 'gstreamer-pbutils-1.0', 'gstreamer-tag-1.0',
    'gstreamer-allocators-1.0', 'gstreamer-gl-1.0', 'zlib', 'libpng', 'threads', 'm', 'dl',
    'sqlite3', 'libjpeg',
    # the GUI test's optional key presses through the X server (XTest)
    'x11', 'xtst', 'gtk4-x11',
}
# what the runtime lacks, and the manifest module that builds it
MODULE_PROVIDES = {
    'openblas': 'openblas',
}
# the models the application finds under $datadir/transfer-studio/models
MODEL_REF = re.compile(r'"models"\s*,\s*"([A-Za-z0-9_.-]+\.safetensors)"')
DEPENDENCY = re.compile(r"\b(?:dependency|find_library)\(\s*'([^']+)'")
SKIP_DIRS = {'.git', 'subprojects', '.flatpak-builder'}

failures = []


def fail(msg):
    failures.append(msg)
    print('FAIL: ' + msg)


def ok(msg):
    print('ok: ' + msg)


def meson_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        # build folders hold no meson.build of ours
        dirnames[:] = sorted(d for d in dirnames
                             if d not in SKIP_DIRS and not d.startswith(('build', '_build'))
                             and not os.path.exists(os.path.join(dirpath, d, 'meson-private')))
        if 'meson.build' in filenames:
            yield os.path.join(dirpath, 'meson.build')


def check_identity(manifest, app_id, binary):
    mid = manifest.get('id', manifest.get('app-id'))
    if mid != app_id:
        fail(f'manifest id {mid!r}, meson app_id {app_id!r}')
    else:
        ok(f'id {mid}')
    if manifest.get('command') != binary:
        fail(f'manifest command {manifest.get("command")!r}, the binary is {binary!r}')
    else:
        ok(f'command {binary}')
    if manifest.get('runtime') != 'org.gnome.Platform' or manifest.get('sdk') != 'org.gnome.Sdk':
        fail('runtime/sdk should be org.gnome.Platform/org.gnome.Sdk')
    version = str(manifest.get('runtime-version', ''))
    if not version.isdigit() or int(version) < 49:
        fail(f'runtime-version {version!r}: GNOME 49 or later (GtkFileDialog, AdwAboutDialog, '
             f'AdwToolbarView, AdwNavigationSplitView are all there)')
    else:
        ok(f'runtime org.gnome.Platform//{version}')


def check_camera_access(manifest):
    args = manifest.get('finish-args', [])
    missing = sorted(CAMERA_FINISH_ARGS - set(args))
    if missing:
        fail(f'the live camera needs finish-args {missing}')
    else:
        ok('the live camera reaches /dev/video* and PipeWire')
    # the user's files stay behind the portal: PipeWire's socket is the one path
    paths = [a for a in args if a.startswith('--filesystem=')]
    if paths != ['--filesystem=xdg-run/pipewire-0']:
        fail(f'--filesystem beyond the PipeWire socket: {paths}')


def check_finish_args(manifest):
    args = manifest.get('finish-args', [])
    if len(args) != len(set(args)):
        fail(f'finish-args has duplicates: {args}')
    if set(args) != ALLOWED_FINISH_ARGS:
        extra = sorted(set(args) - ALLOWED_FINISH_ARGS)
        missing = sorted(ALLOWED_FINISH_ARGS - set(args))
        fail(f'finish-args: unexpected {extra}, missing {missing}')
    else:
        ok('finish-args ' + ' '.join(args))
    for a in args:
        # the camera's PipeWire socket is checked by check_camera_access
        if a.startswith('--filesystem') and a not in CAMERA_FINISH_ARGS:
            fail(f'{a}: files come through the portal, the sandbox needs no file system access')


def check_modules(manifest):
    modules = manifest.get('modules', [])
    if not modules or not isinstance(modules[-1], dict):
        fail('no modules, or the last one is not inline')
        return {}
    app = modules[-1]
    if app.get('buildsystem') != 'meson':
        fail(f'last module {app.get("name")!r} is built with {app.get("buildsystem")!r}, not meson')
    sources = app.get('sources', [])
    if (len(sources) != 1 or sources[0].get('type') != 'dir'
            or os.path.normpath(sources[0].get('path', '')) != '.'):
        fail(f'last module sources {sources}: expected one {{"type": "dir", "path": "."}}')
    else:
        ok(f'last module {app.get("name")} is this tree, built with meson')

    by_name = {}
    for m in modules[:-1]:
        if isinstance(m, dict):
            by_name[m.get('name', '').lower()] = m

    blas = by_name.get('openblas')
    if blas is None:
        fail('no openblas module (OpenBLAS is not in the GNOME runtime)')
    else:
        src = blas.get('sources', [])
        archives = [s for s in src if s.get('type') == 'archive']
        if len(archives) != 1:
            fail(f'openblas sources {src}: expected one pinned archive')
        else:
            a = archives[0]
            url, sha = a.get('url', ''), a.get('sha256', '')
            pinned = True
            if not re.fullmatch(r'https://github\.com/OpenMathLib/OpenBLAS/releases/download/'
                                r'v(\d+\.\d+\.\d+)/OpenBLAS-\1\.tar\.gz', url):
                fail(f'openblas url {url!r} is not a GitHub release tarball')
                pinned = False
            if not re.fullmatch(r'[0-9a-f]{64}', sha):
                fail(f'openblas sha256 {sha!r} is not 64 hex digits')
                pinned = False
            if pinned:
                ok(f'openblas from {url}, sha256 {sha}')
        commands = ' '.join(blas.get('build-commands', []))
        for flag in ('NO_LAPACK=1', 'USE_OPENMP=0', 'PREFIX=/app', 'install'):
            if flag not in commands:
                fail(f'openblas build-commands lack {flag}')
    cleanup = set(manifest.get('cleanup', []))
    for pattern in ('/include', '/lib/pkgconfig', '*.a'):
        if pattern not in cleanup:
            fail(f'cleanup lacks {pattern!r}: headers, pkg-config files and static '
                 f'libraries are not needed at run time')
    return by_name


def check_dependencies(source_root, modules_by_name):
    needed = {}
    for path in meson_files(source_root):
        with open(path, encoding='utf-8') as f:
            for name in DEPENDENCY.findall(f.read()):
                needed.setdefault(name, os.path.relpath(path, source_root))
    for name, where in sorted(needed.items()):
        if name in RUNTIME_PROVIDES:
            continue
        module = MODULE_PROVIDES.get(name)
        if module is None:
            fail(f'{where} needs {name!r}: add a module that builds it to the manifest '
                 f'(and to MODULE_PROVIDES here), or to RUNTIME_PROVIDES if org.gnome.Platform has it')
        elif module not in modules_by_name:
            fail(f'{where} needs {name!r}, built by the module {module!r}, which the manifest lacks')
    ok(f'meson dependencies covered: {", ".join(sorted(needed))}')


def check_installed(source_root, build_root, app_id, binary):
    intro = os.path.join(build_root, 'meson-info', 'intro-installed.json')
    try:
        with open(intro, encoding='utf-8') as f:
            installed = list(json.load(f).values())
    except OSError as e:
        fail(f'cannot read what the build installs: {e}')
        return

    def installs(suffix):
        return any(p.replace(os.sep, '/').endswith(suffix) for p in installed)

    models = set()
    for top in ('app', 'widgets'):
        for dirpath, _, filenames in os.walk(os.path.join(source_root, top)):
            for name in filenames:
                if name.endswith('.c'):
                    with open(os.path.join(dirpath, name), encoding='utf-8', errors='replace') as f:
                        models.update(MODEL_REF.findall(f.read()))
    models.update({'transfer-ferplus.safetensors', 'yunet.safetensors'})
    expected = [f'/share/transfer-studio/models/{m}' for m in sorted(models)]
    expected += [
        f'/bin/{binary}',
        f'/share/applications/{app_id}.desktop',
        f'/share/metainfo/{app_id}.metainfo.xml',
        f'/share/glib-2.0/schemas/{app_id}.gschema.xml',
        f'/share/icons/hicolor/scalable/apps/{app_id}.svg',
        f'/share/icons/hicolor/symbolic/apps/{app_id}-symbolic.svg',
    ]
    for suffix in expected:
        if installs(suffix):
            ok(f'installs ...{suffix}')
        else:
            fail(f'the build does not install ...{suffix}')


def main(argv):
    if len(argv) != 6:
        print(__doc__)
        return 2
    manifest_path, app_id, binary, source_root, build_root = argv[1:]
    with open(manifest_path, encoding='utf-8') as f:
        manifest = json.load(f)
    check_identity(manifest, app_id, binary)
    check_finish_args(manifest)
    check_camera_access(manifest)
    by_name = check_modules(manifest)
    check_dependencies(source_root, by_name)
    check_installed(source_root, build_root, app_id, binary)
    if failures:
        print(f'{len(failures)} problem(s)')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
