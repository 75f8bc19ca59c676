"""What the scripts under scripts/ share (making recordings, measuring): imported by
them, never by the daemon. It needs a checkout (the models/ beside the package) and the
tools scripts/setup installs (espeak-ng, sox)."""
