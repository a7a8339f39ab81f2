#!/usr/bin/env python3
"""Types into the QwenVL Studio window on an X display (Xvfb), as a person would: focuses the
top-level window of qwenvl-studio (by WM_CLASS), then sends key presses through the XTEST
extension (libXtst, via ctypes; no xdotool needed). Used by scripts/soak-quit.sh.

  xkeys.py wait               exit 0 once such a window is mapped (polls up to 60 s)
  xkeys.py type TEXT          types TEXT (ASCII letters, digits, space and . , ? only)
  xkeys.py key Return|ctrl+q  presses one key, optionally with Control
"""
import ctypes
import ctypes.util
import sys
import time

x11 = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
xtst = ctypes.cdll.LoadLibrary(ctypes.util.find_library("Xtst") or "libXtst.so.6")
Window = ctypes.c_ulong
x11.XOpenDisplay.restype = ctypes.c_void_p
x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
x11.XDefaultRootWindow.restype = Window
x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
x11.XQueryTree.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(Window), ctypes.POINTER(Window),
                           ctypes.POINTER(ctypes.POINTER(Window)), ctypes.POINTER(ctypes.c_uint)]
x11.XFetchName.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(ctypes.c_char_p)]
x11.XStringToKeysym.restype = ctypes.c_ulong
x11.XStringToKeysym.argtypes = [ctypes.c_char_p]
x11.XKeysymToKeycode.restype = ctypes.c_ubyte
x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
x11.XSetInputFocus.argtypes = [ctypes.c_void_p, Window, ctypes.c_int, ctypes.c_ulong]
x11.XFlush.argtypes = [ctypes.c_void_p]
x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]

KEYSYMS = {" ": "space", ".": "period", ",": "comma", "?": "question"}


class XWindowAttributes(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int), ("height", ctypes.c_int),
                ("border_width", ctypes.c_int), ("depth", ctypes.c_int), ("visual", ctypes.c_void_p),
                ("root", Window), ("c_class", ctypes.c_int), ("bit_gravity", ctypes.c_int),
                ("win_gravity", ctypes.c_int), ("backing_store", ctypes.c_int),
                ("backing_planes", ctypes.c_ulong), ("backing_pixel", ctypes.c_ulong),
                ("save_under", ctypes.c_int), ("colormap", ctypes.c_ulong), ("map_installed", ctypes.c_int),
                ("map_state", ctypes.c_int), ("all_event_masks", ctypes.c_long),
                ("your_event_mask", ctypes.c_long), ("do_not_propagate_mask", ctypes.c_long),
                ("override_redirect", ctypes.c_int), ("screen", ctypes.c_void_p)]


x11.XGetWindowAttributes.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(XWindowAttributes)]


class XClassHint(ctypes.Structure):
    _fields_ = [("res_name", ctypes.c_char_p), ("res_class", ctypes.c_char_p)]


x11.XGetClassHint.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(XClassHint)]


def studio_window(dpy):
    """The largest viewable top-level window of qwenvl-studio (its WM_CLASS; Qt writes the title
    as UTF8_STRING, which XFetchName does not read)."""
    root, parent = Window(), Window()
    children = ctypes.POINTER(Window)()
    count = ctypes.c_uint()
    if not x11.XQueryTree(dpy, x11.XDefaultRootWindow(dpy), ctypes.byref(root), ctypes.byref(parent),
                          ctypes.byref(children), ctypes.byref(count)):
        return None
    best, best_area = None, 0
    for i in range(count.value):
        w = children[i]
        attrs = XWindowAttributes()
        x11.XGetWindowAttributes(dpy, w, ctypes.byref(attrs))
        if attrs.map_state != 2:  # IsViewable
            continue
        hint = XClassHint()
        if not x11.XGetClassHint(dpy, w, ctypes.byref(hint)):
            continue
        names = (hint.res_name or b"") + b" " + (hint.res_class or b"")
        if b"qwenvl-studio" in names.lower() and attrs.width * attrs.height > best_area:
            best, best_area = w, attrs.width * attrs.height
    return best


def press(dpy, keysym, control=False):
    ctrl = x11.XKeysymToKeycode(dpy, x11.XStringToKeysym(b"Control_L"))
    code = x11.XKeysymToKeycode(dpy, x11.XStringToKeysym(keysym.encode()))
    shift = keysym == "question" or (len(keysym) == 1 and keysym.isupper())
    shift_code = x11.XKeysymToKeycode(dpy, x11.XStringToKeysym(b"Shift_L"))
    if control:
        xtst.XTestFakeKeyEvent(dpy, ctrl, 1, 0)
    if shift:
        xtst.XTestFakeKeyEvent(dpy, shift_code, 1, 0)
    xtst.XTestFakeKeyEvent(dpy, code, 1, 0)
    xtst.XTestFakeKeyEvent(dpy, code, 0, 0)
    if shift:
        xtst.XTestFakeKeyEvent(dpy, shift_code, 0, 0)
    if control:
        xtst.XTestFakeKeyEvent(dpy, ctrl, 0, 0)
    x11.XSync(dpy, 0)


def main():
    dpy = x11.XOpenDisplay(None)
    if not dpy:
        sys.exit("xkeys: cannot open the X display (is DISPLAY set?)")
    deadline = time.monotonic() + 60
    win = studio_window(dpy)
    while win is None and time.monotonic() < deadline:
        time.sleep(0.1)
        win = studio_window(dpy)
    if win is None:
        sys.exit("xkeys: no QwenVL Studio window appeared")
    if sys.argv[1] == "wait":
        return
    # Without a window manager nobody gives the window the keyboard: take it (RevertToParent).
    x11.XSetInputFocus(dpy, win, 2, 0)
    x11.XSync(dpy, 0)
    if sys.argv[1] == "type":
        for ch in sys.argv[2]:
            press(dpy, KEYSYMS.get(ch, ch))
    elif sys.argv[1] == "key":
        spec = sys.argv[2]
        control = spec.startswith("ctrl+")
        press(dpy, spec[5:] if control else spec, control)
    else:
        sys.exit("xkeys: unknown command " + sys.argv[1])


if __name__ == "__main__":
    main()
