"""What the scripts under scripts/ share (making recordings, measuring), and the parts of a
script too long for one file: imported by them, never by the daemon. It needs a checkout
(the models/ beside the package) and the tools scripts/setup installs (espeak-ng, sox)."""
