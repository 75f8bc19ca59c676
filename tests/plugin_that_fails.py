"""A plugin module whose import fails, as a broken third-party plugin's would."""

raise ImportError("this plugin needs a library that is not installed")
