#!/usr/bin/env python3
"""What the app's end-to-end tests do to windows as a user (or their window manager) would,
on the X display in $DISPLAY (Xvfb), through Xlib:

  x11.py close TITLE       asks every top-level window titled TITLE to close (WM_DELETE_WINDOW,
                           what a window manager sends when the user clicks the close button)
  x11.py state TITLE       prints "shown" when a window titled TITLE is on screen, else "hidden"
  x11.py shot CLASS FILE   saves a PNG of the first shown window whose WM_CLASS is CLASS

Exits 1 with a message on stderr when there is no display or no such window.
"""

import ctypes
import ctypes.util
import struct
import sys
import zlib

Window = ctypes.c_ulong
Atom = ctypes.c_ulong


class XWindowAttributes(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int), ("height", ctypes.c_int),
        ("border_width", ctypes.c_int), ("depth", ctypes.c_int), ("visual", ctypes.c_void_p),
        ("root", Window), ("class_", ctypes.c_int), ("bit_gravity", ctypes.c_int),
        ("win_gravity", ctypes.c_int), ("backing_store", ctypes.c_int),
        ("backing_planes", ctypes.c_ulong), ("backing_pixel", ctypes.c_ulong),
        ("save_under", ctypes.c_int), ("colormap", ctypes.c_ulong), ("map_installed", ctypes.c_int),
        ("map_state", ctypes.c_int), ("all_event_masks", ctypes.c_long),
        ("your_event_mask", ctypes.c_long), ("do_not_propagate_mask", ctypes.c_long),
        ("override_redirect", ctypes.c_int), ("screen", ctypes.c_void_p),
    ]


class XClientMessageEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p), ("window", Window), ("message_type", Atom),
        ("format", ctypes.c_int), ("data", ctypes.c_long * 5),
    ]


class XEvent(ctypes.Union):
    _fields_ = [("xclient", XClientMessageEvent), ("pad", ctypes.c_long * 24)]


class XClassHint(ctypes.Structure):
    _fields_ = [("res_name", ctypes.c_void_p), ("res_class", ctypes.c_void_p)]


class XImage(ctypes.Structure):
    _fields_ = [
        ("width", ctypes.c_int), ("height", ctypes.c_int), ("xoffset", ctypes.c_int),
        ("format", ctypes.c_int), ("data", ctypes.POINTER(ctypes.c_ubyte)),
        ("byte_order", ctypes.c_int), ("bitmap_unit", ctypes.c_int),
        ("bitmap_bit_order", ctypes.c_int), ("bitmap_pad", ctypes.c_int), ("depth", ctypes.c_int),
        ("bytes_per_line", ctypes.c_int), ("bits_per_pixel", ctypes.c_int),
    ]


IS_VIEWABLE = 2
CLIENT_MESSAGE = 33
Z_PIXMAP = 2
ALL_PLANES = ctypes.c_ulong(-1).value

xlib = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
xlib.XOpenDisplay.restype = ctypes.c_void_p
xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
xlib.XDefaultRootWindow.restype = Window
xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
xlib.XInternAtom.restype = Atom
xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
xlib.XQueryTree.argtypes = [
    ctypes.c_void_p, Window, ctypes.POINTER(Window), ctypes.POINTER(Window),
    ctypes.POINTER(ctypes.POINTER(Window)), ctypes.POINTER(ctypes.c_uint),
]
xlib.XGetWindowProperty.argtypes = [
    ctypes.c_void_p, Window, Atom, ctypes.c_long, ctypes.c_long, ctypes.c_int, Atom,
    ctypes.POINTER(Atom), ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_ulong),
    ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_void_p),
]
xlib.XGetWindowAttributes.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(XWindowAttributes)]
xlib.XGetClassHint.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(XClassHint)]
xlib.XSendEvent.argtypes = [ctypes.c_void_p, Window, ctypes.c_int, ctypes.c_long, ctypes.POINTER(XEvent)]
xlib.XGetImage.restype = ctypes.POINTER(XImage)
xlib.XGetImage.argtypes = [
    ctypes.c_void_p, Window, ctypes.c_int, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
    ctypes.c_ulong, ctypes.c_int,
]
xlib.XFree.argtypes = [ctypes.c_void_p]
xlib.XFlush.argtypes = [ctypes.c_void_p]
xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def top_level_windows(display):
    root, parent = Window(), Window()
    children = ctypes.POINTER(Window)()
    count = ctypes.c_uint()
    if not xlib.XQueryTree(display, xlib.XDefaultRootWindow(display), ctypes.byref(root),
                           ctypes.byref(parent), ctypes.byref(children), ctypes.byref(count)):
        return []
    windows = [children[i] for i in range(count.value)]
    if children:
        xlib.XFree(children)
    return windows


