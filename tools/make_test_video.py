#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Makes the benchmark video: the sample photo moving and scaling over a
background, so that one face is always fully in view.

    tools/make_test_video.py OUT [--seconds 60] [--width 1280 --height 720] [--fps 30]

The photo (data/astronaut.png by default) is drawn whole, 40 % to 90 % of the
frame height, on a smooth Lissajous path, over a copy of itself blurred beyond
recognition (or a plain grey with --background plain). Frames are made one at a
time with numpy and PIL and piped to gst-launch-1.0 (fdsrc ! rawvideoparse),
so memory stays flat however long the video is. The extension picks the
format: .mp4 is H.264 (x264enc) in MP4, .webm is VP8 in WebM, .mkv is H.264
in Matroska.
"""
import argparse
import math
import os
import shutil
import subprocess
import sys
import time

import numpy as np
from PIL import Image, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PHOTO = os.path.join(HERE, '..', 'data', 'astronaut.png')


def encoder_for(path, fps, bitrate_kbps):
    """The gst-launch elements after rawvideoparse, by file extension."""
    ext = os.path.splitext(path)[1].lower()
    keyint = max(1, int(round(2 * fps)))   # a key frame every 2 s, as cameras do
    if ext in ('.mp4', '.m4v', '.mov', '.mkv'):
        mux = 'matroskamux' if ext == '.mkv' else 'mp4mux'
        return ['videoconvert', '!', 'video/x-raw,format=I420', '!',
                'x264enc', 'speed-preset=fast', f'bitrate={bitrate_kbps}', f'key-int-max={keyint}', '!',
                'video/x-h264,profile=high', '!', 'h264parse', '!', mux]
    if ext == '.webm':
        return ['videoconvert', '!', 'video/x-raw,format=I420', '!',
                'vp8enc', 'deadline=1', 'cpu-used=4', f'target-bitrate={bitrate_kbps * 1000}',
                f'keyframe-max-dist={keyint}', '!', 'webmmux']
    sys.exit(f'make_test_video: {path}: use .mp4, .mkv or .webm')


def make_background(photo, width, height, kind):
    if kind == 'plain':
        return np.full((height, width, 3), 96, np.uint8)
    # the photo scaled to cover the frame, darkened and blurred so far that
    # no face is left in it for a detector to find: one face per frame
    scale = max(width / photo.width, height / photo.height)
    w, h = math.ceil(photo.width * scale), math.ceil(photo.height * scale)
    cover = photo.resize((w, h), Image.BILINEAR)
    left, top = (w - width) // 2, (h - height) // 2
    cover = cover.crop((left, top, left + width, top + height))
    cover = cover.filter(ImageFilter.GaussianBlur(radius=max(8, height // 8)))
    return (np.asarray(cover, np.float32) * 0.55).astype(np.uint8)


def place(t, width, height):
    """Side and top-left corner of the photo at time t: smooth, periodic, and
    always wholly inside the frame."""
    side = height * (0.65 + 0.25 * math.sin(2 * math.pi * t / 7.3))   # 40 %..90 % of the height
    side = min(int(round(side)), width, height)
    # a Lissajous path over the room left by the photo
    cx = (width - side) / 2 * (1 + 0.95 * math.sin(2 * math.pi * t / 11.0))
    cy = (height - side) / 2 * (1 + 0.95 * math.sin(2 * math.pi * t / 5.9 + 1.0))
    return side, int(round(cx)), int(round(cy))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('out')
    ap.add_argument('--seconds', type=float, default=60)
    ap.add_argument('--width', type=int, default=1280)
    ap.add_argument('--height', type=int, default=720)
    ap.add_argument('--fps', type=int, default=30)
    ap.add_argument('--photo', default=DEFAULT_PHOTO)
    ap.add_argument('--background', choices=('blur', 'plain'), default='blur')
    ap.add_argument('--bitrate', type=int, default=4000, help='kbit/s (default 4000)')
    args = ap.parse_args()

    if args.width < 16 or args.height < 16 or args.width % 2 or args.height % 2:
        sys.exit('make_test_video: width and height must be even and at least 16')
    if args.fps < 1 or args.seconds <= 0:
        sys.exit('make_test_video: --fps and --seconds must be positive')
    gst = shutil.which('gst-launch-1.0')
    if gst is None:
        sys.exit('make_test_video: gst-launch-1.0 not found (gstreamer1.0-tools)')

    photo = Image.open(args.photo).convert('RGB')
    background = make_background(photo, args.width, args.height, args.background)
    n_frames = int(round(args.seconds * args.fps))
    frame_bytes = args.width * args.height * 3

    cmd = [gst, '-q', '-e', 'fdsrc', 'fd=0', f'blocksize={frame_bytes}', '!',
           'rawvideoparse', 'format=rgb', f'width={args.width}', f'height={args.height}',
           f'framerate={args.fps}/1', '!', *encoder_for(args.out, args.fps, args.bitrate), '!',
           'filesink', f'location={args.out}']
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    frame = np.empty_like(background)
    last_side = None
    try:
        for i in range(n_frames):
            side, x, y = place(i / args.fps, args.width, args.height)
            if side != last_side:   # resizing is the expensive part
                face = np.asarray(photo.resize((side, side), Image.BILINEAR))
                last_side = side
            np.copyto(frame, background)
            frame[y:y + side, x:x + side] = face
            proc.stdin.write(frame.tobytes())
            if i % (10 * args.fps) == 0 and i:
                print(f'make_test_video: {i / args.fps:.0f} s of {args.seconds:.0f} s', file=sys.stderr)
        proc.stdin.close()
    except BrokenPipeError:
        pass
    rc = proc.wait()
    if rc != 0:
        sys.exit(f'make_test_video: gst-launch-1.0 failed ({rc})')
    took = time.monotonic() - start
    size = os.path.getsize(args.out)
    print(f'{args.out}: {n_frames} frames {args.width}x{args.height} at {args.fps} fps, '
          f'{size / 1e6:.1f} MB, made in {took:.1f} s')


if __name__ == '__main__':
    main()