def title(display, window):
    """The window's _NET_WM_NAME (UTF-8), or its WM_NAME."""
    for name, kind in ((b"_NET_WM_NAME", b"UTF8_STRING"), (b"WM_NAME", b"STRING")):
        actual_type, actual_format = Atom(), ctypes.c_int()
        items, after = ctypes.c_ulong(), ctypes.c_ulong()
        data = ctypes.c_void_p()
        status = xlib.XGetWindowProperty(
            display, window, xlib.XInternAtom(display, name, 0), 0, 1024, 0,
            xlib.XInternAtom(display, kind, 0), ctypes.byref(actual_type), ctypes.byref(actual_format),
            ctypes.byref(items), ctypes.byref(after), ctypes.byref(data))
        if status == 0 and data.value:
            text = ctypes.string_at(data.value, items.value).decode("utf-8", "replace")
            xlib.XFree(data)
            return text
    return None


def attributes(display, window):
    attrs = XWindowAttributes()
    xlib.XGetWindowAttributes(display, window, ctypes.byref(attrs))
    return attrs


def window_class(display, window):
    hint = XClassHint()
    if not xlib.XGetClassHint(display, window, ctypes.byref(hint)):
        return None
    name = ctypes.string_at(hint.res_class).decode("utf-8", "replace") if hint.res_class else None
    for pointer in (hint.res_name, hint.res_class):
        if pointer:
            xlib.XFree(pointer)
    return name


def close(display, wanted):
    windows = [w for w in top_level_windows(display) if title(display, w) == wanted]
    if not windows:
        fail(f"no window titled {wanted!r}")
    protocols = xlib.XInternAtom(display, b"WM_PROTOCOLS", 0)
    delete = xlib.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
    for window in windows:
        event = XEvent()
        event.xclient.type = CLIENT_MESSAGE
        event.xclient.window = window
        event.xclient.message_type = protocols
        event.xclient.format = 32
        event.xclient.data[0] = delete
        event.xclient.data[1] = 0  # CurrentTime
        xlib.XSendEvent(display, window, 0, 0, ctypes.byref(event))
    xlib.XFlush(display)


def state(display, wanted):
    shown = any(
        title(display, w) == wanted and attributes(display, w).map_state == IS_VIEWABLE
        for w in top_level_windows(display)
    )
    print("shown" if shown else "hidden")


def png(width, height, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def shot(display, wanted_class, path):
    for window in top_level_windows(display):
        attrs = attributes(display, window)
        if attrs.map_state != IS_VIEWABLE or window_class(display, window) != wanted_class:
            continue
        image = xlib.XGetImage(display, window, 0, 0, attrs.width, attrs.height, ALL_PLANES, Z_PIXMAP)
        if not image or image.contents.bits_per_pixel != 32:
            fail("cannot read the window's pixels (expected 32 bits a pixel)")
        img = image.contents
        data = ctypes.string_at(img.data, img.bytes_per_line * img.height)
        rows = []
        for y in range(img.height):
            line = data[y * img.bytes_per_line:y * img.bytes_per_line + img.width * 4]
            # Little-endian BGRX pixels to RGB.
            rows.append(bytes(b for i in range(0, len(line), 4) for b in (line[i + 2], line[i + 1], line[i])))
        with open(path, "wb") as out:
            out.write(png(img.width, img.height, rows))
        return
    fail(f"no shown window of class {wanted_class!r}")


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("close", "state", "shot"):
        fail(__doc__)
    display = xlib.XOpenDisplay(None)
    if not display:
        fail("cannot open the X display ($DISPLAY)")
    try:
        if sys.argv[1] == "close":
            close(display, sys.argv[2])
        elif sys.argv[1] == "state":
            state(display, sys.argv[2])
        elif len(sys.argv) == 4:
            shot(display, sys.argv[2], sys.argv[3])
        else:
            fail(__doc__)
    finally:
        xlib.XCloseDisplay(display)


main()
